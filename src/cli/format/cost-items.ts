import type { Summary } from '../../sim/summary.js';
import { formatCurrency } from '../../report/format-numbers.js';
import { headlinePeriod } from './period.js';

/** The hybrid's all-in cost line by line, with where each figure comes from. */
export function formatCostItems(summary: Summary): string[] {
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
  const rows: [string, number, string][] = [
    [
      'API fees (hybrid)',
      perPeriod(cost.hybrid.marginalUsd),
      `priced per token from ${summary.config.priceTable}`,
    ],
  ];
  for (const item of local.items ?? [])
    rows.push([`${item.name}: ${item.detail}`, perPeriod(item.usdPerMonth * months), item.source]);
  const idleKwh = (local.idleKwhPerDay ?? 0) * cost.days;
  rows.push([
    `energy: ${cost.energyKwh.toFixed(1)} kWh at ${formatCurrency(local.usdPerKwh)}/kWh`,
    perPeriod(cost.hybrid.energyUsd),
    idleKwh > 0
      ? `idle ${idleKwh.toFixed(1)} kWh while on, busy ${(cost.energyKwh - idleKwh).toFixed(1)} kWh above idle`
      : 'watts × busy time',
  ]);
  const lines = [`COST ITEMS, hybrid all-in ${period.column}`];
  for (const [label, usd, source] of rows)
    lines.push(
      `  ${(label.length > 66 ? `${label.slice(0, 65)}…` : label).padEnd(66)} ${formatCurrency(usd).padStart(11)}   ${source}`,
    );
  lines.push(`  ${'total'.padEnd(66)} ${formatCurrency(period.of(cost.hybrid.allIn)).padStart(11)}`);
  const hardware = local.hardware ?? [];
  for (const h of hardware)
    if (h.models.length)
      lines.push(
        `  ${h.name} holds ${h.models.map((m) => `${m.name} ${m.residentGb.toFixed(1)} GB`).join(', ')}: ${h.models.reduce((s, m) => s + m.residentGb, 0).toFixed(1)} of ${h.gpuMemoryGb} GB (weights + KV cache for each context window)`,
      );
  return lines;
}
