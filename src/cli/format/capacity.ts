import type { Summary } from '../../sim/summary.js';
import { formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';
import { describeServersNeeded } from '../../sim/servers-needed-text.js';

/** Local servers simulated as queues: how busy, how long calls waited, how many gave up. */
export function formatCapacity(summary: Summary): string[] {
  const capacity = summary.capacity;
  if (!capacity || Object.keys(capacity).length === 0) return [];
  const lines = ["CAPACITY (local servers as queues; each model's capacity profile)"];
  for (const [name, s] of Object.entries(capacity)) {
    const peak = new Date(s.peakHourStartMs).toISOString().slice(0, 16).replace('T', ' ');
    const slots = Object.entries(s.demand)
      .map(([model, d]) => `${model} ${formatInteger(d.maxConcurrency)}`)
      .join(', ');
    lines.push(
      `  ${name}: ${formatInteger(s.servers)} server(s), sequences at once per server: ${slots}; busy ${formatPercent(s.averageUtilisation * 100)} on average, ${formatPercent(s.peakHourUtilisation * 100)} in the peak hour (from ${peak} UTC); queue wait p50 ${formatDuration(s.waitMs.p50)}, p95 ${formatDuration(s.waitMs.p95)}; ${formatInteger(s.timedOut)} of ${formatInteger(s.calls)} call(s) timed out`,
    );
    lines.push(
      `    demand (work asked of each model's slots at full batch): ${Object.entries(s.demand)
        .map(
          ([model, d]) =>
            `${model} ${formatPercent(d.peakHour * 100)} in its peak hour, ${formatPercent(d.average * 100)} on average`,
        )
        .join(
          '; ',
        )}${Object.values(s.demand).some((d) => d.peakHour > 1) ? ' (above 100%: more than the servers can do)' : ''}`,
    );
    const n = summary.serversNeeded?.[name];
    if (n) lines.push(`    servers needed: ${describeServersNeeded(name, n)}`);
  }
  return lines;
}
