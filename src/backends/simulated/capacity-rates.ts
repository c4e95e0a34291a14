// How fast a local server runs one model against the sequences running at once, and what waking a cold
// server adds: the measured curves the capacity queue reads.

/** A rate measured at a number of sequences running at once (a point of a `bench --sweep` curve). */
export interface RatePoint {
  sequences: number;
  /** Tokens per second for each sequence. */
  tokensPerS: number;
}

/** How fast one model runs on a server, per sequence, against the sequences running. */
export interface Rates {
  /** Decode rate per sequence against sequences running (time per token linear between points), flat beyond. */
  decode: readonly RatePoint[];
  /** Prefill rate per sequence against sequences running. */
  prefill: readonly RatePoint[];
  /**
   * Extra time before the prefill of a call that finds its machine idle (for more than IDLE_MS): threads
   * and caches to wake, as CPU llama.cpp shows. @default 0
   */
  wakeMs?: number;
  /**
   * Wake time against idle time (linear between points, from 0 at no idle, flat beyond): replaces wakeMs.
   * `share` (default 1) is the part of the calls that meet a cold server and pay it, linear between points
   * too (the first point's before it).
   */
  wake?: readonly { idleMs: number; ms: number; share?: number }[];
}

/**
 * The wake time a call pays after its machine sat idle `idleMs`; `draw` (uniform in [0, 1), the call's own)
 * decides whether it meets a cold server when only a share of calls do.
 */
export function wakeAfter(rates: Rates, idleMs: number, draw = 0): number {
  const curve = rates.wake;
  if (!curve?.length) return idleMs >= IDLE_MS ? (rates.wakeMs ?? 0) : 0;
  if (idleMs < IDLE_MS) return 0;
  let before = { idleMs: 0, ms: 0, share: curve[0]!.share ?? 1 };
  for (const point of curve) {
    const share = point.share ?? 1;
    if (idleMs <= point.idleMs) {
      const t = (idleMs - before.idleMs) / (point.idleMs - before.idleMs);
      const cold = draw < before.share + (share - before.share) * t;
      return cold ? before.ms + (point.ms - before.ms) * t : 0;
    }
    before = { idleMs: point.idleMs, ms: point.ms, share };
  }
  return draw < before.share ? before.ms : 0;
}

/** What one local server can do at once, and how fast, as measured (or assumed) per batch size. */
export interface CapacityProfile extends Rates {
  /** Sequences the server runs in parallel; more wait in its queue. */
  maxConcurrency: number;
}

/**
 * The rate at `n` sequences between measured points: the time per token is taken as linear in the batch
 * there (a decode step costs about a fixed part plus a part per sequence), so the rate is harmonic between
 * points; the nearest end outside them.
 */
export function rateAt(points: readonly RatePoint[], n: number): number {
  if (points.length === 0) throw new Error('a capacity profile needs at least one measured rate');
  if (n <= points[0]!.sequences) return points[0]!.tokensPerS;
  for (let i = 1; i < points.length; i++) {
    const hi = points[i]!;
    if (n <= hi.sequences) {
      const lo = points[i - 1]!;
      const share = (n - lo.sequences) / (hi.sequences - lo.sequences);
      return 1 / (1 / lo.tokensPerS + (1 / hi.tokensPerS - 1 / lo.tokensPerS) * share);
    }
  }
  return points[points.length - 1]!.tokensPerS;
}

/** A call's time on an idle server: prefill (ending with the first token), then the other tokens, alone. */
export function aloneMs(rates: Rates, inputTokens: number, outputTokens: number): number {
  return (
    (inputTokens / rateAt(rates.prefill, 1) + Math.max(0, outputTokens - 1) / rateAt(rates.decode, 1)) * 1000
  );
}

/** A machine idle this long makes the next call pay its wake time (back-to-back calls keep it warm). */
export const IDLE_MS = 10;
