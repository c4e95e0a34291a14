import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulationProfile } from '../config/schema.js';
import { runBench, type BenchRow } from './bench-runner.js';
import { captureHardware } from './hardware.js';
import { distribution } from './metrics.js';
import { idleProbe, wakeCurve } from './idle-probe.js';
import type { IdleProbe, SweepOptions, SweepResult, SweepStep } from './sweep-types.js';
import { profileFromRows, profileYaml } from './profile.js';
import { renderSweepReport } from './sweep-report.js';

export type { IdleProbe, SweepOptions, SweepResult, SweepStep } from './sweep-types.js';

/**
 * Measures a local server across load, as GuideLLM's sweep and `vllm bench serve` do: concurrency 1, 2, 4, …
 * until throughput stops growing (under 5% more than the level before) or p95 time to first token passes
 * four times the SLO. Each level reports throughput (requests/s, output tokens/s), TTFT / TPOT / end-to-end
 * p50 and p95, errors and goodput under the SLO. From them it fits a capacity profile: the smallest level
 * reaching 90% of the peak throughput is max_concurrency (or the server's own `parallel`, for llama.cpp, whose
 * config states it: measured at least that far); the per-sequence decode rate at each level up to it
 * is 1 / TPOT p50, and the prefill rate the mean input over TTFT p50 less the client's time outside the server
 * (end to end minus the server's own total where it reports one, at the lightest level). Then requests sent
 * one at a time after idle times from short to long measure what a cooling server adds to the first token,
 * and how often (wake_ms, wake).
 */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const levels = options.steps ?? [1, 2, 4, 8, 16, 32, 64];
  const slo = { ttftMs: options.slo?.ttftMs ?? 2000, e2eMs: options.slo?.e2eMs ?? null };
  const steps: SweepStep[] = [];
  const rowsAt = new Map<number, BenchRow[]>();
  // A server whose parallelism the config states (llama.cpp's `parallel`) is measured at least up to it.
  const declared = options.model.provider === 'llamacpp' ? options.model.llamacpp?.parallel : undefined;
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
    const failed = rows.find((r) => r.state === 'errored');
    if (failed && step.errors === step.requests) {
      // A server that answers nothing at this load will not at a higher one; with nothing measured, no fit.
      const why = `every request at concurrency ${concurrency} failed (the first: ${failed.error ?? 'Error'}: ${failed.errorMessage ?? 'no message'})`;
      if (steps.length === 1)
        throw new Error(
          `bench --sweep of ${options.model.name}: ${why}; nothing measured to fit a profile from (the requests are in ${join(options.outDir, `concurrency-${concurrency}`, 'results.jsonl')})`,
        );
      // Kept in the table; the fit passes over it (no throughput, no times).
      stopped = why;
      break;
    }
    const short = declared !== undefined && concurrency < declared;
    if (before && !short && step.requestsPerS < before.requestsPerS * 1.05) {
      stopped = `throughput stopped growing at concurrency ${concurrency} (${step.requestsPerS.toFixed(2)} requests/s against ${before.requestsPerS.toFixed(2)})`;
      break;
    }
    if (!short && step.ttftMs.p95 > 4 * slo.ttftMs) {
      stopped = `TTFT p95 ${Math.round(step.ttftMs.p95)} ms passed four times the SLO at concurrency ${concurrency}`;
      break;
    }
  }
  const idle = stopped === 'interrupted' ? undefined : await idleProbe(options, steps[0]!);
  const capacity = fitCapacity(
    steps,
    `bench --sweep of ${options.model.name}: ${steps.length} levels, ${stopped}${declared ? `; max_concurrency from its config (parallel: ${declared})` : ''}`,
    declared,
    idle,
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
    ...(idle ? { idle } : {}),
    stopped,
    capacity,
    profile,
    outDir: options.outDir,
  };
  writeFileSync(join(options.outDir, 'sweep.html'), await renderSweepReport(result));
  writeFileSync(
    join(options.outDir, 'sweep.json'),
    `${JSON.stringify({ model: options.model.name, slo, steps, ...(idle ? { idle } : {}), stopped, capacity }, null, 2)}\n`,
  );
  return result;
}

function measure(concurrency: number, rows: readonly BenchRow[], slo: SweepResult['slo']): SweepStep {
  const ok = rows.filter((r) => r.state === 'ok' && r.e2eMs !== undefined);
  const start = Math.min(...rows.map((r) => r.startedAtMs));
  const end = Math.max(...ok.map((r) => r.startedAtMs + r.e2eMs!), start);
  const wallMs = Math.max(1, end - start);
  const pick = (f: (r: BenchRow) => number | undefined): { p50: number; p95: number; mean: number } => {
    const values = ok.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    const d = distribution(values);
    return {
      p50: d.p50,
      p95: d.p95,
      mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0,
    };
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
    overheadMs: (() => {
      const outside = ok.filter((r) => r.serverTotalMs !== undefined).map((r) => r.e2eMs! - r.serverTotalMs!);
      return outside.length ? Math.max(0, distribution(outside).p50) : null;
    })(),
  };
}

/** The capacity profile the steps imply (see `sweep`). */
export function fitCapacity(
  steps: readonly SweepStep[],
  source: string,
  /** The server's parallelism when its config states it: then max_concurrency, rates measured up to it. */
  declared?: number,
  idle?: IdleProbe,
): NonNullable<SimulationProfile['capacity']> {
  const peak = Math.max(...steps.map((s) => s.requestsPerS));
  const saturating = steps.find((s) => s.requestsPerS >= 0.9 * peak) ?? steps.at(-1)!;
  const limit = declared ?? saturating.concurrency;
  const within = steps.filter((s) => s.concurrency <= limit && s.tpotMs.mean > 0);
  const round = (x: number): number => Math.round(x * 10) / 10;
  // What the client spends outside the server (network, HTTP), from the lightest level: it holds no slot,
  // so it comes off the time to first token before the prefill rate is taken.
  const overhead = steps[0]?.overheadMs ?? 0;
  return {
    max_concurrency: limit,
    // Rates from the mean times: they are what sets how many calls a server gets through.
    decode: within.map((s) => ({ sequences: s.concurrency, tokens_per_s: round(1000 / s.tpotMs.mean) })),
    prefill: within
      .filter((s) => s.ttftMs.mean > overhead && s.meanInputTokens > 0)
      .map((s) => ({
        sequences: s.concurrency,
        tokens_per_s: round(s.meanInputTokens / ((s.ttftMs.mean - overhead) / 1000)),
      })),
    overhead_ms: round(overhead),
    wake_ms: idle?.wakeMs ?? 0,
    ...(idle ? { wake: wakeCurve(idle) } : {}),
    source,
  };
}
