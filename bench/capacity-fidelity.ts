/**
 * The capacity model against a real server, end to end as a user runs it: `bench --sweep` fits a capacity
 * profile, then the same recorded workload is replayed at several loads twice — simulated with the fitted
 * profile (`simulate --profiles`), and for real at the workload's own pace (`simulate --backend real
 * --as-recorded`) — and what the model's calls saw is compared. Used by the fidelity test (against the
 * capacity-limited mock server) and by `npm run bench:capacity` (the mock and in-process llama.cpp).
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN = new URL('../bin/hybridllm', import.meta.url).pathname;

export interface Measured {
  /** The model's answers per second, first arrival to last answer. */
  throughput: number;
  ttftP50: number;
  e2eP50: number;
  ttftP95: number;
  timedOut: number;
}

export interface Level {
  name: string;
  /** Requests per second (Poisson). */
  rate: number;
  requests: number;
}

export interface FidelityOptions {
  dir: string;
  configFile: string;
  /** The model measured (the workload's action must route to it first). */
  model: string;
  /** Extra `bench --sweep` arguments (`--base-url`, `--tasks`, steps, requests per level, max tokens). */
  sweepArgs: string[];
  /** Extra `simulate --backend real` arguments (`--base-url`). */
  realArgs: string[];
  levels: readonly Level[];
  /** A workload row's fields after the timestamp, given the input tokens the sweep measured on. */
  row: (inputTokens: number) => string;
  /** The CSV header after `timestamp,`. */
  header: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Replay each level for real a second time, right after the first: how far the real server agrees with
   * itself, the floor under any model's agreement with it.
   */
  repeatReal?: boolean;
}

export interface FidelityResult {
  /** The fitted capacity profile (sweep.json's `capacity`). */
  capacity: {
    max_concurrency: number;
    decode: { sequences: number; tokens_per_s: number }[];
    overhead_ms: number;
    wake_ms: number;
    wake?: { idle_ms: number; ms: number; share?: number }[];
  };
  inputTokens: number;
  levels: { level: Level; simulated: Measured; measured: Measured; measuredAgain?: Measured }[];
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      BIN,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`hybridllm ${args.join(' ')} failed: ${stderr || error.message}`))
          : resolve(stdout),
    ),
  );
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i));
};

interface Row {
  arrivalMs: number;
  attempts: { model: string; ttftMs: number; latencyMs: number; error?: string }[];
}

/** The model's first attempts in a run folder's requests.jsonl. */
export function measure(runDir: string, model: string): Measured {
  const rows = readFileSync(join(runDir, 'requests.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
  const calls = rows.map((r) => ({ arrival: r.arrivalMs, attempt: r.attempts[0]! }));
  const mine = calls.filter((c) => c.attempt.model === model);
  const answered = mine.filter((c) => !c.attempt.error);
  const first = Math.min(...calls.map((c) => c.arrival));
  const last = Math.max(...answered.map((c) => c.arrival + c.attempt.latencyMs));
  const ttft = answered.map((c) => c.attempt.ttftMs);
  return {
    throughput: answered.length / ((last - first) / 1000),
    ttftP50: quantile(ttft, 0.5),
    e2eP50: quantile(
      answered.map((c) => c.attempt.latencyMs),
      0.5,
    ),
    ttftP95: quantile(ttft, 0.95),
    timedOut: mine.length - answered.length,
  };
}

/** Poisson arrivals at `rate` a second, seeded. */
function writeWorkload(
  file: string,
  options: FidelityOptions,
  level: Level,
  inputTokens: number,
  seed: number,
): void {
  let state = seed;
  const uniform = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let t = Date.UTC(2026, 2, 2, 9, 0, 0);
  const lines = [`timestamp,${options.header}`];
  for (let i = 0; i < level.requests; i++) {
    lines.push(`${new Date(Math.round(t)).toISOString()},${options.row(inputTokens)}`);
    t += (-Math.log(1 - uniform()) / level.rate) * 1000;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const runFolder = (out: string): string => join(out, readdirSync(out)[0]!);

export async function runFidelity(options: FidelityOptions): Promise<FidelityResult> {
  const sweepOut = join(options.dir, 'sweep');
  await cli(
    [
      'bench',
      '--sweep',
      '--config',
      options.configFile,
      '--models',
      options.model,
      ...options.sweepArgs,
      '--out',
      sweepOut,
    ],
    options.env,
  );
  const sweepDir = runFolder(sweepOut);
  const sweep = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as {
    capacity: FidelityResult['capacity'];
    steps: { meanInputTokens: number }[];
  };
  // The workload's prompts are the size the sweep measured its prefill rate on.
  const inputTokens = Math.round(sweep.steps[0]!.meanInputTokens);
  const levels: FidelityResult['levels'] = [];
  for (const [i, level] of options.levels.entries()) {
    const file = join(options.dir, `load-${i}.csv`);
    writeWorkload(file, options, level, inputTokens, 5 + i);
    const common = ['simulate', '--config', options.configFile, '--workload', file, '--no-progress'];
    const simOut = join(options.dir, `sim-${i}`);
    // Pinned at the one server it is measured against: unpinned, an overloaded level would be re-sized.
    await cli(
      [
        ...common,
        '--profiles',
        join(sweepDir, 'profiles.yaml'),
        '--servers',
        `${options.model}=1`,
        '--out',
        simOut,
      ],
      options.env,
    );
    const real = async (name: string): Promise<Measured> => {
      const realOut = join(options.dir, name);
      await cli(
        [...common, '--backend', 'real', ...options.realArgs, '--as-recorded', '--out', realOut],
        options.env,
      );
      return measure(runFolder(realOut), options.model);
    };
    const measured = await real(`real-${i}`);
    levels.push({
      level,
      simulated: measure(runFolder(simOut), options.model),
      measured,
      ...(options.repeatReal ? { measuredAgain: await real(`real-again-${i}`) } : {}),
    });
  }
  return { capacity: sweep.capacity, inputTokens, levels };
}

/** The comparison as a table, simulated / measured per level. */
export function formatFidelity(result: FidelityResult): string {
  const c = result.capacity;
  const pair = (a: number, b: number, digits = 0): string =>
    `${a.toFixed(digits).padStart(8)} / ${b.toFixed(digits).padEnd(8)} ${`(${(((a - b) / b) * 100).toFixed(1)}%)`.padEnd(9)}`;
  return [
    `fitted: max_concurrency ${c.max_concurrency}; decode ${c.decode.map((p) => `${p.tokens_per_s} tok/s at ${p.sequences}`).join(', ')}; outside the server ${c.overhead_ms} ms; wake ${c.wake ? c.wake.map((p) => `${p.ms} ms for ${Math.round((p.share ?? 1) * 100)}% after ${p.idle_ms} ms idle`).join(', ') : `${c.wake_ms} ms`}`,
    `level              rate/s  throughput/s (sim / real)        TTFT p50 ms (sim / real)        E2E p50 ms (sim / real)         TTFT p95 ms (sim / real)`,
    ...result.levels.map(
      ({ level, simulated: s, measured: m }) =>
        `${level.name.padEnd(18)} ${level.rate.toFixed(1).padStart(6)}  ${pair(s.throughput, m.throughput, 2)}  ${pair(s.ttftP50, m.ttftP50)}  ${pair(s.e2eP50, m.e2eP50)}  ${pair(s.ttftP95, m.ttftP95)}`,
    ),
    ...(result.levels.some((l) => l.measuredAgain)
      ? [
          'the real server against itself (second real replay / first):',
          ...result.levels.flatMap(({ level, measured: m, measuredAgain: a }) =>
            a
              ? [
                  `${level.name.padEnd(18)} ${level.rate.toFixed(1).padStart(6)}  ${pair(a.throughput, m.throughput, 2)}  ${pair(a.ttftP50, m.ttftP50)}  ${pair(a.e2eP50, m.e2eP50)}  ${pair(a.ttftP95, m.ttftP95)}`,
                ]
              : [],
          ),
        ]
      : []),
  ].join('\n');
}

/** The largest relative difference of throughput, TTFT p50 and E2E p50 at the first two levels. */
export function largestDifference(
  result: FidelityResult,
  of: (level: FidelityResult['levels'][number]) => Measured | undefined = (l) => l.simulated,
): number {
  return Math.max(
    ...result.levels.slice(0, 2).flatMap((level) => {
      const a = of(level);
      const m = level.measured;
      if (!a) return [];
      return [
        [a.throughput, m.throughput],
        [a.ttftP50, m.ttftP50],
        [a.e2eP50, m.e2eP50],
      ].map(([x, y]) => Math.abs(x! - y!) / y!);
    }),
  );
}

/**
 * The capacity-limited mock's fidelity check: four sequences at once, each 30% slower per extra one; alone,
 * 20 ms to the first token, then 200 tokens/s, answers of 40 tokens; 60 ms more to the first token after
 * 250 ms idle (a step the sweep's idle probe has to find). Alone a call takes ~215 ms, four at once
 * ~390 ms each: about 10 answers a second at most (the sweep's throughput at four sequences); near
 * saturation is 8.5 a second. Not 9: there (ρ ≈ 0.91) the queue magnifies a capacity error ~15-30 times,
 * and the sweep and the replay, minutes apart, measure this server ~0.7% apart, which alone moved the
 * simulated TTFT p50 by +10% / −23% (2026-12-04); at 8.5 a second the same error moves it +4% / −9%.
 */
export const MOCK_SERVER_ARGS = [
  '--max-concurrency',
  '4',
  '--batch-slowdown',
  '0.3',
  '--ttft',
  'mixtral:8x7b=20',
  '--tps',
  'mixtral:8x7b=200',
  '--output-tokens',
  'mixtral:8x7b=40',
  '--wake-ms',
  '60',
  '--wake-after-ms',
  '250',
];

/** The run against that mock (at `url`), given a config over the shipped one with self-critique off. */
export function mockFidelity(
  dir: string,
  configFile: string,
  url: string,
  env: NodeJS.ProcessEnv,
): FidelityOptions {
  return {
    dir,
    configFile,
    model: 'mixtral:8x7b',
    sweepArgs: [
      '--base-url',
      url,
      '--sweep-steps',
      '1,2,4,8',
      '--sweep-requests',
      '64',
      '--max-tokens',
      '64',
    ],
    realArgs: ['--base-url', url],
    levels: [
      { name: 'light', rate: 3, requests: 40 },
      { name: 'near saturation', rate: 8.5, requests: 200 },
      { name: 'overloaded', rate: 16, requests: 120 },
    ],
    // Reasoning is MODERATE: mixtral, the only local model a request calls without self-critique.
    header: 'action,input_tokens,output_tokens',
    row: (inputTokens) => `reasoning,${inputTokens},40`,
    env,
  };
}
