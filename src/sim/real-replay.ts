import { BudgetExhaustedError } from '../backends/errors.js';
import { createRealBackends } from '../backends/real-backends.js';
import { withEndpoint } from '../config/endpoint-override.js';
import { createRouter } from '../router/router.js';
import type { RouteRequest } from '../router/types.js';
import { createRealClock } from '../core/clock.js';
import { createRng, deriveSeed } from '../core/rng.js';
import { RunAggregator } from './run-aggregator.js';
import { baselineConfig } from './counterfactual-config.js';
import type { RealLoad, RunKind, RunOutcome, SimulationHooks } from './run-types.js';
import type { MaterialisedRun } from './run-spec.js';

/**
 * Sends a workload to the real backends on the real clock, through the same router: a bounded number of
 * requests in flight, optionally paced at a rate. Requests keep their workload arrival times for per-day
 * figures and the budget day.
 */
export async function runReal(
  run: MaterialisedRun,
  kind: RunKind,
  load: RealLoad,
  hooks: SimulationHooks = {},
): Promise<RunOutcome> {
  const base = load.baseUrl ? withEndpoint(run.config, load.baseUrl) : run.config;
  const config = kind === 'hybrid' ? base : baselineConfig({ ...run, config: base });
  const clock = createRealClock();
  const backends = createRealBackends({
    clock,
    configFile: load.configFile,
    ...(load.env ? { env: load.env } : {}),
  });
  const aggregator = new RunAggregator(run.startMs);
  const router = createRouter(config, {
    backends,
    clock,
    sinks: [
      aggregator,
      ...(kind === 'hybrid' && hooks.onHybridResult ? [{ onRequest: hooks.onHybridResult }] : []),
    ],
  });
  // Models an in-process engine serves are loaded (and run once) before the first request is timed.
  for (const model of config.models.filter((m) => m.enabled)) await backends[model.provider].prepare?.(model);
  const concurrency = Math.max(1, load.concurrency ?? (load.asRecorded ? Infinity : 1));
  const gaps = createRng(deriveSeed(run.seed, 'real-rate'));
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let done = 0;
  let first: number | undefined;
  let last: number | undefined;
  let nextStart = performance.now();
  let wallOrigin: number | undefined;
  const every = hooks.progressEvery ?? 10;

  const send = async (request: RouteRequest): Promise<void> => {
    try {
      await router.route(request);
    } catch (error) {
      if (error instanceof BudgetExhaustedError) aggregator.onRejected(error.name);
      else failure ??= error;
    }
    if (++done % every === 0) hooks.onProgress?.(kind, done);
  };

  for await (const request of run.workload() as AsyncIterable<RouteRequest>) {
    if (failure) break;
    const at = request.arrivalMs ?? clock.now();
    if (first === undefined) {
      first = at;
      aggregator.startAt(at);
    }
    last = at;
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (load.asRecorded) {
      wallOrigin ??= performance.now();
      const wait = wallOrigin + (at - first) - performance.now();
      if (wait > 0) await clock.sleep(wait);
    } else if (load.rate) {
      const wait = nextStart - performance.now();
      if (wait > 0) await clock.sleep(wait);
      const gap = load.poisson ? -Math.log(1 - gaps()) / load.rate : 1 / load.rate;
      nextStart = Math.max(nextStart, performance.now()) + gap * 1000;
    }
    const promise = send(request).finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  hooks.onProgress?.(kind, done);
  return { stats: aggregator.stats(), firstArrivalMs: first, lastArrivalMs: last };
}
