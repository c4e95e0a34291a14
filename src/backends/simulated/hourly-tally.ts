const HOUR_MS = 3_600_000;

/**
 * Milliseconds (of busy time, or of demand) per clock hour from an origin, one number per hour: what the
 * capacity queue's peak-hour figures are read from.
 */
export class HourlyTally {
  private readonly hours: number[] = [];

  /** Adds `amount` to hour `hour` (0-based from the origin). */
  add(hour: number, amount: number): void {
    while (this.hours.length <= hour) this.hours.push(0);
    this.hours[hour]! += amount;
  }

  /** Spreads a span of `ms` from `startMs` over the hours it covers, hours counted from `originMs`. */
  spread(startMs: number, ms: number, originMs: number): void {
    let t = startMs;
    const stop = startMs + ms;
    while (t < stop) {
      const hour = Math.max(0, Math.floor((t - originMs) / HOUR_MS));
      const hourEnd = originMs + (hour + 1) * HOUR_MS;
      const piece = Math.min(stop, hourEnd) - t;
      this.add(hour, piece);
      t += piece;
    }
  }

  /** The busiest hour's total and its index (the first on a tie; [0, 0] when nothing was added). */
  busiest(): [number, number] {
    let peak = 0;
    let at = 0;
    for (let h = 0; h < this.hours.length; h++)
      if (this.hours[h]! > peak) {
        peak = this.hours[h]!;
        at = h;
      }
    return [peak, at];
  }
}
