import { createSimulatedBackend, type ServerStats } from '../backends/simulated/simulated-backend.js';
import { BudgetExhaustedError } from '../backends/errors.js';
import { EventClock } from '../core/event-clock.js';
import { replayConcurrently } from './concurrent-replay.js';
import { serverCounts } from './server-layout.js';
import { QuantileSketch } from '../core/quantile-sketch.js';
import { createMemoryBudgetGuard, budgetCaps } from '../ledger/budget-guard.js';
import { createRouter } from '../router/router.js';
import type { RouteRequest } from '../router/types.js';
import type { MaterialisedRun } from './run-spec.js';

/**
 * p95 time to first token of local calls the servers are sized for when a scenario sets none (an
 * assumption). Time to first token — queue wait plus prefill — measures capacity; the whole answer's time
 * also grows with its length, which more servers cannot shorten.
 */
export const DEFAULT_LOCAL_P95_MS = 5_000;
/** The most servers tried before saying the target cannot be met. */
const MAX_SERVERS = 64;
const HOUR_MS = 3_600_000;

interface Trial {
  /** TTFT p95 of the item's local calls, ms: the largest of its models'. */
  p95: number;
  /** Queue-wait p95 on the item, ms. */
  waitP95: number;
  timedOut: number;
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
   * target) and none times out: the machines that keep up with the load, whatever the target. Null when even
   * MAX_SERVERS do not.
   */
  keepsUp: number | null;
  /**
   * When no count meets the target because, once the calls stop waiting, they still miss it: their own
   * prefill and decode are too slow for it. The count that keeps up and the p95 there.
   */
  floor?: { servers: number; p95Ms: number };
}

/**
 * For each hardware item simulated as a queue: replays the hybrid run's busiest hour for it with 1, 2, 4, …
 * machines, then bisects, for two counts: the one that keeps up (calls hardly wait, none times out) and the
 * one that meets the p95 target for time to first token. A target the calls miss even when they no longer
 * wait is out of reach of more machines. The hour starts with empty queues (a backlog carried in from the hour
 * before is not replayed).
 */
export async function serversNeeded(
  run: MaterialisedRun,
  capacity: Record<string, ServerStats>,
  targetP95Ms: number,
): Promise<Record<string, ServersNeeded>> {
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
        servers: serverCounts(run.config, new Map([[item, servers]])),
      });
      const sketches = new Map<string, QuantileSketch>();
      const router = createRouter(run.config, {
        backends: backend,
        clock,
        budget: createMemoryBudgetGuard({ ...budgetCaps(run.config), onAlert: () => undefined }),
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
      };
    };
    const cache = new Map<number, Trial>();
    const measure = async (n: number): Promise<Trial> => {
      if (!cache.has(n)) cache.set(n, await trial(n));
      return cache.get(n)!;
    };
    const configured = stats.servers;
    const p95AtConfiguredMs = (await measure(configured)).p95;
    const keeping = (t: Trial): boolean => t.timedOut === 0 && t.waitP95 <= 0.1 * targetP95Ms;
    const meeting = (t: Trial): boolean => t.p95 <= targetP95Ms;
    // More machines never lengthen the wait: the smallest count passing a test, by doubling then bisecting.
    const smallest = async (passes: (t: Trial) => boolean): Promise<number | null> => {
      let hi = 1;
      while (hi <= MAX_SERVERS && !passes(await measure(hi))) hi *= 2;
      if (hi > MAX_SERVERS) return null;
      let lo = Math.floor(hi / 2); // fails (or 0)
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
    const needed = floor ? null : await smallest(meeting);
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
      ...(floor ? { floor } : {}),
    };
  }
  return out;
}
