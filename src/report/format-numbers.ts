/** Number formatting for people: currency with cents, thousands separators, percentages, durations. */
const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCurrency(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return usd.format(value);
}

export function formatInteger(value: number): string {
  return integer.format(value);
}

export function formatPercent(value: number, digits = 1): string {
  return `${value.toFixed(digits)}%`;
}

export function formatDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Currency with up to four decimals (trailing zeros trimmed, at least cents): $0.135, $13.50. */
export function formatCurrencyPrecise(value: number): string {
  const fixed = (Math.round(value * 10_000) / 10_000).toFixed(4).replace(/0{1,2}$/, '');
  const [whole, fraction] = fixed.split('.');
  return `$${integer.format(Number(whole))}.${fraction}`;
}
