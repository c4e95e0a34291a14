import type { AnalyticEstimate } from '../../sim/analytic/analytic-estimate.js';
import {
  formatCurrency,
  formatCurrencyPrecise,
  formatDuration,
  formatInteger,
  formatPercent,
} from '../../report/format-numbers.js';
import { roundUsd } from '../../report/wording/alternatives-summary.js';

/**
 * The analytic estimate as text: the verdict against the cheapest alternative, then the design document's
 * terms. A day's cost keeps up to four decimals (small daily figures need them); months and years are in cents.
 */
export function formatEstimate(estimate: AnalyticEstimate): string {
  const { hybrid, pureApi, perRequest } = estimate;
  const tiers = Object.entries(perRequest.hybrid.startTiers)
    .map(([tier, share]) => `${tier} ${formatPercent(share * 100)}`)
    .join(', ');
  const cheapest = estimate.alternatives.find((a) => a.name === estimate.cheapestAlternative);
  const lines = [
    `ANALYTIC ESTIMATE: ${estimate.scenario} — ${estimate.iterationsPerDay} iterations/day, ${estimate.daysPerMonth === 30 ? '30-day' : 'calendar'} months (expected values, no sampling)`,
  ];
  if (cheapest) {
    const saving = cheapest.savingsPerYearAllIn;
    const sized = (estimate.fleet ?? []).filter((f) => f.priced > f.configured);
    const fleet = sized.length
      ? `Needs ${sized.map((f) => `${formatInteger(f.priced)} × ${f.description.split(',')[0]!.trim()} (${f.item}; ${formatInteger(f.configured)} configured)`).join(' and ')} to carry the busiest hour. At ${sized.map((f) => formatInteger(f.priced)).join(' and ')}, hybrid`
      : 'Hybrid';
    lines.push(
      `VERDICT  ${fleet} costs ${roundUsd(estimate.hybridAllIn.perYear)} a year all-in against ${roundUsd(cheapest.projection.perYear)} for the cheapest API-only alternative (${cheapest.name}): ${saving >= 0 ? `it saves ${roundUsd(saving)} (${formatPercent(cheapest.savingsPctAllIn)})` : `it costs ${roundUsd(-saving)} (${formatPercent(-cheapest.savingsPctAllIn)}) more`}.`,
    );
  }
  lines.push(
    `Requests start at: ${tiers}`,
    `PURE API  ${formatCurrencyPrecise(pureApi.perDay)}/day = ${formatCurrency(pureApi.perMonth)}/month = ${formatCurrency(pureApi.perYear)}/year`,
    `HYBRID    ${formatCurrencyPrecise(hybrid.perDay)}/day = ${formatCurrency(hybrid.perMonth)}/month = ${formatCurrency(hybrid.perYear)}/year (API spend)`,
    `  all-in  ${formatCurrencyPrecise(estimate.hybridAllIn.perDay)}/day = ${formatCurrency(estimate.hybridAllIn.perYear)}/year (with local energy and fixed costs)`,
    `SAVINGS vs api-premium  ${formatCurrency(estimate.savingsPerYear)}/year on API fees (${formatPercent(estimate.savingsPct)})`,
  );
  if (estimate.alternatives.length) {
    lines.push(
      'API-ONLY ALTERNATIVES          per year   hybrid all-in saves   break-even/day   cache reads',
    );
    for (const a of estimate.alternatives)
      lines.push(
        `  ${a.name.padEnd(26)} ${formatCurrency(a.projection.perYear).padStart(10)}   ${`${formatCurrency(a.savingsPerYearAllIn)} (${formatPercent(a.savingsPctAllIn)})`.padStart(19)}   ${(a.breakEvenIterationsPerDay === null ? 'never' : formatInteger(Math.ceil(a.breakEvenIterationsPerDay))).padStart(14)}   ${formatPercent(a.cacheHitShare * 100).padStart(11)}`,
      );
  }
  lines.push(
    `Per request: hybrid ${formatCurrency(perRequest.hybrid.costUsd)}, pure API ${formatCurrency(perRequest.pureApi.costUsd)}; pass rate ${formatPercent(perRequest.hybrid.passRate * 100, 2)}, fallback rate ${formatPercent(perRequest.hybrid.fallbackRate * 100, 2)}, local share ${formatPercent(perRequest.hybrid.localShare * 100)}, mean latency ${formatDuration(perRequest.hybrid.latencyMs)}; API input read from a prompt cache: hybrid ${formatPercent(estimate.cacheHitShare.hybrid * 100)}, pure API ${formatPercent(estimate.cacheHitShare.pureApi * 100)}`,
    `Assumptions: ${estimate.assumptions.join('; ')}`,
  );
  return lines.join('\n');
}
