import type { Summary } from '../../sim/summary.js';
import { formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';

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
    if (n) lines.push(`    servers needed: ${serversNeededLine(name, n)}`);
  }
  return lines;
}

/** How many machines the busiest hour needs: to keep up with it, and to meet the TTFT target. */
function serversNeededLine(name: string, n: NonNullable<Summary['serversNeeded']>[string]): string {
  const target = `local TTFT p95 ≤ ${formatDuration(n.targetP95Ms)}`;
  const hour = `the busiest hour (${formatInteger(n.requests)} requests replayed; p95 ${formatDuration(n.p95AtConfiguredMs)} with ${n.configured})`;
  const keepsUp =
    n.keepsUp === null
      ? `more than 64 to keep up with ${hour}`
      : `${n.keepsUp} to keep up with ${hour}, so that calls hardly wait and none times out`;
  const cost = (count: number): string =>
    count > n.configured ? `; simulate --servers ${name}=${count} costs them in` : '';
  if (n.floor)
    return `${keepsUp}; none meets ${target}: with ${n.floor.servers} it is still ${formatDuration(n.floor.p95Ms)}, the calls' own prefill and decode, which a faster machine or shorter prompts would cut, not more machines (set targets.local_p95_ms, or --local-p95-ms, to size for another target)${cost(n.floor.servers)}`;
  if (n.needed === null) return `${keepsUp}; more than 64 for ${target}`;
  return `${n.needed} for ${target} in ${hour.replace(/\)$/, `, ${formatDuration(n.p95AtNeededMs!)} with ${n.needed})`)}${n.keepsUp !== null && n.keepsUp > n.needed ? `, ${n.keepsUp} to keep up without queueing` : ''}${cost(n.needed)}`;
}
