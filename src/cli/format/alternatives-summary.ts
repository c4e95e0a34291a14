import type { Summary } from '../../sim/summary.js';
import { NEAR_END_OF_LIFE_DAYS } from '../../cost/model-lifecycle.js';
import { formatCurrency, formatInteger, formatPercent } from '../../report/format-numbers.js';

/** A yearly figure for people: three significant figures (exact values stay in summary.json). */
export function roundUsd(value: number): string {
  if (value === 0) return '$0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const step = 10 ** Math.max(magnitude - 2, -2);
  return formatCurrency(Math.round(value / step) * step).replace(/\.00$/, '');
}

/**
 * The verdict, first: the hybrid all-in against the cheapest API-only alternative, per year, and where it
 * pays for its local costs.
 */
export function formatVerdict(summary: Summary): string[] {
  const alternatives = summary.alternatives as Summary['alternatives'] | undefined;
  const cheapest = alternatives?.find((a) => a.name === summary.cheapestAlternative);
  if (!cheapest) return [];
  const c = cheapest.comparison;
  const saving = c.savings.perYearAllIn;
  const breakEven = c.breakEvenIterationsPerDay;
  return [
    '',
    `VERDICT  Hybrid costs ${roundUsd(c.hybrid.allIn.perYear)} a year all-in against ${roundUsd(c.pureApi.perYear)} for the cheapest API-only alternative (${cheapest.name}: ${cheapest.description}): ${saving >= 0 ? `it saves ${roundUsd(saving)} (${formatPercent(c.savings.allInPct)})` : `it costs ${roundUsd(-saving)} (${formatPercent(-c.savings.allInPct)}) more`}. ${breakEven === null ? 'At these prices the local tiers never pay for their fixed cost against it.' : `It pays for its local costs above ${formatInteger(Math.ceil(breakEven))} iterations a day.`}`,
  ];
}

/** Every alternative beside the hybrid, each a re-run through the router. */
export function formatAlternatives(summary: Summary): string[] {
  const alternatives = summary.alternatives as Summary['alternatives'] | undefined;
  if (!alternatives?.length) return [];
  const lines = [
    'API-ONLY ALTERNATIVES (each re-run through the router)   per year   hybrid all-in saves   break-even/day   pass',
  ];
  for (const a of alternatives) {
    const c = a.comparison;
    lines.push(
      `  ${`${a.name}${a.name === summary.cheapestAlternative ? ' (cheapest)' : ''}`.padEnd(54)} ${formatCurrency(a.perYearUsd).padStart(9)}   ${`${formatCurrency(c.savings.perYearAllIn)} (${formatPercent(c.savings.allInPct)})`.padStart(19)}   ${(c.breakEvenIterationsPerDay === null ? 'never' : formatInteger(Math.ceil(c.breakEvenIterationsPerDay))).padStart(14)}   ${formatPercent(a.passRatePct)}`,
    );
    lines.push(`    ${a.description}`);
  }
  return lines;
}

/** Enabled models past or near their end of life, as of today (the summary records the dates only). */
export function formatLifecycle(summary: Summary, today = new Date().toISOString().slice(0, 10)): string[] {
  const lifecycle = (summary.lifecycle as Summary['lifecycle'] | undefined) ?? [];
  const now = Date.parse(`${today}T00:00:00Z`);
  const lines: string[] = [];
  for (const entry of lifecycle) {
    const days = Math.round((Date.parse(`${entry.endOfLife}T00:00:00Z`) - now) / 86_400_000);
    if (days > NEAR_END_OF_LIFE_DAYS) continue;
    lines.push(
      days < 0
        ? `WARNING  ${entry.model} reached its end of life on ${entry.endOfLife}: calls to it fail; move to its successor (${entry.source}).`
        : `WARNING  ${entry.model} reaches its end of life on ${entry.endOfLife}, in ${days} day(s): plan the move (${entry.source}).`,
    );
  }
  return lines;
}
