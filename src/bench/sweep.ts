import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import { runBench, type BenchRow, type BenchRunOptions } from './bench-runner.js';
import { captureHardware } from './hardware.js';
import { distribution } from './metrics.js';
import { profileFromRows, profileYaml } from './profile.js';
import { renderSweepReport } from './sweep-report.js';

/** One load level of a sweep, measured. */
export interface SweepStep {
  concurrency: number;
  requests: number;
  errors: number;
  wallMs: number;
  requestsPerS: number;
  outputTokensPerS: number;
  ttftMs: { p50: number; p95: number };
  tpotMs: { p50: number; p95: number };
  e2eMs: { p50: number; p95: number };
  /** Requests per second that met the SLO (time to first token, and end to end when given). */
  goodputPerS: number;
  meanInputTokens: number;
}

export interface SweepResult {
  model: string;
  slo: { ttftMs: number; e2eMs: number | null };
  steps: SweepStep[];
  /** Why the sweep stopped where it did. */
  stopped: string;
  /** The capacity profile fitted from the steps, as profiles.yaml writes it. */
  capacity: NonNullable<SimulationProfile['capacity']>;
  profile: SimulationProfile;
  outDir: string;
}

export interface SweepOptions extends Omit<BenchRunOptions, 'models' | 'concurrency' | 'rate' | 'runs'> {
  model: ModelConfig;
  /** Concurrency levels to try, in order. @default 1, 2, 4, 8, 16, 32, 64 */
  steps?: readonly number[];
  /** Requests measured at each level. @default max(16, 4 × the level) */
  requestsPerStep?: (concurrency: number) => number;
  slo?: { ttftMs: number; e2eMs?: number };
}

/**
 * Measures a local server across load, as GuideLLM's sweep and `vllm bench serve` do: concurrency 1, 2, 4, …
 * until throughput stops growing (under 5% more than the level before) or p95 time to first token passes
 * four times the SLO. Each level reports throughput (requests/s, output tokens/s), TTFT / TPOT / end-to-end
 * p50 and p95, errors and goodput under the SLO. From them it fits a capacity profile: the smallest level
 * reaching 90% of the peak throughput is max_concurrency; the per-sequence decode rate at each level up to it
 * is 1 / TPOT p50, and the prefill rate the mean input over TTFT p50.
 */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const levels = options.steps ?? [1, 2, 4, 8, 16, 32, 64];
  const slo = { ttftMs: options.slo?.ttftMs ?? 2000, e2eMs: options.slo?.e2eMs ?? null };
  const steps: SweepStep[] = [];
  const rowsAt = new Map<number, BenchRow[]>();
  let stopped = `the last level (${levels.at(-1)})`;
  for (const [index, concurrency] of levels.entries()) {
    const wanted = options.requestsPerStep?.(concurrency) ?? Math.max(16, 4 * concurrency);
    const tasks = Array.from({ length: wanted }, (_, i) => options.tasks[i % options.tasks.length]!);
    const { runs, interrupted } = await runBench({
      ...options,
      models: [options.model],
      tasks,
      runs: 1,
      concurrency,
      warmup: index === 0 ? (options.warmup ?? 1) : 0,
      outDir: join(options.outDir, `concurrency-${concurrency}`),
    });
    const rows = runs[0]?.rows ?? [];
    rowsAt.set(concurrency, rows);
    const step = measure(concurrency, rows, slo);
    steps.push(step);
    const before = steps.at(-2);
    if (interrupted) {
      stopped = 'interrupted';
      break;
    }
    if (before && step.requestsPerS < before.requestsPerS * 1.05) {
      stopped = `throughput stopped growing at concurrency ${concurrency} (${step.requestsPerS.toFixed(2)} requests/s against ${before.requestsPerS.toFixed(2)})`;
      break;
    }
    if (step.ttftMs.p95 > 4 * slo.ttftMs) {
      stopped = `TTFT p95 ${Math.round(step.ttftMs.p95)} ms passed four times the SLO at concurrency ${concurrency}`;
      break;
    }
  }
  const capacity = fitCapacity(
    steps,
    `bench --sweep of ${options.model.name}: ${steps.length} levels, ${stopped}`,
  );
  const profile = { ...profileFromRows(rowsAt.get(steps[0]!.concurrency) ?? [], options.model), capacity };
  const hardware = await captureHardware([options.model], options.env);
  writeFileSync(
    join(options.outDir, 'profiles.yaml'),
    profileYaml({ [options.model.name]: profile }, hardware, `hybridllm bench --sweep (${capacity.source})`),
  );
  const result = {
    model: options.model.name,
    slo,
    steps,
    stopped,
    capacity,
    profile,
    outDir: options.outDir,
  };
  writeFileSync(join(options.outDir, 'sweep.html'), await renderSweepReport(result));
  writeFileSync(
    join(options.outDir, 'sweep.json'),
    `${JSON.stringify({ model: options.model.name, slo, steps, stopped, capacity }, null, 2)}\n`,
  );
  return result;
}

function measure(concurrency: number, rows: readonly BenchRow[], slo: SweepResult['slo']): SweepStep {
  const ok = rows.filter((r) => r.state === 'ok' && r.e2eMs !== undefined);
  const start = Math.min(...rows.map((r) => r.startedAtMs));
  const end = Math.max(...ok.map((r) => r.startedAtMs + r.e2eMs!), start);
  const wallMs = Math.max(1, end - start);
  const pick = (f: (r: BenchRow) => number | undefined): { p50: number; p95: number } => {
    const d = distribution(ok.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));
    return { p50: d.p50, p95: d.p95 };
  };
  const good = ok.filter(
    (r) => (r.ttftMs ?? Infinity) <= slo.ttftMs && (slo.e2eMs === null || r.e2eMs! <= slo.e2eMs),
  ).length;
  return {
    concurrency,
    requests: rows.length,
    errors: rows.length - ok.length,
    wallMs,
    requestsPerS: (ok.length / wallMs) * 1000,
    outputTokensPerS: (ok.reduce((sum, r) => sum + (r.outputTokens ?? 0), 0) / wallMs) * 1000,
    ttftMs: pick((r) => r.ttftMs),
    tpotMs: pick((r) => r.tpotMs),
    e2eMs: pick((r) => r.e2eMs),
    goodputPerS: (good / wallMs) * 1000,
    meanInputTokens: ok.length ? ok.reduce((sum, r) => sum + (r.inputTokens ?? 0), 0) / ok.length : 0,
  };
}

/** The capacity profile the steps imply (see `sweep`). */
export function fitCapacity(
  steps: readonly SweepStep[],
  source: string,
): NonNullable<SimulationProfile['capacity']> {
  const peak = Math.max(...steps.map((s) => s.requestsPerS));
  const saturating = steps.find((s) => s.requestsPerS >= 0.9 * peak) ?? steps.at(-1)!;
  const within = steps.filter((s) => s.concurrency <= saturating.concurrency && s.tpotMs.p50 > 0);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    max_concurrency: saturating.concurrency,
    decode: within.map((s) => ({ sequences: s.concurrency, tokens_per_s: round(1000 / s.tpotMs.p50) })),
    prefill: within
      .filter((s) => s.ttftMs.p50 > 0 && s.meanInputTokens > 0)
      .map((s) => ({
        sequences: s.concurrency,
        tokens_per_s: round(s.meanInputTokens / (s.ttftMs.p50 / 1000)),
      })),
    source,
  };
}
