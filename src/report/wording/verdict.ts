import type { Summary } from '../../sim/summary.js';
import { serviceGap, type ServiceLevel } from '../../sim/service-level.js';
import type { FleetCount } from '../../sim/like-for-like.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from '../format-numbers.js';
import { headlinePeriod } from './period.js';
import { roundUsd } from './round-usd.js';

/** A machine's name for people: its description up to the first comma ("Apple Mac Studio"). */
export function machineName(fleet: Pick<FleetCount, 'description' | 'item'>): string {
  return fleet.description.split(',')[0]!.trim() || fleet.item;
}

function counted(n: number, fleet: FleetCount, configured = false): string {
  return `${formatInteger(n)} × ${machineName(fleet)} (${fleet.item}${configured ? `; ${formatInteger(fleet.configured)} configured` : ''})`;
}

/**
 * The clause on the machines the verdict stands on: how many carry the traffic when the configured ones
 * could not, or what pinned counts leave unserved. Empty when the configured machines carried it.
 */
export function fleetClause(s: Summary): string {
  const basis = s.verdictBasis;
  if (!basis) return '';
  const service = s.serviceLevel?.hybrid;
  const short = basis.fleet.filter((f) => f.overloaded);
  if (basis.pinned && short.length) {
    const unanswered = service ? service.requests - service.answered : 0;
    const needed = short
      .map((f) => {
        const n = s.serversNeeded?.[f.item]?.keepsUp;
        return n == null ? '' : `; ${f.item} needs ${formatInteger(n)} to carry it`;
      })
      .join('');
    return `At the ${short.map((f) => counted(f.verdict, f)).join(' and ')} you pinned (--servers), ${formatInteger(service?.localTimeouts ?? 0)} local call(s) timed out and ${formatInteger(unanswered)} request(s) (${formatPercent(service ? 100 - service.answeredPct : 0)}) got no answer${needed}.`;
  }
  const sized = basis.fleet.filter((f) => f.sized);
  if (!sized.length) return '';
  const list = sized.map((f) => counted(f.verdict, f, true));
  return `Needs ${list.join(' and ')} to carry this traffic${basis.keptUp ? '' : ' (still falling behind at that count: see CAPACITY)'}.`;
}

/** Whether hybrid and the alternative served the same requests as well, and if not, the gap in words. */
export function serviceGapText(s: Summary, against: string): string | undefined {
  const hybrid = s.serviceLevel?.hybrid;
  const other = s.serviceLevel?.alternatives[against];
  if (!hybrid || !other) return undefined;
  const gap = serviceGap(hybrid, other);
  if (gap === 0) return undefined;
  const worse = gap < 0;
  return `${worse ? 'it answers fewer requests acceptably' : 'it answers more requests acceptably'} than ${against} (${formatPercent(hybrid.acceptablePct)} against ${formatPercent(other.acceptablePct)}; answered at all ${formatPercent(hybrid.answeredPct)} against ${formatPercent(other.answeredPct)}), so the costs do not compare like with like`;
}

/**
 * The verdict, first: the hybrid all-in against the cheapest API-only alternative on runs that answer the
 * same requests (no budget cap, machines that carry the load), and where it pays for its local costs.
 */
export function formatVerdict(summary: Summary): string[] {
  const alternatives = summary.alternatives as Summary['alternatives'] | undefined;
  const cheapest = alternatives?.find((a) => a.name === summary.cheapestAlternative);
  if (!cheapest) return [];
  const c = cheapest.comparison;
  const period = headlinePeriod(summary);
  const saving = period.of(c.pureApi) - period.of(c.hybrid.allIn);
  const breakEven = c.breakEvenIterationsPerDay;
  const fleet = fleetClause(summary);
  const sized = summary.verdictBasis?.fleet.filter((f) => f.sized) ?? [];
  const at = sized.length
    ? `At ${sized.map((f) => formatInteger(f.verdict)).join(' and ')}, hybrid`
    : 'Hybrid';
  const gap = serviceGapText(summary, cheapest.name);
  return [
    '',
    `VERDICT  ${fleet ? `${fleet} ` : ''}${at} costs ${roundUsd(period.of(c.hybrid.allIn))} ${period.phrase} all-in against ${roundUsd(period.of(c.pureApi))} for the cheapest API-only alternative (${cheapest.name}: ${cheapest.description}): ${saving >= 0 ? `it saves ${roundUsd(saving)} (${formatPercent(c.savings.allInPct)})` : `it costs ${roundUsd(-saving)} (${formatPercent(-c.savings.allInPct)}) more`}${gap ? `; but ${gap}` : ''}. ${breakEven === null ? 'At these prices the local tiers never pay for their fixed cost against it.' : `It pays for its local costs above ${formatInteger(Math.ceil(breakEven))} iterations a day.`}`,
    ...formatServiceLevels(summary),
    ...formatFleetAssumptions(summary),
  ];
}

function levelCells(level: ServiceLevel): string[] {
  return [
    formatPercent(level.acceptablePct),
    formatPercent(level.answeredPct),
    level.localTtftP95Ms === null ? '–' : formatDuration(level.localTtftP95Ms),
    formatDuration(level.e2eP95Ms),
  ];
}

/** Service level beside cost: answered acceptably, answered at all, latency, for hybrid and every alternative. */
export function formatServiceLevels(summary: Summary): string[] {
  const levels = summary.serviceLevel;
  if (!levels) return [];
  const rows: [string, ServiceLevel][] = [
    ['hybrid', levels.hybrid],
    ...Object.entries(levels.alternatives).map(([name, l]): [string, ServiceLevel] => [name, l]),
  ];
  const head = ['answered acceptably', 'answered at all', 'local TTFT p95', 'end-to-end p95'];
  const width = Math.max(...rows.map(([name]) => name.length), 6);
  return [
    `SERVICE LEVEL (the same requests; refused and unanswered ones count as failures)`,
    `  ${''.padEnd(width)}  ${head.map((h) => h.padStart(20)).join('')}`,
    ...rows.map(
      ([name, level]) =>
        `  ${name.padEnd(width)}  ${levelCells(level)
          .map((cell) => cell.padStart(20))
          .join('')}`,
    ),
  ];
}

/** The assumptions that size the fleet: sequences at once per server and the rates, with their sources. */
export function formatFleetAssumptions(summary: Summary): string[] {
  const assumptions = summary.fleetAssumptions ?? [];
  if (!assumptions.length) return [];
  const sources = [...new Set(assumptions.map((a) => a.source))];
  const atFour = Object.entries(summary.serversAtFourSequences ?? {})
    .map(([item, n]) => `${item} ${n === null ? 'more than the ceiling' : formatInteger(n)}`)
    .join(', ');
  return [
    `FLEET ASSUMPTIONS  sequences at once per server: ${assumptions.map((a) => `${a.model} ${a.sequences}`).join(', ')}; per sequence, prefill / decode tokens/s: ${assumptions
      .map((a) => `${a.model} ${formatInteger(a.prefillTokensPerS)} / ${formatInteger(a.decodeTokensPerS)}`)
      .join(
        ', ',
      )}; from ${sources.map((source, i) => `${sources.length > 1 ? `(${i + 1}) ` : ''}${source}`).join('; ')}${atFour ? `. At 4 sequences at once the machines needed would be ${atFour}` : ''}.`,
  ];
}

/**
 * The run as configured, as a what-if beside the verdict: what the budget cap refused, what the configured
 * machines left unserved, and what that run cost (never a saving: it answered fewer requests).
 */
export function formatAsConfigured(summary: Summary): string[] {
  const configured = summary.asConfigured;
  if (!configured) return [];
  const period = headlinePeriod(summary);
  const lines: string[] = [];
  const budget = summary.budget;
  const level = configured.serviceLevel;
  const unanswered = level.requests - level.answered;
  if (budget) {
    const where = Object.entries(budget.detail.byModel)
      .sort(([, a], [, b]) => b - a)
      .map(([model, count]) => `${model === '(none)' ? 'no model' : model} ×${formatInteger(count)}`)
      .join(', ');
    const refused = budget.limited + budget.rejected;
    lines.push(
      `WHAT-IF  with your ${formatCurrency(budget.dailyBudgetUsd)}/day cap, ${formatInteger(refused)} request(s) (${formatPercent((refused / (level.requests || 1)) * 100)}) would have been kept from the API${budget.rejected ? ` (${formatInteger(budget.rejected)} refused outright)` : ''}: answered by ${where || 'nobody'} instead; ${formatInteger(budget.detail.passed)} of them passed the check.`,
    );
  }
  const timeouts = level.localTimeouts;
  const machines = (summary.verdictBasis?.fleet ?? []).filter((f) => f.sized);
  const c = configured.comparison;
  const cost = c
    ? `${roundUsd(period.of(c.hybrid.allIn))} ${period.phrase} all-in`
    : formatCurrency(configured.stats.costUsd);
  lines.push(
    `  As configured${machines.length ? ` (${machines.map((f) => `${formatInteger(f.configured)} × ${f.item}`).join(', ')})` : ''}${budget ? ' with the cap' : ''}: ${formatPercent(level.acceptablePct)} answered acceptably, ${formatInteger(unanswered)} request(s) (${formatPercent(100 - level.answeredPct)}) answered by no model${timeouts ? `, ${formatInteger(timeouts)} local call(s) timed out` : ''}; it would cost ${cost}. That is not a saving: those requests went unserved. The verdict above is on the run that serves them.`,
  );
  return lines;
}
