// What the capacity queue is asked (a call), answers (an admission) and reports (its stats).
import type { QuantileSummary } from '../../core/quantile-sketch.js';
import type { Rates } from './capacity-rates.js';

/** How one call fared in the queue. */
export interface Admission {
  /** Time spent waiting for a slot (until the timeout when it never got one). */
  waitMs: number;
  /** Wait + prefill, which ends with the first token (0 when it timed out before it). */
  ttftMs: number;
  /** From arrival to its last token, or to the timeout. */
  latencyMs: number;
  /** Sequences running on its server when it started (itself included); 0 when it never started. */
  batch: number;
  /** Whether the client gave up at its timeout before the answer was complete. */
  timedOut: boolean;
  /**
   * Its share of its machine's time: each moment it ran, divided among the sequences running then. Summed
   * over calls this is the time the machine was busy, which is what draws busy power.
   */
  busyMs: number;
}

/** One call to serve. */
export interface ServeCall {
  /** The model it is for: each model has its own sequence slots on every machine. @default the profile's */
  model?: string;
  /** That model's slots per machine. @default the queue profile's max_concurrency */
  maxConcurrency?: number;
  /** Prompt tokens to prefill (those read from a prefix cache left out). */
  inputTokens: number;
  outputTokens: number;
  /** The client gives up this long after arrival. @default Infinity */
  timeoutMs?: number;
  /** The calling model's rates, when several models share the server. @default the queue's profile */
  rates?: Rates;
  /** Uniform in [0, 1), drawn for the call: whether it meets a cold server (see `wakeAfter`). @default 0 */
  wakeDraw?: number;
}

/** What one model asks of its slots: full-batch service time over slot time (above 1: more than they can do). */
export interface Demand {
  maxConcurrency: number;
  average: number;
  peakHour: number;
}

export interface CapacityStats {
  servers: number;
  /** Sequence slots per machine, all its models' together (each model's own are in `demand`). */
  maxConcurrency: number;
  /** Per model on the item: its sequence slots per machine and the load it offers them. */
  demand: Record<string, Demand>;
  calls: number;
  timedOut: number;
  /** Of them, the calls that gave up still waiting for a slot: those more machines would have served. */
  timedOutWaiting: number;
  /** Most calls waiting for a slot at once. */
  maxWaiting: number;
  /** Slot time: each call's time from start to finish, summed. */
  busyMs: number;
  /** Time the machines had at least one sequence running, summed over machines. */
  machineBusyMs: number;
  /** Share of time the machines had a sequence running, from the first arrival to the last answer (0–1). */
  averageUtilisation: number;
  /** The same in the busiest hour. */
  peakHourUtilisation: number;
  peakHourStartMs: number;
  waitMs: QuantileSummary;
}
