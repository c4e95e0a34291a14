import type { Summary } from '../../sim/summary.js';
import { formatCurrency } from '../format-numbers.js';
import { headlinePeriod } from './period.js';

export interface CostItemRow {
  label: string;
  /** For the headline period (a year, or a short window). */
  usd: number;
  source: string;
}

/** The hybrid's all-in cost line by line for the headline period, with where each figure comes from. */
export function costItemRows(summary: Summary): CostItemRow[] {
  const { cost } = summary;
  const local = summary.config.localCosts;
  const period = headlinePeriod(summary);
  // Fixed items are per month; the run covers cost.days days.
  const months = cost.days / cost.daysPerMonth;
  const scale = period.of({
    perDay: 1,
    perWeek: 7,
    perMonth: cost.daysPerMonth,
    perYear: cost.daysPerMonth * 12,
  });
  const perPeriod = (runTotal: number): number => (cost.days > 0 ? (runTotal / cost.days) * scale : 0);
  const rows: CostItemRow[] = [
    {
      label: 'API fees (hybrid)',
      usd: perPeriod(cost.hybrid.marginalUsd),
      source: `priced per token from ${summary.config.priceTable}`,
    },
  ];
  for (const item of local.items ?? [])
    rows.push({
      label: `${item.name}: ${item.detail}`,
      usd: perPeriod(item.usdPerMonth * months),
      source: item.source,
    });
  const idleKwh = (local.idleKwhPerDay ?? 0) * cost.days;
  rows.push({
    label: `energy: ${cost.energyKwh.toFixed(1)} kWh at ${formatCurrency(local.usdPerKwh)}/kWh`,
    usd: perPeriod(cost.hybrid.energyUsd),
    source:
      idleKwh > 0
        ? `idle ${idleKwh.toFixed(1)} kWh while on, busy ${(cost.energyKwh - idleKwh).toFixed(1)} kWh above idle`
        : 'watts × busy time',
  });
  return rows;
}

/** The cost items as text, with what each machine holds. */
export function formatCostItems(summary: Summary): string[] {
  const period = headlinePeriod(summary);
  const lines = [`COST ITEMS, hybrid all-in ${period.column}`];
  for (const { label, usd, source } of costItemRows(summary))
    lines.push(
      `  ${(label.length > 66 ? `${label.slice(0, 65)}…` : label).padEnd(66)} ${formatCurrency(usd).padStart(11)}   ${source}`,
    );
  lines.push(`  ${'total'.padEnd(66)} ${formatCurrency(period.of(summary.cost.hybrid.allIn)).padStart(11)}`);
  for (const h of summary.config.localCosts.hardware ?? [])
    if (h.models.length)
      lines.push(
        `  ${h.name} holds ${h.models.map((m) => `${m.name} ${m.residentGb.toFixed(1)} GB`).join(', ')}: ${h.models.reduce((s, m) => s + m.residentGb, 0).toFixed(1)} of ${h.gpuMemoryGb} GB (weights + KV cache for each context window)`,
      );
  return lines;
}
