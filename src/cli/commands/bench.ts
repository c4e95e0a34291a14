import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { bench } from '../../bench/bench.js';
import { DEFAULT_TASKS, loadTasks, type BenchTask } from '../../bench/tasks.js';
import { sweep } from '../../bench/sweep.js';
import { formatSweep } from '../format/sweep.js';
import type { ModelConfig, RouterConfig } from '../../config/router-config.js';
import { withEndpoint } from '../../config/endpoint-override.js';
import { loadConfigFile } from '../../config/load-config.js';
import { formatDuration, formatPercent } from '../../report/format-numbers.js';
import { isLocalTier } from '../../router/types.js';
import { adHocModel } from '../../llamacpp/engine.js';
import { runId } from '../../sim/run-folder.js';
import { configOption, configSets, resolveConfigPath, typed } from '../options.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../report-error.js';
import { join } from 'node:path';

interface BenchArgs {
  models?: string;
  tasks?: string;
  limit?: number;
  runs: number;
  warmup: number;
  concurrency: number;
  rate?: number;
  poisson: boolean;
  'max-tokens': number;
  timeout: number;
  out: string;
  json: boolean;
  'base-url'?: string;
  config?: string;
  sweep: boolean;
  'sweep-steps': string;
  'sweep-requests'?: number;
  'sweep-idle': number;
  'slo-ttft-ms': number;
  'slo-e2e-ms'?: number;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe:
    'Benchmark local models on this hardware (latency, tokens/s, quality) and write calibrated profiles',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm bench [--models phi3:mini,llama3:8b,…] [--tasks FILE] [--runs N] [--warmup N] [--concurrency C | --rate R [--poisson]] [--max-tokens N] [--timeout S] [--out DIR] [--json]

Sends a task set (default: the project's 130 tasks in datasets/bench-tasks.jsonl; --tasks also reads GSM8K- and HumanEval-style JSONL) to each model through its real backend and measures TTFT, TPOT (excluding the first token), end-to-end latency, output tokens/s (client side, and Ollama's eval_count/eval_duration), load time, throughput; p50/p90/p95/p99, mean, stddev. Each answer is judged by the task's expectation and the router's quality check. Writes results.jsonl, summary.json, summary.csv, report.html and profiles.yaml — the calibrated profile for simulate --profiles. A model none of whose requests completed gets no profile, and its first error is shown; when that is every model, bench exits 1. Ctrl-C stops and keeps what was measured.`,
      )
      .option('models', {
        type: 'string',
        describe: 'Comma-separated model names (default: the enabled local models)',
      })
      .option('tasks', { type: 'string', describe: 'Task file (JSONL; .gz allowed)' })
      .option('limit', { type: 'number', describe: 'Use only the first N tasks' })
      .option('runs', { type: 'number', default: 1, describe: 'Measured passes over the task set' })
      .option('warmup', { type: 'number', default: 1, describe: 'Unrecorded requests per model first' })
      .option('concurrency', { type: 'number', default: 1 })
      .option('rate', {
        type: 'number',
        describe: 'Requests started per second (instead of a fixed concurrency)',
      })
      .option('poisson', {
        type: 'boolean',
        default: false,
        describe: 'With --rate: Poisson (exponential) gaps',
      })
      .option('sweep', {
        type: 'boolean',
        default: false,
        describe:
          'Measure one model across load (concurrency 1, 2, 4, …) until throughput stops growing, TTFT passes 4× the SLO or every request at a level fails, and fit its capacity profile into profiles.yaml',
      })
      .option('sweep-requests', {
        type: 'number',
        describe: 'With --sweep: requests measured at each level (default: 16, or 4 × the level when more)',
      })
      .option('sweep-idle', {
        type: 'number',
        default: 40,
        describe:
          'With --sweep: requests sent one at a time after idle times from short to long, to measure how often and by how much a server that sat idle is slower to its first token (the wake curve); 0 skips it',
      })
      .option('sweep-steps', {
        type: 'string',
        default: '1,2,4,8,16,32,64',
        describe: 'With --sweep: the concurrency levels, in order',
      })
      .option('slo-ttft-ms', {
        type: 'number',
        default: 2000,
        describe: 'With --sweep: time to first token a request must meet to count in goodput',
      })
      .option('slo-e2e-ms', {
        type: 'number',
        describe: 'With --sweep: end-to-end time a request must also meet to count in goodput',
      })
      .option('max-tokens', { type: 'number', default: 256 })
      .option('timeout', { type: 'number', default: 120, describe: 'Per-request timeout, seconds' })
      .option('out', { type: 'string', default: 'reports', describe: 'Where the results folder goes' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' })
      .option('base-url', {
        type: 'string',
        describe: 'Send every model to this server (e.g. hybridllm mock-server)',
      })
      .option('config', configOption)
      .example(
        '$0 mock-server & $0 bench --models phi3:mini --runs 3',
        'try it with no Ollama installed',
      ) as unknown as Argv<BenchArgs>,
  handler: async (args: ArgumentsCamelCase<BenchArgs>) => {
    for (const [flag, value] of [
      ['runs', args.runs],
      ['warmup', args.warmup + 1],
      ['concurrency', args.concurrency],
      ['max-tokens', args['max-tokens']],
    ] as const)
      if (!Number.isInteger(value) || value < 1)
        throw new UsageError(`--${flag} must be a positive integer, got ${typed(flag, value)}`);
    if (args.rate !== undefined && !(args.rate > 0))
      throw new UsageError(`--rate must be positive, got ${typed('rate', args.rate)}`);
    if (args.rate !== undefined && args.concurrency !== 1)
      throw new UsageError('give either --concurrency or --rate, not both');
    const configFile = resolveConfigPath(args.config);
    const loaded = loadConfigFile(configFile, undefined, configSets(args));
    const config = args['base-url'] ? withEndpoint(loaded, args['base-url']) : loaded;
    const names = args.models
      ?.split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const template = config.models.find((m) => m.tier === 'LOCAL_FAST') ?? config.models[0]!;
    const models = names
      ? names.map((name) => {
          const model = config.models.find((m) => m.name === name || m.model === name);
          if (model) return model;
          // llamacpp:FILE.gguf benchmarks a GGUF file in-process, with no config entry.
          if (name.startsWith('llamacpp:') && /\.gguf$/i.test(name))
            return adHocModel(name.slice('llamacpp:'.length), {
              ...template,
              tier: 'LOCAL_FAST',
              enabled: true,
            });
          throw new UsageError(
            `--models: no model '${name}' in ${configFile}; known: ${config.models.map((m) => m.name).join(', ')} (or llamacpp:FILE.gguf)`,
          );
        })
      : config.models.filter((m) => m.enabled && isLocalTier(m.tier));
    const tasksFile = args.tasks ?? DEFAULT_TASKS;
    const all = loadTasks(tasksFile);
    const tasks = args.limit ? all.slice(0, args.limit) : all;
    const outDir = join(args.out, runId('bench', 0).replace(/-s0$/, ''));
    if (args.sweep) return runSweep(args, { config, configFile, models, tasks, outDir });
    const controller = new AbortController();
    const progress = createProgress(!args.json);
    let interrupts = 0;
    const onSigint = (): void => {
      if (++interrupts > 1) process.exit(130);
      process.stderr.write('\nstopping after the requests in flight (Ctrl-C again to quit now)…\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await bench({
        config,
        configFile,
        models,
        tasks,
        tasksFile,
        runs: args.runs,
        warmup: args.warmup,
        concurrency: args.concurrency,
        ...(args.rate ? { rate: args.rate, poisson: args.poisson } : {}),
        maxTokens: args['max-tokens'],
        timeoutMs: args.timeout * 1000,
        outDir,
        signal: controller.signal,
        onProgress: (model, done, total) => progress.update(model, done, total),
      });
      progress.stop();
      // Nothing measured (every request to every model failed) is a failed bench, for scripts too.
      if (!Object.keys(result.profiles).length && !result.summary.interrupted) process.exitCode = 1;
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ ...result.summary, outDir }, null, 2)}\n`);
        return;
      }
      const lines = [
        `BENCH ${tasks.length} tasks × ${args.runs} run(s) on ${result.summary.hardware.cpu} (${result.summary.hardware.cores} cores, ${result.summary.hardware.ramGb} GB, GPU: ${result.summary.hardware.gpu})${result.summary.interrupted ? ' — INTERRUPTED, partial results' : ''}`,
        'model                 requests errors  TTFT p50  TPOT p50   E2E p50   E2E p95  tok/s p50  pass S/M/C          recommended',
        ...result.summary.models.map((m) => {
          const q = (c: 'SIMPLE' | 'MODERATE' | 'COMPLEX'): string =>
            m.quality[c].passRate === null ? '–' : formatPercent(m.quality[c].passRate! * 100, 0);
          // No completed request: no latency to show (not 0 ms).
          const none = m.errors === m.requests;
          const ms = (d: number): string => (none ? '–' : formatDuration(d)).padStart(10);
          return `${m.model.padEnd(22)}${String(m.requests).padStart(8)}${String(m.errors).padStart(7)}${ms(m.ttftMs.p50)}${ms(m.tpotMs.p50)}${ms(m.e2eMs.p50)}${ms(m.e2eMs.p95)}${(none ? '–' : m.tokensPerSecond.p50.toFixed(1)).padStart(11)}  ${`${q('SIMPLE')}/${q('MODERATE')}/${q('COMPLEX')}`.padEnd(18)} ${m.recommendation.tier} (${m.recommendation.reason})`;
        }),
        ...result.summary.models
          .filter((m) => m.firstError)
          .map(
            (m) =>
              `${m.model}: ${m.errors === m.requests ? `every request failed, so no profile for it` : `${m.errors} of ${m.requests} requests failed`}; the first: ${m.firstError}`,
          ),
        '',
        ...Object.values(result.summary.definitions).map((d) => `  ${d}`),
        '',
        `Results: ${outDir}/ (results.jsonl, summary.json, summary.csv, report.html)`,
        Object.keys(result.profiles).length
          ? `Profile: ${outDir}/profiles.yaml (${Object.keys(result.profiles).join(', ')}) — use it with: hybridllm simulate --scenario heavy --profiles ${outDir}/profiles.yaml`
          : 'Profile: none written (no model completed a request)',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      process.off('SIGINT', onSigint);
      progress.stop();
    }
  },
};

/** `bench --sweep`: one model across load, the table, and the fitted capacity profile. */
async function runSweep(
  args: ArgumentsCamelCase<BenchArgs>,
  run: {
    config: RouterConfig;
    configFile: string;
    models: ModelConfig[];
    tasks: BenchTask[];
    outDir: string;
  },
): Promise<void> {
  if (run.models.length !== 1)
    throw new UsageError(
      `--sweep measures one model; name it with --models (got ${run.models.map((m) => m.name).join(', ') || 'none'})`,
    );
  const steps = args['sweep-steps'].split(',').map((s) => Number(s.trim()));
  if (!steps.length || steps.some((s, i) => !Number.isInteger(s) || s < 1 || (i > 0 && s <= steps[i - 1]!)))
    throw new UsageError(
      `--sweep-steps must be increasing whole numbers, e.g. 1,2,4,8, got ${typed('sweep-steps', args['sweep-steps'])}`,
    );
  const perLevel = args['sweep-requests'];
  if (perLevel !== undefined && !(Number.isInteger(perLevel) && perLevel >= 1))
    throw new UsageError(
      `--sweep-requests must be a whole number, at least 1, got ${typed('sweep-requests', perLevel)}`,
    );
  const idle = args['sweep-idle'];
  if (!(Number.isInteger(idle) && idle >= 0))
    throw new UsageError(`--sweep-idle must be a whole number, 0 or more, got ${typed('sweep-idle', idle)}`);
  if (!(args['slo-ttft-ms'] > 0))
    throw new UsageError(`--slo-ttft-ms must be positive, got ${typed('slo-ttft-ms', args['slo-ttft-ms'])}`);
  const progress = createProgress(!args.json);
  try {
    const result = await sweep({
      config: run.config,
      configFile: run.configFile,
      model: run.models[0]!,
      tasks: run.tasks,
      steps,
      ...(perLevel === undefined ? {} : { requestsPerStep: (level: number) => Math.max(perLevel, level) }),
      idleRequests: idle,
      warmup: args.warmup,
      maxTokens: args['max-tokens'],
      timeoutMs: args.timeout * 1000,
      outDir: run.outDir,
      slo: { ttftMs: args['slo-ttft-ms'], ...(args['slo-e2e-ms'] ? { e2eMs: args['slo-e2e-ms'] } : {}) },
      onProgress: (model, done, total) => progress.update(model, done, total),
    });
    progress.stop();
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${formatSweep(result).join('\n')}\n`);
  } finally {
    progress.stop();
  }
}
