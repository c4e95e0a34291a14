import type { ServerStats } from '../backends/simulated/simulated-backend.js';
import { parseConfig } from '../config/load-config.js';
import type { RouterConfig } from '../config/router-config.js';
import { DEFAULT_LOCAL_P95_MS, serversNeeded, type ServersNeeded } from './servers-needed.js';
import type { MaterialisedRun, RunSpec } from './run-spec.js';

/**
 * What the verdict's hybrid run is, against the run as configured: the budget cap lifted (a cap refuses
 * requests, which is not a saving), and each hardware item at the count that carries the load when the
 * configured machines could not (unless `--servers` pinned the counts).
 */
export interface VerdictBasis {
  /** The configured run was budget-capped, so the verdict's run has no cap. */
  uncapped: boolean;
  /** `--servers` pinned the counts: the verdict runs at them and says what they leave unserved. */
  pinned: boolean;
  /** Per hardware item simulated as a queue: machines configured and in the verdict's run. */
  fleet: FleetCount[];
  /** Whether a whole replay at the verdict's counts kept up (no call gave up waiting for a slot). */
  keptUp: boolean;
}

export interface FleetCount {
  item: string;
  description: string;
  configured: number;
  verdict: number;
  /** The count was raised to carry the load. */
  sized: boolean;
  /** The configured machines could not keep up (work asked above 100% in the peak hour, or calls gave up). */
  overloaded: boolean;
}

/** Whether an item's machines cannot carry its load: more work asked than its slots do, or calls gave up. */
export function overloaded(stats: ServerStats): boolean {
  return stats.timedOutWaiting > 0 || Object.values(stats.demand).some((d) => d.peakHour >= 1);
}

/** Whether `--servers` (or `--set servers.NAME=N`) pinned the machine counts. */
export function pinnedServers(spec: RunSpec): boolean {
  return (spec.config.sets ?? []).some((s) => s.startsWith('servers.'));
}

/**
 * The run's config with these machine counts (as `--servers NAME=N` would set them): the counts and every
 * cost that follows from them (hardware, idle energy); all else as the run has it.
 */
export function withServerCounts(
  run: MaterialisedRun,
  spec: RunSpec,
  counts: ReadonlyMap<string, number>,
): MaterialisedRun {
  const sets = [...(spec.config.sets ?? []), ...[...counts].map(([item, n]) => `servers.${item}=${n}`)];
  const parsed = parseConfig(spec.config.text, spec.config.file, run.scenario?.config_overrides, sets);
  return { ...run, config: { ...run.config, localCosts: parsed.localCosts } };
}

/** The machines a verdict run keeps up with, per item, from a sizing of the load. */
function sizedCounts(
  capacity: Record<string, ServerStats>,
  needed: Record<string, ServersNeeded>,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [item, stats] of Object.entries(capacity)) {
    const keepsUp = needed[item]?.keepsUp;
    if (overloaded(stats) && keepsUp != null && keepsUp > stats.servers) counts.set(item, keepsUp);
  }
  return counts;
}

export interface LikeForLike<Outcome> {
  /** The run the verdict is on: at the verdict's machine counts (its config prices them). */
  run: MaterialisedRun;
  verdict: Outcome;
  basis: VerdictBasis;
  /** The run as configured, when the verdict's differs from it. */
  asConfigured?: Outcome;
  serversNeeded?: Record<string, ServersNeeded>;
}

/** Runs the hybrid once, with a config in place of the run's own, and the run it belongs to. */
export type HybridRunner<Outcome> = (
  run: MaterialisedRun,
  config: RouterConfig,
  label: 'uncapped' | 'sized fleet',
) => Promise<Outcome>;

/** Most times a whole replay at the sized counts is followed by a larger count when it did not keep up. */
const VERIFY_ROUNDS = 4;

/**
 * From the configured hybrid run, the run a verdict can stand on: the same requests answered, on machines
 * that carry them. A capped run is re-run without the cap; an item whose machines cannot keep up (and whose
 * count `--servers` did not pin) is sized by a search from the demand bound, and the whole workload replayed
 * at that count to verify it, with a larger count where it still falls behind.
 */
export async function likeForLike<Outcome extends { capacity?: Record<string, ServerStats> }>(
  run: MaterialisedRun,
  spec: RunSpec,
  configured: Outcome & { stats: { budgetLimited: number; rejected: number } },
  runHybrid: HybridRunner<Outcome>,
  uncap: (config: RouterConfig) => RouterConfig,
): Promise<LikeForLike<Outcome>> {
  const target = run.localP95Ms ?? DEFAULT_LOCAL_P95_MS;
  const capped = configured.stats.budgetLimited > 0 || configured.stats.rejected > 0;
  const pinned = pinnedServers(spec);
  const fleetOf = (verdict: Outcome, verdictRun: MaterialisedRun): FleetCount[] =>
    Object.entries(configured.capacity ?? {}).map(([item, stats]) => {
      const hardware = verdictRun.config.localCosts.hardware.find((h) => h.name === item);
      const count = verdict.capacity?.[item]?.servers ?? stats.servers;
      return {
        item,
        description: hardware?.description ?? item,
        configured: stats.servers,
        verdict: count,
        sized: count > stats.servers,
        overloaded: overloaded(stats),
      };
    });
  const keptUp = (outcome: Outcome): boolean =>
    Object.values(outcome.capacity ?? {}).every((s) => s.timedOutWaiting === 0);
  const configuredOverloaded = Object.values(configured.capacity ?? {}).some(overloaded);
  if (!capped && (!configuredOverloaded || pinned)) {
    const needed = configured.capacity ? await serversNeeded(run, configured.capacity, target) : undefined;
    return {
      run,
      verdict: configured,
      basis: { uncapped: false, pinned, fleet: fleetOf(configured, run), keptUp: keptUp(configured) },
      ...(needed ? { serversNeeded: needed } : {}),
    };
  }
  const atConfigured = capped ? await runHybrid(run, uncap(run.config), 'uncapped') : configured;
  const needed = atConfigured.capacity
    ? await serversNeeded(run, atConfigured.capacity, target, { config: uncap(run.config) })
    : undefined;
  let counts = pinned || !needed ? new Map<string, number>() : sizedCounts(atConfigured.capacity!, needed);
  let verdictRun = run;
  let verdict = atConfigured;
  for (let round = 0; counts.size > 0 && round <= VERIFY_ROUNDS; round++) {
    verdictRun = withServerCounts(run, spec, counts);
    verdict = await runHybrid(verdictRun, uncap(verdictRun.config), 'sized fleet');
    // The sizing replays the busiest hour from empty queues; the whole trace can carry a backlog into it.
    const behind = new Map<string, number>();
    for (const [item, n] of counts)
      if ((verdict.capacity?.[item]?.timedOutWaiting ?? 0) > 0) behind.set(item, Math.ceil(n * 1.1));
    if (behind.size === 0) break;
    if (round < VERIFY_ROUNDS) counts = new Map([...counts, ...behind]);
  }
  return {
    run: verdictRun,
    verdict,
    basis: { uncapped: capped, pinned, fleet: fleetOf(verdict, verdictRun), keptUp: keptUp(verdict) },
    asConfigured: configured,
    ...(needed ? { serversNeeded: needed } : {}),
  };
}
