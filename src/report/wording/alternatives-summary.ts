import type { Summary } from '../../sim/summary.js';
import { apiCacheUse } from '../../sim/alternatives-summary.js';
import { headlinePeriod } from './period.js';
import { NEAR_END_OF_LIFE_DAYS } from '../../cost/model-lifecycle.js';
import { formatCurrency, formatInteger, formatPercent } from '../format-numbers.js';
import { roundUsd } from './round-usd.js';

export { roundUsd } from './round-usd.js';

/** Every alternative beside the hybrid, each a re-run through the router. */
export function formatAlternatives(summary: Summary): string[] {
  const alternatives = summary.alternatives as Summary['alternatives'] | undefined;
  if (!alternatives?.length) return [];
  const period = headlinePeriod(summary);
  const lines = [
    `API-ONLY ALTERNATIVES (each re-run through the router) ${period.column.padStart(10)}   hybrid all-in saves   break-even/day   pass`,
  ];
  for (const a of alternatives) {
    const c = a.comparison;
    const saves = period.of(c.pureApi) - period.of(c.hybrid.allIn);
    lines.push(
      `  ${`${a.name}${a.name === summary.cheapestAlternative ? ' (cheapest)' : ''}`.padEnd(54)} ${formatCurrency(period.of(c.pureApi)).padStart(9)}   ${`${formatCurrency(saves)} (${formatPercent(c.savings.allInPct)})`.padStart(19)}   ${(c.breakEvenIterationsPerDay === null ? 'never' : formatInteger(Math.ceil(c.breakEvenIterationsPerDay))).padStart(14)}   ${formatPercent(a.passRatePct)}`,
    );
    lines.push(`    ${a.description}`);
  }
  const hybrid = apiCacheUse(summary.hybrid);
  lines.push(
    `PROMPT CACHE  share of API input tokens read from a cache: hybrid ${formatPercent(hybrid.hitPct)}${alternatives
      .map((a) => `, ${a.name} ${formatPercent(a.promptCache?.hitPct ?? 0)}`)
      .join('')}`,
  );
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

/**
 * Where one assumption would flip the verdict, in its own unit: a multiplier (×4.01) or, for the local pass
 * rate, a shift in requests (+30% of requests); "never" when no possible value does.
 */
export function flipsAtText(row: Summary['sensitivity'][number]['rows'][number]): string {
  const at = row.flipsAt as number | null | undefined;
  if (at === undefined) return '';
  if (at === null) return 'never';
  return row.assumption === 'local pass rate'
    ? `${at >= 0 ? '+' : ''}${(at * 100).toFixed(0)}% of requests`
    : `×${at.toFixed(2)}`;
}

/** The tornado against the cheapest alternative: which assumption moves the verdict. */
export function formatSensitivity(summary: Summary): string[] {
  const all = (summary.sensitivity as Summary['sensitivity'] | undefined) ?? [];
  const s = all.find((x) => x.alternative === summary.cheapestAlternative);
  if (!s) return [];
  const period = headlinePeriod(summary);
  const days = summary.cost.days;
  const scale = period.of({
    perDay: 1,
    perWeek: 7,
    perMonth: summary.cost.daysPerMonth,
    perYear: summary.cost.daysPerMonth * 12,
  });
  const per = (runTotal: number): string => roundUsd(days > 0 ? (runTotal / days) * scale : 0);
  const lines = [
    `SENSITIVITY  hybrid all-in saving against ${s.alternative} ${period.column}, one assumption at a time (base ${per(s.rows[0]?.base ?? 0)})`,
    `  ${'assumption'.padEnd(18)} ${'range'.padEnd(44)} ${'low'.padStart(9)} ${'high'.padStart(9)}   verdict flips at`,
  ];
  for (const row of s.rows)
    lines.push(
      `  ${row.assumption.padEnd(18)} ${row.range.padEnd(44)} ${per(row.low).padStart(9)} ${per(row.high).padStart(9)}   ${flipsAtText(row)}${row.flipsVerdict ? '   ← moves the verdict' : ''}`,
    );
  const movers = s.rows.filter((r) => r.flipsVerdict).map((r) => r.assumption);
  lines.push(
    movers.length
      ? `  The verdict turns on: ${movers.join(', ')}.`
      : '  No single assumption in these ranges changes the verdict.',
  );
  return lines;
}
