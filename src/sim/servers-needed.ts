import { createSimulatedBackend, type ServerStats } from '../backends/simulated/simulated-backend.js';
import { createVirtualClock } from '../core/clock.js';
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

/** How many machines of one hardware item the workload's busiest hour needs. */
export interface ServersNeeded {
  /** p95 time to first token of the item's local calls the count must meet, ms. */
  targetP95Ms: number;
  /** The busiest hour of the hybrid run, which is replayed. */
  peakHourStartMs: number;
  requests: number;
  /** p95 of the item's local calls in that hour with the configured count, ms. */
  p95AtConfiguredMs: number;
  configured: number;
  /** The smallest count that meets the target; null when even MAX_SERVERS does not. */
  needed: number | null;
  p95AtNeededMs: number | null;
}

/**
 * For each hardware item simulated as a queue: replays the hybrid run's busiest hour for it with 1, 2, 3, …
 * machines until the p95 latency of the local calls on it meets the target. The hour starts with empty
 * queues (a backlog carried in from the hour before is not replayed).
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
    const p95With = async (servers: number): Promise<number> => {
      const clock = createVirtualClock(from);
      const counts = new Map(run.config.localCosts.hardware.map((h) => [h.name, h.count]));
      counts.set(item, servers);
      const backend = createSimulatedBackend({
        seed: run.seed,
        clock,
        faultRates: run.faults,
        ...(run.profiles ? { profiles: run.profiles } : {}),
        servers: counts,
      });
      const sketch = new QuantileSketch();
      const router = createRouter(run.config, {
        backends: backend,
        clock,
        budget: createMemoryBudgetGuard({ ...budgetCaps(run.config), onAlert: () => undefined }),
        sinks: [
          {
            onAttempt: (attempt) => {
              // A call that timed out never gave a first token: it counts as its whole wait.
              if (models.has(attempt.model)) sketch.add(attempt.error ? attempt.latencyMs : attempt.ttftMs);
            },
          },
        ],
      });
      for (const request of requests) {
        clock.set(request.arrivalMs!);
        try {
          await router.route(request);
        } catch {
          // a budget reject: not a local call
        }
      }
      return sketch.count ? sketch.quantile(0.95) : 0;
    };
    const configured = stats.servers;
    const p95AtConfiguredMs = await p95With(configured);
    // More machines never lengthen the wait: double until the target is met, then bisect.
    const cache = new Map<number, number>([[configured, p95AtConfiguredMs]]);
    const at = async (n: number): Promise<number> => {
      if (!cache.has(n)) cache.set(n, await p95With(n));
      return cache.get(n)!;
    };
    let hi = 1;
    while (hi <= MAX_SERVERS && (await at(hi)) > targetP95Ms) hi *= 2;
    let needed: number | null = null;
    let p95AtNeededMs: number | null = null;
    if (hi <= MAX_SERVERS) {
      let lo = Math.floor(hi / 2); // fails the target (or 0)
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await at(mid)) <= targetP95Ms) hi = mid;
        else lo = mid;
      }
      needed = hi;
      p95AtNeededMs = await at(hi);
    }
    out[item] = {
      targetP95Ms,
      peakHourStartMs: from,
      requests: requests.length,
      p95AtConfiguredMs,
      configured,
      needed,
      p95AtNeededMs,
    };
  }
  return out;
}
