import { formatCurrency } from '../format-numbers.js';

/** A yearly figure for people: three significant figures (exact values stay in summary.json). */
export function roundUsd(value: number): string {
  if (value === 0) return '$0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const step = 10 ** Math.max(magnitude - 2, -2);
  return formatCurrency(Math.round(value / step) * step).replace(/\.00$/, '');
}
