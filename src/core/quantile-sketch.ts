/** Relative accuracy of quantiles: each estimate is within 1% of a value that was added. */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
/** Smallest positive value kept apart from zero (0.001 ms); largest bucket covers ~1e9. */
const MIN_VALUE = 1e-3;
const BUCKETS = Math.ceil(Math.log(1e9 / MIN_VALUE) / LOG_GAMMA) + 1;

export interface QuantileSummary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/**
 * A log-bucket quantile sketch (the DDSketch idea): constant memory however many values are added, quantiles
 * within 1% relative error. Memory stays flat as the workload grows, which is what simulation needs.
 */
export class QuantileSketch {
  private readonly counts = new Float64Array(BUCKETS);
  private zeros = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value < MIN_VALUE) {
      this.zeros++;
      return;
    }
    const index = Math.min(BUCKETS - 1, Math.ceil(Math.log(value / MIN_VALUE) / LOG_GAMMA));
    this.counts[index]!++;
  }

  merge(other: QuantileSketch): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The q-quantile (0–1), 0 for an empty sketch. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * (this.count - 1);
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen > rank) {
        // Middle of the bucket in log space, clamped to what was seen.
        const value = (MIN_VALUE * (Math.pow(GAMMA, i - 1) + Math.pow(GAMMA, i))) / 2;
        return Math.min(this.max, Math.max(this.min, value));
      }
    }
    return this.max;
  }

  summary(): QuantileSummary {
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    return {
      count: this.count,
      mean: this.count ? round(this.sum / this.count) : 0,
      min: this.count ? round(this.min) : 0,
      max: this.count ? round(this.max) : 0,
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
    };
  }
}
