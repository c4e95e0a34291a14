import { QuantileSketch, type QuantileSummary } from '../../core/quantile-sketch.js';

/** A rate measured at a number of sequences running at once (a point of a `bench --sweep` curve). */
export interface RatePoint {
  sequences: number;
  /** Tokens per second for each sequence. */
  tokensPerS: number;
}

/** What one local server can do at once, and how fast, as measured (or assumed) per batch size. */
export interface CapacityProfile {
  /** Sequences the server runs in parallel; more wait in its queue. */
  maxConcurrency: number;
  /** Decode rate per sequence against sequences running, linear between points, flat beyond the ends. */
  decode: readonly RatePoint[];
  /** Prefill rate per sequence against sequences running. */
  prefill: readonly RatePoint[];
}

/** How one call fared in the queue. */
export interface Admission {
  /** Time spent waiting for a slot. */
  waitMs: number;
  /** Wait + prefill at the batch size it started in. */
  ttftMs: number;
  /** Wait + prefill + decode. */
  latencyMs: number;
  /** Sequences running on its server when it started (itself included). */
  batch: number;
  /** Whether the answer would come later than the timeout: the client gives up then. */
  timedOut: boolean;
}

/** The rate at `n` sequences: linear between measured points, the nearest end outside them. */
export function rateAt(points: readonly RatePoint[], n: number): number {
  if (points.length === 0) throw new Error('a capacity profile needs at least one measured rate');
  if (n <= points[0]!.sequences) return points[0]!.tokensPerS;
  for (let i = 1; i < points.length; i++) {
    const hi = points[i]!;
    if (n <= hi.sequences) {
      const lo = points[i - 1]!;
      return (
        lo.tokensPerS + ((hi.tokensPerS - lo.tokensPerS) * (n - lo.sequences)) / (hi.sequences - lo.sequences)
      );
    }
  }
  return points[points.length - 1]!.tokensPerS;
}

const HOUR_MS = 3_600_000;

/**
 * Local servers (`servers` identical machines) as a queue on the virtual clock. A call takes the slot that
 * frees first (FIFO), waits for it, then prefills and decodes at the per-sequence rates for the number of
 * sequences running on its server when it starts. That rate is fixed for the call once it starts (calls that
 * join or leave later do not change it): an approximation of continuous batching that keeps each call one
 * computation. A call the client would time out on frees its slot at the timeout (the server cancels it).
 * Memory is constant in the number of calls: slots, a wait sketch and busy time per hour.
 */
export class CapacityQueue {
  private readonly start: Float64Array;
  private readonly end: Float64Array;
  private readonly waits = new QuantileSketch();
  /** Busy slot-milliseconds per hour since the first call; grows by one number per hour simulated. */
  private hourly: number[] = [];
  private originMs: number | undefined;
  private lastEndMs = 0;
  calls = 0;
  timedOut = 0;
  busyMs = 0;

  constructor(
    readonly profile: CapacityProfile,
    readonly servers = 1,
  ) {
    if (!(profile.maxConcurrency >= 1)) throw new Error('max_concurrency must be at least 1');
    const slots = profile.maxConcurrency * Math.max(1, servers);
    this.start = new Float64Array(slots);
    this.end = new Float64Array(slots);
  }

  /** Admits one call arriving at `atMs` and says when it would answer. */
  admit(
    atMs: number,
    inputTokens: number,
    outputTokens: number,
    timeoutMs = Infinity,
    /** The calling model's rates, when several models share the server. */
    rates: Pick<CapacityProfile, 'decode' | 'prefill'> = this.profile,
  ): Admission {
    const per = this.profile.maxConcurrency;
    // The slot that frees first (FIFO); among those free then, one on the least busy server.
    let best = Infinity;
    for (let i = 0; i < this.end.length; i++) best = Math.min(best, Math.max(atMs, this.end[i]!));
    let slot = -1;
    let fewest = Infinity;
    for (let i = 0; i < this.end.length; i++) {
      if (Math.max(atMs, this.end[i]!) !== best) continue;
      const running = this.runningOn(Math.floor(i / per), best);
      if (running < fewest) {
        slot = i;
        fewest = running;
      }
    }
    const startMs = best;
    const batch = this.runningOn(Math.floor(slot / per), startMs) + 1;
    const prefillMs = (inputTokens / rateAt(rates.prefill, batch)) * 1000;
    const decodeMs = (outputTokens / rateAt(rates.decode, batch)) * 1000;
    const waitMs = startMs - atMs;
    const latencyMs = waitMs + prefillMs + decodeMs;
    const timedOut = latencyMs > timeoutMs;
    const endMs = timedOut ? atMs + timeoutMs : startMs + prefillMs + decodeMs;
    this.start[slot] = startMs;
    this.end[slot] = Math.max(startMs, endMs);
    this.record(startMs, Math.max(0, endMs - startMs), waitMs, timedOut);
    return { waitMs, ttftMs: waitMs + prefillMs, latencyMs, batch, timedOut };
  }

  /** Sequences running on one server at `atMs`. */
  private runningOn(server: number, atMs: number): number {
    const per = this.profile.maxConcurrency;
    let running = 0;
    for (let i = server * per; i < (server + 1) * per; i++)
      if (this.start[i]! <= atMs && this.end[i]! > atMs) running++;
    return running;
  }

  private record(startMs: number, busyMs: number, waitMs: number, timedOut: boolean): void {
    this.calls++;
    if (timedOut) this.timedOut++;
    this.busyMs += busyMs;
    this.waits.add(waitMs);
    this.originMs ??= Math.floor(startMs / HOUR_MS) * HOUR_MS;
    // Spread the busy time over the hours it covers.
    let t = startMs;
    const stop = startMs + busyMs;
    while (t < stop) {
      const hour = Math.max(0, Math.floor((t - this.originMs) / HOUR_MS));
      const hourEnd = this.originMs + (hour + 1) * HOUR_MS;
      const piece = Math.min(stop, hourEnd) - t;
      while (this.hourly.length <= hour) this.hourly.push(0);
      this.hourly[hour]! += piece;
      t += piece;
    }
    if (stop > this.lastEndMs) this.lastEndMs = stop;
  }

  /**
   * Utilisation: busy slot-time over the slots' time, on average over the hours since the first call and in
   * the busiest hour; queue waits; timeouts.
   */
  stats(): CapacityStats {
    const slots = this.end.length;
    const hours = Math.max(1, this.hourly.length);
    let peak = 0;
    let peakHour = 0;
    for (let h = 0; h < this.hourly.length; h++)
      if (this.hourly[h]! > peak) {
        peak = this.hourly[h]!;
        peakHour = h;
      }
    return {
      servers: this.servers,
      maxConcurrency: this.profile.maxConcurrency,
      calls: this.calls,
      timedOut: this.timedOut,
      busyMs: this.busyMs,
      averageUtilisation: this.busyMs / (hours * HOUR_MS * slots),
      peakHourUtilisation: peak / (HOUR_MS * slots),
      peakHourStartMs: (this.originMs ?? 0) + peakHour * HOUR_MS,
      waitMs: this.waits.summary(),
    };
  }
}

export interface CapacityStats {
  servers: number;
  maxConcurrency: number;
  calls: number;
  timedOut: number;
  busyMs: number;
  /** Busy slot-time ÷ slot-time over the hours simulated (0–1). */
  averageUtilisation: number;
  /** The same in the busiest hour. */
  peakHourUtilisation: number;
  peakHourStartMs: number;
  waitMs: QuantileSummary;
}
