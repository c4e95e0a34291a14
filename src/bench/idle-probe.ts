import { join } from 'node:path';
import { createRng, deriveSeed } from '../core/rng.js';
import { runBench } from './bench-runner.js';
import { isotonicBlocks } from './isotonic.js';
import { distribution } from './metrics.js';
import type { IdleProbe, SweepOptions, SweepStep } from './sweep-types.js';

export type { IdleProbe } from './sweep-types.js';

/** How many of the idle probe's requests make one displayed point (fewer: one point). */
const IDLE_GROUP = 8;

/**
 * Sends requests one at a time, each after an idle time of its own (seeded, spread evenly on a log scale from
 * a tenth of the first level's end-to-end p50 to ten times it, at least 20 ms to 2 s), and compares their
 * time to first token with the first level's, back to back. A server whose threads and caches cool while idle
 * (CPU llama.cpp on a shared machine) answers some requests late, the more often the longer it sat: measured
 * here, a 42-token prompt took ~40 ms warm and ~100 ms cold, cold for about a third of the requests after
 * under 100 ms idle and nearly all after 300 ms. A request met a cold server when its TTFT is more than half
 * the back-to-back p50 above it (and at least 5 ms). The wake curve is fitted request by request: the share
 * cold as a non-decreasing step function of idle time (isotonic regression), so a server that wakes after a
 * fixed idle shows one step where it is, not a ramp across the group of requests that straddles it. Each group
 * of requests (by idle time) also gives a point for display: its share cold and what cold cost it on average.
 */
export async function idleProbe(options: SweepOptions, first: SweepStep): Promise<IdleProbe | undefined> {
  const count = options.idleRequests ?? 40;
  if (count <= 0) return undefined;
  const e2e = first.e2eMs.p50;
  const low = Math.max(20, e2e / 10);
  const high = Math.max(2_000, e2e * 10);
  // Idle times evenly spread on a log scale, in a seeded shuffled order (so no trend in time lines up with them).
  const pauses = Array.from({ length: count }, (_, i) =>
    Math.round(low * (high / low) ** ((i + 0.5) / count)),
  );
  const rng = createRng(deriveSeed(options.seed ?? 1, 'idle-probe', options.model.name));
  for (let i = pauses.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [pauses[i], pauses[j]] = [pauses[j]!, pauses[i]!];
  }
  const tasks = Array.from({ length: count }, (_, i) => options.tasks[i % options.tasks.length]!);
  const { runs, interrupted } = await runBench({
    ...options,
    models: [options.model],
    tasks,
    runs: 1,
    pausesMs: pauses,
    warmup: 0,
    outDir: join(options.outDir, 'idle'),
  });
  if (interrupted) return undefined;
  // Rows come back in the order sent (one at a time), so each carries its own pause.
  const rows = (runs[0]?.rows ?? [])
    .map((row, i) => ({ row, idleMs: pauses[i]! }))
    .filter(({ row }) => row.state === 'ok' && row.ttftMs !== undefined);
  if (!rows.length) return undefined;
  const base = first.ttftMs.p50;
  const coldAboveMs = Math.max(5, base / 2);
  rows.sort((a, b) => a.idleMs - b.idleMs);
  const groups = Math.max(1, Math.floor(rows.length / IDLE_GROUP));
  const points: IdleProbe['points'] = [];
  for (let g = 0; g < groups; g++) {
    const group = rows.slice(
      Math.floor((g * rows.length) / groups),
      Math.floor(((g + 1) * rows.length) / groups),
    );
    const ttft = group.map(({ row }) => row.ttftMs!);
    const d = distribution(ttft);
    const extra = group.map(({ row }) => row.ttftMs! - base);
    const cold = extra.filter((x) => x > coldAboveMs);
    points.push({
      idleMs: group[Math.floor(group.length / 2)]!.idleMs,
      requests: group.length,
      ttftMs: { p50: d.p50, p95: d.p95, mean: ttft.reduce((a, b) => a + b, 0) / ttft.length },
      coldShare: round3(cold.length / group.length),
      coldMs: cold.length ? Math.round((cold.reduce((a, b) => a + b, 0) / cold.length) * 10) / 10 : 0,
    });
  }
  const middle = points[Math.floor(points.length / 2)]!;
  return {
    requests: rows.length,
    coldAboveMs: Math.round(coldAboveMs * 10) / 10,
    points,
    curve: fitWake(
      rows.map(({ idleMs }) => idleMs),
      rows.map(({ row }) => row.ttftMs! - base),
      coldAboveMs,
    ),
    wakeMs: Math.round(middle.coldShare * middle.coldMs * 10) / 10,
  };
}

/**
 * The wake curve from requests sorted by idle time, each with its extra time to first token: the isotonic fit
 * of cold (extra above `coldAboveMs`) against idle time, a point at each run's first and last idle time.
 */
export function fitWake(
  idleMs: readonly number[],
  extraMs: readonly number[],
  coldAboveMs: number,
): IdleProbe['curve'] {
  const cold = extraMs.map((x) => (x > coldAboveMs ? 1 : 0));
  const runs = isotonicBlocks(cold, idleMs).map(({ start, end, value }) => {
    const costs = extraMs.slice(start, end).filter((x) => x > coldAboveMs);
    return {
      first: idleMs[start]!,
      last: idleMs[end - 1]!,
      share: round3(value),
      coldMs: costs.length
        ? Math.round((costs.reduce((a, b) => a + b, 0) / costs.length) * 10) / 10
        : undefined,
    };
  });
  return runs.flatMap((run, i) => {
    const coldMs =
      run.coldMs ??
      runs.slice(i + 1).find((r) => r.coldMs !== undefined)?.coldMs ??
      runs
        .slice(0, i)
        .reverse()
        .find((r) => r.coldMs !== undefined)?.coldMs ??
      0;
    const at = (idle: number): IdleProbe['curve'][number] => ({ idleMs: idle, share: run.share, coldMs });
    return run.last > run.first ? [at(run.first), at(run.last)] : [at(run.first)];
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The probe's fitted curve as the capacity profile's wake curve. */
export function wakeCurve(idle: IdleProbe): { idle_ms: number; ms: number; share: number }[] {
  return idle.curve.map((p) => ({ idle_ms: p.idleMs, ms: p.coldMs, share: p.share }));
}
