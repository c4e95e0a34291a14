import { existsSync } from 'node:fs';
import type { Backend } from '../backends/backend.js';
import { createRealBackends } from '../backends/real-backends.js';
import { ConfigError } from '../config/config-error.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { Provider } from '../config/schema.js';
import type { Expects } from '../contract/request.js';
import { createRealClock } from '../core/clock.js';
import { createRng, deriveSeed } from '../core/rng.js';
import { classify } from '../router/classify.js';
import { isLocalTier } from '../router/types.js';
import {
  emptyReadStats,
  recordedEntries,
  type RecordedWorkloadOptions,
  type WorkloadReadStats,
} from '../sim/recorded-workload.js';
import { agreementOf, type ModelAgreement } from './agreement.js';
import { exactJudge, judgeFor, jsonJudge, mathJudge } from './judges.js';
import { LlmJudge } from './llm-judge.js';
import { appendShadowRows, readShadowFile, type ShadowRow } from './shadow-file.js';

export interface ShadowOptions {
  config: RouterConfig;
  configFile: string;
  workload: RecordedWorkloadOptions;
  /** Local models to shadow, by configured name. */
  models: readonly string[];
  /** The labelled answers file to write (long layout). */
  out: string;
  /** `none` leaves free-text answers unjudged; `auto` sends them to the LLM judge. @default 'auto' */
  judge?: 'auto' | 'none';
  /** The API model that judges free text. @default the first enabled API model */
  judgeModel?: string;
  /** Most the LLM judge may spend, USD. @default 1 */
  judgeBudgetUsd?: number;
  /** Whose answer the recorded one is, in the file (it stands as that model's, labelled right). */
  referenceModel?: string;
  concurrency?: number;
  limit?: number;
  /** A seeded random sample of this many requests. */
  sample?: number;
  seed?: number;
  /** Continue a file a stopped run left (each request and model judged once). */
  resume?: boolean;
  /** Stops launching calls; what was judged is kept. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** @default the real backends (official clients) */
  backends?: Record<Provider, Backend>;
  /** Per call. @default each model's configured timeout */
  timeoutMs?: number;
}

export interface ShadowResult {
  file: string;
  read: WorkloadReadStats;
  /** Rows with a prompt and a recorded answer: what can be shadowed. */
  eligible: number;
  /** Requests this run covers (after --sample and --limit). */
  requests: number;
  /** Calls made now, and rows found already judged (--resume). */
  called: number;
  resumed: number;
  models: ModelAgreement[];
  judge: { model: string; calls: number; costUsd: number; budgetUsd: number } | null;
  interrupted: boolean;
}

interface Shadowed {
  row: number;
  id: string;
  prompt: string;
  reference: string;
  action: string;
  complexity: string;
  expects?: Expects;
  recordedModel?: string;
}

function seededSample<T>(items: T[], n: number, seed: number): T[] {
  if (n >= items.length) return items;
  const rng = createRng(deriveSeed(seed, 'shadow-sample'));
  const picked = items.map((item, i) => ({ item, i, key: rng() }));
  picked.sort((a, b) => a.key - b.key);
  return picked
    .slice(0, n)
    .sort((a, b) => a.i - b.i)
    .map((p) => p.item);
}

function modelsOf(config: RouterConfig, names: readonly string[]): ModelConfig[] {
  return names.map((name) => {
    const model = config.models.find((m) => m.name === name);
    if (!model)
      throw new ConfigError(
        `--models ${name}: no such model in ${config.source}; the local ones are ${config.models
          .filter((m) => isLocalTier(m.tier))
          .map((m) => m.name)
          .join(', ')}.`,
      );
    if (!isLocalTier(model.tier))
      throw new ConfigError(
        `--models ${name}: '${name}' is an API model; shadow runs local models beside the API's recorded answers.`,
      );
    return model;
  });
}

/**
 * Sends each recorded prompt that has a recorded answer to the named local models through their real
 * backends, judges each local answer against the recorded one by its shape, and appends the labelled rows.
 */
export async function shadow(options: ShadowOptions): Promise<ShadowResult> {
  const config = options.config;
  const models = modelsOf(config, options.models);
  const read = emptyReadStats();
  const eligible: Shadowed[] = [];
  for await (const entry of recordedEntries(options.workload, read)) {
    const { request, answer } = entry;
    if (!answer?.trim() || !request.prompt.trim()) continue;
    eligible.push({
      row: Number(request.id!.slice(3)),
      id: request.id!,
      prompt: request.prompt,
      reference: answer,
      action: request.action ?? '(none)',
      complexity: classify(request, config.actionComplexity).complexity,
      ...(request.expects ? { expects: request.expects } : {}),
      ...(entry.model ? { recordedModel: entry.model } : {}),
    });
  }
  if (eligible.length === 0)
    throw new ConfigError(
      `${options.workload.file}: no row has both a prompt and a recorded answer, so there is nothing to shadow. Map the answer column with --map COLUMN=answer (and the prompt's with --map COLUMN=prompt).`,
      options.workload.file,
    );
  let chosen = options.sample ? seededSample(eligible, options.sample, options.seed ?? 42) : eligible;
  if (options.limit !== undefined) chosen = chosen.slice(0, options.limit);

  if (existsSync(options.out) && !options.resume)
    throw new ConfigError(
      `${options.out} exists: pass --resume to continue it (each request and model is judged once), or choose another --out.`,
      options.out,
    );
  const previous = options.resume && existsSync(options.out) ? readShadowFile(options.out) : [];
  const done = new Set(previous.map((r) => `${r.requestId}\t${r.model}`));

  const firstApi = config.models.find((m) => m.enabled && !isLocalTier(m.tier));
  const reference = options.referenceModel ?? firstApi?.name ?? 'reference';
  const backends =
    options.backends ?? createRealBackends({ clock: createRealClock(), configFile: options.configFile });
  let llm: LlmJudge | undefined;
  if ((options.judge ?? 'auto') === 'auto') {
    const judgeModel = options.judgeModel
      ? config.models.find((m) => m.name === options.judgeModel)
      : firstApi;
    if (!judgeModel)
      throw new ConfigError(
        options.judgeModel
          ? `--judge-model ${options.judgeModel}: no such model in ${config.source}.`
          : `no enabled API model in ${config.source} to judge free-text answers; name one with --judge-model, or pass --judge none.`,
      );
    llm = new LlmJudge(judgeModel, backends[judgeModel.provider], options.judgeBudgetUsd ?? 1);
  }

  // The recorded answers stand as the reference model's, labelled right: calibrate needs an API side.
  const referenceRows: ShadowRow[] = chosen
    .filter((s) => !done.has(`${s.row}\t${s.recordedModel ?? reference}`))
    .map((s) => ({
      requestId: s.row,
      model: s.recordedModel ?? reference,
      answer: s.reference,
      correct: true,
      outputTokens: Math.ceil(s.reference.length / 4),
      latencyMs: 0,
      judge: 'reference',
    }));
  if (referenceRows.length) appendShadowRows(options.out, referenceRows);

  const jobs = chosen.flatMap((s) =>
    models.filter((m) => !done.has(`${s.row}\t${m.name}`)).map((m) => ({ s, m })),
  );
  const total = chosen.length * models.length;
  let finished = total - jobs.length;
  let called = 0;
  options.onProgress?.(finished, total);
  const judgeOne = async (
    s: Shadowed,
    m: ModelConfig,
    text: string,
  ): Promise<{ correct: boolean | undefined; judge: string }> => {
    const shape = judgeFor(s, s.reference);
    if (shape === 'exact') return { correct: exactJudge(text, s.reference), judge: 'exact' };
    if (shape === 'json') return { correct: jsonJudge(text, s.reference), judge: 'json' };
    if (shape === 'math') return { correct: mathJudge(text, s.reference), judge: 'math' };
    if (!llm) return { correct: undefined, judge: 'none (free text, --judge none)' };
    const verdict = await llm.judge(
      { request: s.prompt, reference: s.reference, candidate: text },
      `${s.id}-${m.name}`,
      options.timeoutMs ?? llm.model.timeoutMs,
    );
    return {
      correct: verdict.correct,
      judge: verdict.note ? `llm ${llm.model.name}: ${verdict.note}` : `llm ${llm.model.name}`,
    };
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !options.signal?.aborted) {
      const { s, m } = jobs[next++]!;
      const timeoutMs = options.timeoutMs ?? m.timeoutMs;
      const signal = AbortSignal.any([
        AbortSignal.timeout(timeoutMs),
        ...(options.signal ? [options.signal] : []),
      ]);
      let row: ShadowRow;
      try {
        const result = await backends[m.provider].doGenerate({
          model: m,
          request: { prompt: s.prompt, ...(s.expects ? { expects: s.expects } : {}) },
          requestId: `shadow-${s.id}`,
          complexity: s.complexity as 'SIMPLE',
          expects: s.expects ?? 'text',
          purpose: 'answer',
          prompt: s.prompt,
          maxTokens: config.maxOutputTokens,
          step: 0,
          timeoutMs,
          signal,
        });
        if (options.signal?.aborted) return;
        const verdict = await judgeOne(s, m, result.text);
        row = {
          requestId: s.row,
          model: m.name,
          answer: result.text,
          correct: verdict.correct,
          outputTokens: result.outputTokens,
          latencyMs: result.latencyMs,
          judge: verdict.judge,
        };
      } catch (error) {
        // Stopped mid-call: not judged, so not written; --resume sends it again.
        if (options.signal?.aborted) return;
        // A local model that gave no answer failed the request.
        row = {
          requestId: s.row,
          model: m.name,
          answer: '',
          correct: false,
          outputTokens: 0,
          latencyMs: 0,
          judge: `call failed: ${(error as Error).name}`,
        };
      }
      called++;
      appendShadowRows(options.out, [row]);
      options.onProgress?.(++finished, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));

  const byRow = new Map(chosen.map((s) => [s.row, s]));
  const rows = readShadowFile(options.out)
    .filter((r) => byRow.has(r.requestId) && r.judge !== 'reference')
    .map((r) => ({
      model: r.model,
      correct: r.correct,
      judge: r.judge.startsWith('llm ') && !r.judge.includes(':') ? 'llm' : r.judge.replace(/ .*/, ''),
      latencyMs: r.latencyMs,
      action: byRow.get(r.requestId)!.action,
      complexity: byRow.get(r.requestId)!.complexity,
    }));
  return {
    file: options.out,
    read,
    eligible: eligible.length,
    requests: chosen.length,
    called,
    resumed: previous.filter((r) => r.judge !== 'reference').length,
    models: agreementOf(
      rows,
      models.map((m) => m.name),
    ),
    judge: llm
      ? { model: llm.model.name, calls: llm.calls, costUsd: llm.spentUsd, budgetUsd: llm.budgetUsd }
      : null,
    interrupted: options.signal?.aborted ?? false,
  };
}
