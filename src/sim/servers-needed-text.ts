import { formatDuration, formatInteger } from '../report/format-numbers.js';
import { SERVERS_CEILING, type ServersNeeded } from './servers-needed.js';

/** How many machines the busiest hour needs: to keep up with it, and to meet the TTFT target. */
export function describeServersNeeded(name: string, n: ServersNeeded): string {
  const target = `local TTFT p95 ≤ ${formatDuration(n.targetP95Ms)}`;
  const hour = `the busiest hour (${formatInteger(n.requests)} requests replayed; p95 ${formatDuration(n.p95AtConfiguredMs)} with ${n.configured})`;
  // Summaries written before the keep-up count was measured have none.
  const keepsUp =
    n.keepsUp === null || n.keepsUp === undefined
      ? `more than ${formatInteger(SERVERS_CEILING)} to keep up with ${hour}: the demand alone needs at least ${formatInteger(n.demandBound ?? SERVERS_CEILING + 1)}`
      : `${formatInteger(n.keepsUp)} to keep up with ${hour}, so that calls hardly wait and none gives up waiting`;
  const cost = (count: number): string =>
    count > n.configured ? `; simulate --servers ${name}=${count} costs them in` : '';
  if (n.floor)
    return `${keepsUp}; none meets ${target}: with ${n.floor.servers} it is still ${formatDuration(n.floor.p95Ms)}, the calls' own prefill and decode, which a faster machine or shorter prompts would cut, not more machines (set targets.local_p95_ms, or --local-p95-ms, to size for another target)${cost(n.floor.servers)}`;
  if (n.needed === null) return `${keepsUp}; no count meets ${target}`;
  return `${n.needed} for ${target} in ${hour.replace(/\)$/, `, ${formatDuration(n.p95AtNeededMs!)} with ${n.needed})`)}${n.keepsUp !== null && n.keepsUp > n.needed ? `, ${n.keepsUp} to keep up without queueing` : ''}${cost(n.needed)}`;
}
