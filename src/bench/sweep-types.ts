// What a load sweep is asked and what it measures, apart from the sweep, the idle probe and the sweep
// report that share them.
import type { ModelConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import type { BenchRunOptions } from './bench-runner.js';

/** One load level of a sweep, measured. */
export interface SweepStep {
  concurrency: number;
  requests: number;
  errors: number;
  wallMs: number;
  requestsPerS: number;
  outputTokensPerS: number;
  /** Means as well: a server's throughput follows its mean times, which a skewed spread (CPU) sets apart from the p50. */
  ttftMs: { p50: number; p95: number; mean: number };
  tpotMs: { p50: number; p95: number; mean: number };
  e2eMs: { p50: number; p95: number; mean: number };
  /** Requests per second that met the SLO (time to first token, and end to end when given). */
  goodputPerS: number;
  meanInputTokens: number;
  /**
   * Client time outside the server per request, p50 (end to end minus the server's own total, where it
   * reports one: Ollama's total_duration), ms; null when it reports none.
   */
  overheadMs: number | null;
}

export interface SweepResult {
  model: string;
  slo: { ttftMs: number; e2eMs: number | null };
  steps: SweepStep[];
  /** Requests sent one at a time after idle gaps: what a cold server adds to the first token. */
  idle?: IdleProbe;
  /** Why the sweep stopped where it did. */
  stopped: string;
  /** The capacity profile fitted from the steps, as profiles.yaml writes it. */
  capacity: NonNullable<SimulationProfile['capacity']>;
  profile: SimulationProfile;
  outDir: string;
}

export interface SweepOptions extends Omit<BenchRunOptions, 'models' | 'concurrency' | 'rate' | 'runs'> {
  model: ModelConfig;
  /** Concurrency levels to try, in order. @default 1, 2, 4, 8, 16, 32, 64 */
  steps?: readonly number[];
  /** Requests measured at each level. @default max(16, 4 × the level) */
  requestsPerStep?: (concurrency: number) => number;
  slo?: { ttftMs: number; e2eMs?: number };
  /** Requests of the idle probe (0: none, no wake curve). @default 40 */
  idleRequests?: number;
}

/** Requests one at a time after the server sat idle, against the same requests sent back to back. */
export interface IdleProbe {
  /** Requests sent, each after its own idle time. */
  requests: number;
  /** The extra time to first token above which a request counts as having met a cold server, ms. */
  coldAboveMs: number;
  /** One point per group of requests, shortest idle times first (what the probe saw, for display). */
  points: {
    /** The group's median idle time before a request, ms. */
    idleMs: number;
    requests: number;
    ttftMs: { p50: number; p95: number; mean: number };
    /** The share of the group that met a cold server (0–1). */
    coldShare: number;
    /** What a cold server added to the first token on average (over the first level's TTFT p50), ms. */
    coldMs: number;
  }[];
  /**
   * The wake curve fitted request by request: the share that met a cold server, non-decreasing in idle time
   * (isotonic), as points at each run's first and last idle time, with what cold cost in that run (a run none
   * met takes the nearest run's cost, later first). Shortest idle times first.
   */
  curve: { idleMs: number; share: number; coldMs: number }[];
  /** The average extra time to first token at the middle group: the capacity profile's wake_ms. */
  wakeMs: number;
}
