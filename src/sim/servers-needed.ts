import { createSimulatedBackend, type ServerStats } from '../backends/simulated/simulated-backend.js';
import { BudgetExhaustedError } from '../backends/errors.js';
import { EventClock } from '../core/event-clock.js';
import { replayConcurrently } from './concurrent-replay.js';
import { serverCounts } from './server-layout.js';
import { QuantileSketch } from '../core/quantile-sketch.js';
import { createMemoryBudgetGuard, budgetCaps } from '../ledger/budget-guard.js';
import { createRouter } from '../router/router.js';
import type { RouteRequest } from '../router/types.js';
import type { RouterConfig } from '../config/router-config.js';
import type { MaterialisedRun } from './run-spec.js';

/**
 * p95 time to first token of local calls the servers are sized for when a scenario sets none (an
 * assumption). Time to first token — queue wait plus prefill — measures capacity; the whole answer's time
 * also grows with its length, which more servers cannot shorten.
 */
export const DEFAULT_LOCAL_P95_MS = 5_000;
/**
 * The most machines of one item the search will size. It stops short of a count only when the demand alone
 * (the lower bound) is above this, and then says so with the bound.
 */
export const SERVERS_CEILING = 10_000;
const HOUR_MS = 3_600_000;

interface Trial {
  /** TTFT p95 of the item's local calls, ms: the largest of its models'. */
  p95: number;
  /** Queue-wait p95 on the item, ms. */
  waitP95: number;
  timedOut: number;
  /** Calls that gave up before they got a slot: those more machines would have served. */
  timedOutWaiting: number;
}

/** How many machines of one hardware item the workload's busiest hour needs. */
export interface ServersNeeded {
  /** p95 time to first token the count must meet for each model on the item, ms. */
  targetP95Ms: number;
  /** The busiest hour of the hybrid run, which is replayed. */
  peakHourStartMs: number;
  requests: number;
  /** The largest p95 of the item's models in that hour with the configured count, ms. */
  p95AtConfiguredMs: number;
  configured: number;
  /** The smallest count that meets the target; null when no count does. */
  needed: number | null;
  p95AtNeededMs: number | null;
  /**
   * The smallest count with which the hour's calls hardly wait for a slot (queue-wait p95 at most 10% of the
   * target) and none gives up waiting for one: the machines that keep up with the load, whatever the target.
   * Null only when the demand bound itself is above SERVERS_CEILING.
   */
  keepsUp: number | null;
  /**
   * The lower bound the search starts from: for each model on the item, the work its peak hour asks of its
   * slots at full batch divided by what one machine's slots do in an hour, rounded up; the largest of them
   * (each model has its own slots on every machine, so the item's models are sized together by the busiest).
   */
  demandBound: number;
  /**
   * When no count meets the target because, once the calls stop waiting, they still miss it: their own
   * prefill and decode are too slow for it. The count that keeps up and the p95 there.
   */
  floor?: { servers: number; p95Ms: number };
}

/**
 * For each hardware item simulated as a queue: replays the hybrid run's busiest hour for it with a count of
 * machines searched upward from the demand bound, then bisected, for two counts: the one that keeps up (calls
 * hardly wait, none gives up waiting for a slot) and the one that meets the p95 target for time to first
 * token. A target the calls miss even when they no longer
 * wait is out of reach of more machines. The hour starts with empty queues (a backlog carried in from the hour
 * before is not replayed).
 */
export async function serversNeeded(
  run: MaterialisedRun,
  capacity: Record<string, ServerStats>,
  targetP95Ms: number,
  options: {
    /** The config the trials run with (the uncapped one, for the verdict's fleet). @default run.config */
    config?: RouterConfig;
    /** Search the count that keeps up only, not the one meeting the target. */
    keepUpOnly?: boolean;
  } = {},
): Promise<Record<string, ServersNeeded>> {
  const config = options.config ?? run.config;
  const out: Record<string, ServersNeeded> = {};
  for (const [item, stats] of Object.entries(capacity)) {
    const from = stats.peakHourStartMs;
    const requests: RouteRequest[] = [];
    const workload = run.workload();
    const keep = (r: RouteRequest): void => {
      if (r.arrivalMs !== undefined && r.arrivalMs >= from && r.arrivalMs < from + HOUR_MS) requests.push(r);
    };
    if (Symbol.iterator in workload) for (const r of workload) keep(r);
    else for await (const r of workload) keep(r);
    const models = new Set(stats.models);
    /** TTFT p95 of the item's local calls with `servers` machines, and their queue-wait p95. */
    const trial = async (servers: number): Promise<Trial> => {
      const clock = new EventClock(from);
      const backend = createSimulatedBackend({
        seed: run.seed,
        clock,
        faultRates: run.faults,
        ...(run.profiles ? { profiles: run.profiles } : {}),
        servers: serverCounts(config, new Map([[item, servers]])),
      });
      const sketches = new Map<string, QuantileSketch>();
      const router = createRouter(config, {
        backends: backend,
        clock,
        budget: createMemoryBudgetGuard({ ...budgetCaps(config), onAlert: () => undefined }),
        sinks: [
          {
            onAttempt: (attempt) => {
              // A call that timed out never gave a first token: it counts as its whole wait.
              if (!models.has(attempt.model)) return;
              let sketch = sketches.get(attempt.model);
              if (!sketch) sketches.set(attempt.model, (sketch = new QuantileSketch()));
              sketch.add(attempt.error ? attempt.latencyMs : attempt.ttftMs);
            },
          },
        ],
      });
      await replayConcurrently(requests, clock, async (request) => {
        try {
          await router.route(request);
        } catch (error) {
          // a budget reject: not a local call
          if (!(error instanceof BudgetExhaustedError)) throw error;
        }
      });
      const queue = backend.capacityStats()[item];
      return {
        // Every model on the item must meet the target: the slowest model's p95 counts.
        p95: Math.max(0, ...[...sketches.values()].map((sketch) => sketch.quantile(0.95))),
        waitP95: queue?.waitMs.p95 ?? 0,
        timedOut: queue?.timedOut ?? 0,
        timedOutWaiting: queue?.timedOutWaiting ?? 0,
      };
    };
    const cache = new Map<number, Trial>();
    const measure = async (n: number): Promise<Trial> => {
      if (!cache.has(n)) cache.set(n, await trial(n));
      return cache.get(n)!;
    };
    const configured = stats.servers;
    const p95AtConfiguredMs = (await measure(configured)).p95;
    // A call that times out while it runs (its own prefill and decode outlast its timeout) is not the
    // machines' count's to fix: keeping up means no call gave up waiting for a slot, and waits are short.
    const keeping = (t: Trial): boolean => t.timedOutWaiting === 0 && t.waitP95 <= 0.1 * targetP95Ms;
    const meeting = (t: Trial): boolean => t.p95 <= targetP95Ms;
    const bound = demandBound(stats);
    // More machines never lengthen the wait: the smallest count passing a test, searched from the demand
    // bound. Where the bound passes, the count just below it is tried (an overloaded run's demand counts the
    // retries of calls that timed out, so it can overstate); else the count grows by half until one passes,
    // then bisects.
    const smallest = async (passes: (t: Trial) => boolean): Promise<number | null> => {
      if (bound > SERVERS_CEILING) return null;
      let lo: number;
      let hi: number;
      if (passes(await measure(bound))) {
        if (bound === 1 || !passes(await measure(bound - 1))) return bound;
        [lo, hi] = [0, bound - 1];
      } else {
        lo = bound;
        hi = bound;
        while (!passes(await measure(hi))) {
          lo = hi;
          hi = Math.max(hi + 1, Math.ceil(hi * 1.5));
          // One machine per call of the hour leaves nothing to wait for; past that the test cannot pass.
          if (hi > Math.max(requests.length, bound) * 2) return null;
        }
      }
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (passes(await measure(mid))) hi = mid;
        else lo = mid;
      }
      return hi;
    };
    const keepsUp = await smallest(keeping);
    // Once the calls keep up, more machines change nothing: a target missed there is out of their reach.
    const floor =
      keepsUp !== null && !meeting(await measure(keepsUp))
        ? { servers: keepsUp, p95Ms: (await measure(keepsUp)).p95 }
        : undefined;
    const needed = floor || keepsUp === null || options.keepUpOnly ? null : await smallest(meeting);
    const p95AtNeededMs = needed === null ? null : (await measure(needed)).p95;
    out[item] = {
      targetP95Ms,
      peakHourStartMs: from,
      requests: requests.length,
      p95AtConfiguredMs,
      configured,
      needed,
      p95AtNeededMs,
      keepsUp,
      demandBound: bound,
      ...(floor ? { floor } : {}),
    };
  }
  return out;
}

/**
 * The fewest machines the item's demand allows: per model, the full-batch work its peak hour asks of its
 * slots (a share of what the configured machines' slots do) times the configured count, rounded up; the
 * largest over the item's models, at least 1.
 */
export function demandBound(stats: Pick<ServerStats, 'servers' | 'demand'>): number {
  let bound = 1;
  for (const d of Object.values(stats.demand))
    bound = Math.max(bound, Math.ceil(d.peakHour * stats.servers - 1e-9));
  return bound;
}
