import type { SweepResult } from '../../bench/sweep.js';
import { formatDuration } from '../../report/format-numbers.js';

/** The sweep as a table, with the fitted capacity profile and where it was written. */
export function formatSweep(result: SweepResult): string[] {
  const slo = `TTFT ≤ ${formatDuration(result.slo.ttftMs)}${result.slo.e2eMs === null ? '' : `, end to end ≤ ${formatDuration(result.slo.e2eMs)}`}`;
  const c = result.capacity;
  return [
    `SWEEP ${result.model}: stopped because ${result.stopped}`,
    `concurrency  requests errors   req/s  out tok/s   TTFT p50   TTFT p95   TPOT p50    E2E p50    E2E p95  goodput/s (${slo})`,
    ...result.steps.map(
      (s) =>
        `${String(s.concurrency).padStart(11)}${String(s.requests).padStart(10)}${String(s.errors).padStart(7)}${s.requestsPerS.toFixed(2).padStart(8)}${s.outputTokensPerS.toFixed(1).padStart(11)}${formatDuration(s.ttftMs.p50).padStart(11)}${formatDuration(s.ttftMs.p95).padStart(11)}${formatDuration(s.tpotMs.p50).padStart(11)}${formatDuration(s.e2eMs.p50).padStart(11)}${formatDuration(s.e2eMs.p95).padStart(11)}${s.goodputPerS.toFixed(2).padStart(11)}`,
    ),
    ...(result.idle
      ? [
          `idle probe: ${result.idle.requests} requests one at a time after idle times from short to long, against ${formatDuration(result.steps[0]!.ttftMs.p50)} to first token back to back (cold: over ${formatDuration(result.idle.coldAboveMs)} more); ${result.idle.points.map((p) => `idle ~${formatDuration(p.idleMs)}: TTFT p50 ${formatDuration(p.ttftMs.p50)}, ${Math.round(p.coldShare * 100)}% cold (+${formatDuration(p.coldMs)})`).join('; ')}: the wake curve`,
        ]
      : []),
    '',
    `CAPACITY PROFILE  max_concurrency ${c.max_concurrency}; decode per sequence ${c.decode.map((p) => `${p.tokens_per_s} tok/s at ${p.sequences}`).join(', ')}; prefill ${c.prefill.map((p) => `${p.tokens_per_s} tok/s at ${p.sequences}`).join(', ')}; outside the server ${c.overhead_ms > 0 ? formatDuration(c.overhead_ms) : result.steps[0]?.overheadMs === null ? '0 ms (the server reports no durations of its own)' : '0 ms'} a request; wake after idle ${c.wake ? c.wake.map((p) => `${formatDuration(p.ms)}${p.share === undefined || p.share === 1 ? '' : ` for ${Math.round(p.share * 100)}%`} at ${formatDuration(p.idle_ms)}`).join(', ') : formatDuration(c.wake_ms)}`,
    `Results: ${result.outDir}/ (one folder per level, sweep.json, sweep.html)`,
    `Profile: ${result.outDir}/profiles.yaml — use it with: hybridllm simulate --profiles ${result.outDir}/profiles.yaml`,
  ];
}
