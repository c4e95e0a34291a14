import type { AnalyticEstimate } from '../../cost/analytic-estimate.js';
import {
  formatCurrency,
  formatCurrencyPrecise,
  formatDuration,
  formatPercent,
} from '../../report/format-numbers.js';

/** The analytic estimate as text, in the design document's "Cost Comparison Flow" terms. */
export function formatEstimate(estimate: AnalyticEstimate): string {
  const { hybrid, pureApi, perRequest } = estimate;
  const tiers = Object.entries(perRequest.hybrid.startTiers)
    .map(([tier, share]) => `${tier} ${formatPercent(share * 100)}`)
    .join(', ');
  return [
    `ANALYTIC ESTIMATE: ${estimate.scenario} — ${estimate.iterationsPerDay} iterations/day, ${estimate.daysPerMonth === 30 ? '30-day' : 'calendar'} months (expected values, no sampling)`,
    `Requests start at: ${tiers}`,
    `PURE API  ${formatCurrencyPrecise(pureApi.perDay)}/day = ${formatCurrencyPrecise(pureApi.perMonth)}/month = ${formatCurrencyPrecise(pureApi.perYear)}/year`,
    `HYBRID    ${formatCurrencyPrecise(hybrid.perDay)}/day = ${formatCurrencyPrecise(hybrid.perMonth)}/month = ${formatCurrencyPrecise(hybrid.perYear)}/year`,
    `SAVINGS   ${formatCurrency(estimate.savingsPerYear)}/year (${formatPercent(estimate.savingsPct)})`,
    `Per request: hybrid ${formatCurrency(perRequest.hybrid.costUsd)}, pure API ${formatCurrency(perRequest.pureApi.costUsd)}; pass rate ${formatPercent(perRequest.hybrid.passRate * 100, 2)}, fallback rate ${formatPercent(perRequest.hybrid.fallbackRate * 100, 2)}, local share ${formatPercent(perRequest.hybrid.localShare * 100)}, mean latency ${formatDuration(perRequest.hybrid.latencyMs)}`,
    `Assumptions: ${estimate.assumptions.join('; ')}`,
  ].join('\n');
}
