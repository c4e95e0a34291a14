import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { createRealBackends } from '../backends/real-backends.js';
import { BackendError } from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { classify } from '../router/classify.js';
import { confidenceOf, passes, runStaticChecks } from '../router/quality/quality-check.js';
import type { Complexity } from '../router/types.js';
import { createRealClock, type Clock } from '../core/clock.js';
import { createRng, deriveSeed } from '../core/rng.js';
import { requestMetrics } from './metrics.js';
import { checkTask } from './task-checks.js';
import type { BenchTask } from './tasks.js';

/** One measured request, a line of results.jsonl. Failures are rows too (state `errored`), never crashes. */
export interface BenchRow {
  model: string;
  taskId: string;
  action: string;
  complexity: Complexity;
  run: number;
  state: 'ok' | 'errored';
  error?: string;
  errorMessage?: string;
  startedAtMs: number;
  ttftMs?: number;
  e2eMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  tpotMs?: number;
  tokensPerSecond?: number;
  serverTokensPerSecond?: number;
  loadMs?: number;
  /** The server's own prompt-evaluation time (Ollama, llama.cpp), ms. */
  serverPromptMs?: number;
  /** The server's own time for the whole request (Ollama total_duration), ms. */
  serverTotalMs?: number;
  finishReason?: string;
  confidence?: number;
  qualityPassed?: boolean;
  checks?: Record<string, number>;
  checkNotes?: string[];
  correct?: boolean;
  note?: string;
}

export interface BenchRunOptions {
  config: RouterConfig;
  configFile: string;
  models: readonly ModelConfig[];
  tasks: readonly BenchTask[];
  /** Measured passes over the task set. @default 1 */
  runs?: number;
  /** Unrecorded requests per model first (loads the model). @default 1 */
  warmup?: number;
  /** Requests in flight at once. @default 1 */
  concurrency?: number;
  /** Requests started per second instead of a fixed concurrency; `poisson` for exponential gaps. */
  rate?: number;
  poisson?: boolean;
  /**
   * One request at a time, each sent after the server sat idle this long since the previous answer (ms, one
   * per measured request, cycled): how a server that cools while idle answers (the sweep's idle probe).
   */
  pausesMs?: readonly number[];
  /** @default 256 */
  maxTokens?: number;
  /** Per-request timeout, ms. @default 120000 */
  timeoutMs?: number;
  /** Results folder; rows are appended to results.jsonl as they complete. */
  outDir: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  backends?: Partial<Record<string, Backend>>;
  /** Stops dispatching new requests (Ctrl-C); what was measured is kept. */
  signal?: AbortSignal;
  onProgress?: (model: string, done: number, total: number, task: string) => void;
  seed?: number;
}

export interface ModelRun {
  model: string;
  rows: BenchRow[];
  wallMs: number;
}

/**
 * Sends the task set to each model through its real backend (sequential, fixed concurrency, or a constant or
 * Poisson rate), measuring TTFT, TPOT, end-to-end latency, tokens/s and Ollama's own timings, and judging
 * each answer with the router's quality check and the task's own expectation.
 */
export async function runBench(
  options: BenchRunOptions,
): Promise<{ runs: ModelRun[]; interrupted: boolean }> {
  const clock = options.clock ?? createRealClock();
  const backends =
    options.backends ??
    createRealBackends({
      clock,
      configFile: options.configFile,
      ...(options.env ? { env: options.env } : {}),
    });
  const results = join(options.outDir, 'results.jsonl');
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(results, '');
  const weights = { ...options.config.weights, selfCritique: 0 };
  const maxTokens = options.maxTokens ?? 256;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runs: ModelRun[] = [];

  const call = async (model: ModelConfig, task: BenchTask, run: number): Promise<BenchRow> => {
    const complexity = classify(
      { action: task.action, prompt: task.prompt },
      options.config.actionComplexity,
    ).complexity;
    const base = {
      model: model.name,
      taskId: task.id,
      action: task.action,
      complexity,
      run,
      startedAtMs: clock.now(),
    };
    const backend = backends[model.provider];
    if (!backend) throw new Error(`no backend for provider ${model.provider}`);
    try {
      const answer = await backend.doGenerate({
        model,
        request: { prompt: task.prompt, expects: task.expects, requiredFields: task.required_fields },
        requestId: `bench-${task.id}-${run}`,
        complexity,
        expects: task.expects,
        purpose: 'answer',
        prompt: task.prompt,
        maxTokens,
        step: 0,
        timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const checks = await runStaticChecks(
        answer.text,
        task.expects,
        task.required_fields,
        answer.finishReason,
      );
      const confidence = confidenceOf(checks, weights);
      const verdict = checkTask(task.check, answer.text, checks.format.score === 1);
      return {
        ...base,
        state: 'ok',
        ttftMs: answer.ttftMs,
        e2eMs: answer.latencyMs,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        ...Object.fromEntries(
          Object.entries(
            requestMetrics(answer.ttftMs, answer.latencyMs, answer.outputTokens, answer.server),
          ).filter(([, v]) => v !== undefined),
        ),
        finishReason: answer.finishReason,
        confidence,
        qualityPassed: passes(confidence, options.config.qualityThreshold),
        checks: {
          format: checks.format.score,
          completeness: checks.completeness.score,
          coherence: checks.coherence.score,
        },
        checkNotes: [checks.format.note, checks.completeness.note, checks.coherence.note],
        correct: verdict.correct,
        note: verdict.note,
      };
    } catch (error) {
      const e = BackendError.isInstance(error) ? error : undefined;
      if (!e) throw error;
      return {
        ...base,
        state: 'errored',
        error: e.name,
        errorMessage: e.message,
        e2eMs: clock.now() - base.startedAtMs,
      };
    }
  };

  for (const model of options.models) {
    if (options.signal?.aborted) break;
    for (let i = 0; i < (options.warmup ?? 1) && !options.signal?.aborted; i++)
      await call(model, options.tasks[i % options.tasks.length]!, -1 - i);
    const jobs: { task: BenchTask; run: number }[] = [];
    for (let run = 0; run < (options.runs ?? 1); run++)
      for (const task of options.tasks) jobs.push({ task, run });
    const rows: BenchRow[] = [];
    const started = clock.now();
    const inFlight = new Set<Promise<void>>();
    const gaps = createRng(deriveSeed(options.seed ?? 1, 'bench-rate', model.name));
    let next = performance.now();
    const pauses = options.pausesMs?.length ? options.pausesMs : undefined;
    const concurrency = pauses
      ? 1
      : options.rate
        ? Number.POSITIVE_INFINITY
        : Math.max(1, options.concurrency ?? 1);
    for (const [index, job] of jobs.entries()) {
      if (options.signal?.aborted) break;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (pauses) {
        await new Promise((r) => setTimeout(r, pauses[index % pauses.length]));
        if (options.signal?.aborted) break;
      } else if (options.rate) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next =
          Math.max(next, performance.now()) +
          (options.poisson ? -Math.log(1 - gaps()) / options.rate : 1 / options.rate) * 1000;
      }
      const promise = call(model, job.task, job.run).then((row) => {
        rows.push(row);
        appendFileSync(results, `${JSON.stringify(row)}\n`);
        options.onProgress?.(model.name, rows.length, jobs.length, job.task.id);
      });
      const tracked = promise.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
    runs.push({ model: model.name, rows, wallMs: clock.now() - started });
  }
  return { runs, interrupted: options.signal?.aborted ?? false };
}
