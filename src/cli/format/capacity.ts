import type { Summary } from '../../sim/summary.js';
import { formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';

/** Local servers simulated as queues: how busy, how long calls waited, how many gave up. */
export function formatCapacity(summary: Summary): string[] {
  const capacity = summary.capacity;
  if (!capacity || Object.keys(capacity).length === 0) return [];
  const lines = ["CAPACITY (local servers as queues; each model's capacity profile)"];
  for (const [name, s] of Object.entries(capacity)) {
    const peak = new Date(s.peakHourStartMs).toISOString().slice(0, 13).replace('T', ' ');
    lines.push(
      `  ${name}: ${formatInteger(s.servers)} server(s) × ${formatInteger(s.maxConcurrency)} parallel sequences (${s.models.join(', ')}): busy ${formatPercent(s.averageUtilisation * 100)} on average, ${formatPercent(s.peakHourUtilisation * 100)} in the peak hour (${peak}:00 UTC); queue wait p50 ${formatDuration(s.waitMs.p50)}, p95 ${formatDuration(s.waitMs.p95)}; ${formatInteger(s.timedOut)} of ${formatInteger(s.calls)} call(s) timed out`,
    );
    const n = summary.serversNeeded?.[name];
    if (n)
      lines.push(
        n.needed === null
          ? `    servers needed: more than 64 for local TTFT p95 ≤ ${formatDuration(n.targetP95Ms)} in the busiest hour (${formatInteger(n.requests)} requests; p95 ${formatDuration(n.p95AtConfiguredMs)} with ${n.configured})`
          : `    servers needed: ${n.needed} for local TTFT p95 ≤ ${formatDuration(n.targetP95Ms)} in the busiest hour (${formatInteger(n.requests)} requests replayed: p95 ${formatDuration(n.p95AtConfiguredMs)} with ${n.configured}, ${formatDuration(n.p95AtNeededMs!)} with ${n.needed}${n.needed > n.configured ? `; simulate --servers ${name}=${n.needed} costs it in` : ''})`,
      );
  }
  return lines;
}
