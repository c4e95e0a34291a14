import { availableParallelism } from 'node:os';
import type { RouterConfig } from '../config/router-config.js';
import { alternativeConfig, uncappedConfig } from './counterfactual-config.js';
import type { ServersNeeded } from './servers-needed.js';
import { serversAtSequences } from './sequences-sizing.js';
import { likeForLike, type VerdictBasis } from './like-for-like.js';
import { loadRunAnswers, materialise, type MaterialisedRun, type RunSpec } from './run-spec.js';
import { evaluateRecordedQuality, type RecordedQuality } from './recorded-quality.js';
import { runReal } from './real-replay.js';
import { runPassesInWorkers } from './run-in-worker.js';
import { runOnce } from './run-once.js';
import type { AlternativeOutcome, RunOutcome, SimulationHooks } from './run-types.js';

export type { Workload } from './concurrent-replay.js';
export type {
  AlternativeOutcome,
  ProgressRun,
  RealLoad,
  RunKind,
  RunOutcome,
  SimulationHooks,
  WorkerMessage,
} from './run-types.js';
export { alternativeConfig, baselineConfig, pureApiConfig, uncappedConfig } from './counterfactual-config.js';
export { runOnce } from './run-once.js';

export interface SimulationOutput {
  /** The run the verdict is on: its config prices the verdict's machine counts. */
  run: MaterialisedRun;
  /**
   * The hybrid run the verdict is on: the same requests as the alternatives answer, with no budget cap and on
   * machines that carry the load (see `verdictBasis`).
   */
  hybrid: RunOutcome;
  /** The pure-API (premium) run. */
  baseline: RunOutcome;
  /** Every API-only alternative with its run (the premium one shares the baseline's). */
  alternatives: AlternativeOutcome[];
  /** Accuracy against the recorded labels, the comparison routers and the threshold sweep (`--answers`). */
  recordedQuality?: RecordedQuality;
  /** How the verdict's hybrid run differs from the run as configured. */
  verdictBasis?: VerdictBasis;
  /**
   * The hybrid run as configured (budget cap, machine counts), when the verdict's run differs from it: a
   * what-if, with the config that prices it.
   */
  asConfigured?: { outcome: RunOutcome; config: RouterConfig };
  /** Per hardware item simulated as a queue: the machines its busiest hour needs to meet the p95 target. */
  serversNeeded?: Record<string, ServersNeeded>;
  /** Per hardware item: the machines that keep up if every local model ran four sequences at once. */
  serversAtFourSequences?: Record<string, number | null>;
}

/** Runs the alternatives other than the premium one (which is the baseline run) on the virtual clock. */
async function runAlternatives(
  run: MaterialisedRun,
  baseline: RunOutcome,
  hooks: SimulationHooks,
): Promise<AlternativeOutcome[]> {
  const outcomes: AlternativeOutcome[] = [];
  for (const alternative of run.config.alternatives)
    outcomes.push({
      alternative,
      outcome:
        alternative.premium && !run.baselineModel
          ? baseline
          : await runOnce(run, 'baseline', hooks, alternativeConfig(run.config, alternative)),
    });
  return outcomes;
}

/**
 * Replays one workload through the production router on a virtual clock: once as configured (hybrid), once
 * as pure API (baseline). Same workload, same seed; only prefer_local differs. With `parallel` (the default
 * where there is more than one core) the baseline and the alternatives run in worker threads, one a core
 * beside this thread's, at the same time as the hybrid run.
 */
export async function runSimulation(spec: RunSpec, hooks: SimulationHooks = {}): Promise<SimulationOutput> {
  const run = materialise(spec);
  await loadRunAnswers(run, spec);
  if (run.answers) {
    // Recorded answers are small and held in memory; the sweep re-runs the router at each threshold.
    const configured = await runOnce(run, 'hybrid', hooks);
    const baseline = await runOnce(run, 'baseline', hooks);
    const alternatives = await runAlternatives(run, baseline, {});
    const verdict = await verdictRun(run, spec, configured, hooks);
    const recordedQuality = await evaluateRecordedQuality(verdict.run, verdict.hybrid, baseline, {
      ...(hooks.targetAccuracy === undefined ? {} : { targetAccuracy: hooks.targetAccuracy }),
      ...(hooks.weightVariants ? { variants: hooks.weightVariants } : {}),
    });
    return {
      ...verdict,
      baseline,
      alternatives,
      ...(recordedQuality ? { recordedQuality } : {}),
    };
  }
  if (hooks.real) {
    // Real servers: one run after the other, so the baseline does not compete with the hybrid run for them.
    const hybrid = await runReal(run, 'hybrid', hooks.real, hooks);
    const baseline = await runReal(run, 'baseline', hooks.real, hooks);
    // Real servers replay the premium alternative only: each further one would be another real run.
    const premium = run.config.alternatives.filter((a) => a.premium && !run.baselineModel);
    return {
      run,
      hybrid,
      baseline,
      alternatives: premium.map((alternative) => ({ alternative, outcome: baseline })),
    };
  }
  // A streamed recorded workload's passes are mostly the hybrid ones, in this thread: on 2 cores a worker
  // saved 7% of a 500,000-row replay and added 76 MB of peak RSS (2026-12-03), so it waits for a third core.
  const parallel = hooks.parallel ?? availableParallelism() > (spec.workload.kind === 'recorded' ? 2 : 1);
  const wanted = hooks.alternatives === false ? [] : run.config.alternatives;
  // With `parallel`, the baseline and every further alternative start in worker threads first (as many as
  // there are cores beside this one), and run beside the hybrid run and the verdict's re-runs in this thread.
  const passes = [
    {},
    ...wanted
      .filter((alternative) => !(alternative.premium && !run.baselineModel))
      .map((alternative) => ({ alternative: alternative.name })),
  ];
  const inWorkers = parallel ? runPassesInWorkers(spec, passes, hooks) : undefined;
  const started = inWorkers
    ? {
        baseline: inWorkers[0]!,
        alternatives: wanted.map((alternative) => {
          const at = passes.findIndex((p) => 'alternative' in p && p.alternative === alternative.name);
          return at < 0 ? undefined : inWorkers[at];
        }),
      }
    : undefined;
  // Keep a rejected worker from being reported as unhandled while this thread's runs are still going.
  for (const promise of [started?.baseline, ...(started?.alternatives ?? [])])
    promise?.catch(() => undefined);
  const configured = await runOnce(run, 'hybrid', hooks);
  if (!started) {
    const baseline = await runOnce(run, 'baseline', hooks);
    const alternatives =
      hooks.alternatives === false ? premiumOnly(run, baseline) : await runAlternatives(run, baseline, {});
    return { ...(await verdictRun(run, spec, configured, hooks)), baseline, alternatives };
  }
  const verdict = await verdictRun(run, spec, configured, hooks);
  const baseline = await started.baseline;
  // Each pass in a worker read the workload once more.
  run.workloadReads.count += passes.length;
  const alternatives: AlternativeOutcome[] = hooks.alternatives === false ? premiumOnly(run, baseline) : [];
  for (const [i, alternative] of wanted.entries())
    alternatives.push({ alternative, outcome: (await started.alternatives[i]) ?? baseline });
  return { ...verdict, baseline, alternatives };
}

/** The premium alternative alone (the baseline run), when the others are not re-run. */
function premiumOnly(run: MaterialisedRun, baseline: RunOutcome): AlternativeOutcome[] {
  return run.config.alternatives
    .filter((a) => a.premium && !run.baselineModel)
    .map((alternative) => ({ alternative, outcome: baseline }));
}

/**
 * The hybrid run the verdict stands on (uncapped, on machines that carry the load), the run as configured
 * beside it when they differ, the servers needed, and the servers needed at four sequences at once.
 */
async function verdictRun(
  run: MaterialisedRun,
  spec: RunSpec,
  configured: RunOutcome,
  hooks: SimulationHooks,
): Promise<
  Pick<SimulationOutput, 'run' | 'hybrid' | 'verdictBasis' | 'asConfigured' | 'serversNeeded'> &
    Pick<SimulationOutput, 'serversAtFourSequences'>
> {
  const chosen = await likeForLike(
    run,
    spec,
    configured,
    (again, config, label) => {
      hooks.onHybridRestart?.();
      const onProgress = hooks.onProgress;
      return runOnce(
        again,
        'hybrid',
        { ...hooks, ...(onProgress ? { onProgress: (_run, done) => onProgress(label, done) } : {}) },
        config,
      );
    },
    uncappedConfig,
  );
  const hybrid = chosen.verdict;
  const atFour = hybrid.capacity
    ? await serversAtSequences(chosen.run, hybrid.capacity, 4, uncappedConfig(chosen.run.config))
    : undefined;
  return {
    run: chosen.run,
    hybrid,
    ...(hybrid.capacity || chosen.asConfigured ? { verdictBasis: chosen.basis } : {}),
    ...(chosen.asConfigured ? { asConfigured: { outcome: chosen.asConfigured, config: run.config } } : {}),
    ...(chosen.serversNeeded ? { serversNeeded: chosen.serversNeeded } : {}),
    ...(atFour ? { serversAtFourSequences: atFour } : {}),
  };
}
