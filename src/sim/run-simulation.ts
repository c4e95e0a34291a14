import { Worker } from 'node:worker_threads';
import { BudgetExhaustedError } from '../backends/errors.js';
import { createSimulatedBackend, type ServerStats } from '../backends/simulated/simulated-backend.js';
import type { Alternative, RouterConfig } from '../config/router-config.js';
import { createRouter, type RouterSink } from '../router/router.js';
import { budgetCaps, createMemoryBudgetGuard } from '../ledger/budget-guard.js';
import type { RouteRequest, RouteResult } from '../router/types.js';
import { baselineChains } from '../config/baseline-model.js';
import { EventClock } from '../core/event-clock.js';
import { replayConcurrently } from './concurrent-replay.js';
import { serverCounts } from './server-layout.js';
import type { ServersNeeded } from './servers-needed.js';
import { serversAtSequences } from './sequences-sizing.js';
import { likeForLike, type VerdictBasis } from './like-for-like.js';
import { RunAggregator, type RunStats } from './run-aggregator.js';
import { loadRunAnswers, materialise, type MaterialisedRun, type RunSpec } from './run-spec.js';
import { createRecordedAnswersBackend } from '../backends/recorded/recorded-answers-backend.js';
import type { RoutedRow } from './cost-quality-curve.js';
import { evaluateRecordedQuality, type RecordedQuality } from './recorded-quality.js';
import type { WeightVariant } from './weight-variant.js';
import { runReal, type RealLoad } from './real-replay.js';

export type { Workload } from './concurrent-replay.js';
export type RunKind = 'hybrid' | 'baseline';
/** What a progress report counts: one of the two runs, or a re-run the verdict stands on. */
export type ProgressRun = RunKind | 'uncapped' | 'sized fleet';

export interface SimulationHooks {
  /**
   * Receives every result of the hybrid run the verdict is on (e.g. the requests.jsonl writer). A re-run
   * (uncapped, or at the sized fleet) calls `onHybridRestart` first: what came before is to be dropped.
   */
  onHybridResult?: (result: RouteResult) => void;
  onHybridRestart?: () => void;
  /** Called every `progressEvery` requests with the number done so far in that run. */
  onProgress?: (run: ProgressRun, done: number) => void;
  progressEvery?: number;
  /**
   * Run the baseline in a worker thread beside the hybrid run. Off by default: measured on 2 cores, the
   * worker's start-up and the contention cost more than the overlap saves (heavy year: 1.7 s in one thread,
   * 1.9–2.0 s with the worker). @default false
   */
  parallel?: boolean;
  /** Send the workload to the real backends on the real clock instead of simulating. */
  real?: RealLoad;
  /**
   * Re-run the API-only alternatives beyond the premium one (the baseline). Off only to measure what they
   * add (bench:sim). @default true
   */
  alternatives?: boolean;
  /** With recorded answers: the accuracy the recommended threshold must reach (else the best gain over random). */
  targetAccuracy?: number;
  /** With recorded answers: further scoring variants to sweep. */
  weightVariants?: readonly WeightVariant[];
}

export interface RunOutcome {
  stats: RunStats;
  firstArrivalMs: number | undefined;
  lastArrivalMs: number | undefined;
  /** Per labelled request, with recorded answers only: what the router returned against the labels. */
  rows?: RoutedRow[];
  /** Requests left out of `rows` because an answer came from a profile, not the file. */
  profileRows?: number;
  /** Local servers with a capacity profile: utilisation, queue waits, timeouts (per hardware item). */
  capacity?: Record<string, ServerStats>;
}

/** An API-only alternative and its counterfactual run. */
export interface AlternativeOutcome {
  alternative: Alternative;
  outcome: RunOutcome;
}

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

/** The hybrid config without its budget caps: the uncapped counterfactual of a budget-limited run. */
export function uncappedConfig(config: RouterConfig): RouterConfig {
  return {
    ...config,
    dailyBudgetUsd: Number.POSITIVE_INFINITY,
    weeklyBudgetUsd: undefined,
    monthlyBudgetUsd: undefined,
  };
}

/**
 * The pure-API counterfactual: the same router with prefer_local off. Self-critique is off too (a pure-API
 * deployment has no local model to ask), and so is the daily budget: the baseline is what the same load
 * would cost without the router, not what a capped router would let through.
 */
export function pureApiConfig(config: RouterConfig): RouterConfig {
  return {
    ...config,
    preferLocal: false,
    selfCritique: false,
    dailyBudgetUsd: Number.POSITIVE_INFINITY,
    weeklyBudgetUsd: undefined,
    monthlyBudgetUsd: undefined,
  };
}

/** The pure-API baseline: the premium chain, or everything to `--baseline-model`. */
export function baselineConfig(run: Pick<MaterialisedRun, 'config' | 'baselineModel'>): RouterConfig {
  const pure = pureApiConfig(run.config);
  return run.baselineModel ? { ...pure, chainOverride: baselineChains(run.baselineModel.model) } : pure;
}

/**
 * An API-only alternative's counterfactual config: pure API (no self-critique, no budget), walking the
 * alternative's chain per complexity. The premium alternative is the pure-API config itself.
 */
export function alternativeConfig(config: RouterConfig, alternative: Alternative): RouterConfig {
  const pure = pureApiConfig(config);
  return alternative.premium ? pure : { ...pure, chainOverride: alternative.chains };
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
 * as pure API (baseline). Same workload, same seed; only prefer_local differs. With `parallel` the baseline
 * runs in a worker thread at the same time.
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
  const parallel = hooks.parallel ?? false;
  const baselinePromise = parallel ? runInWorker(spec, 'baseline', hooks) : undefined;
  // Keep a rejected worker from being reported as unhandled while the hybrid run is still going.
  baselinePromise?.catch(() => undefined);
  const configured = await runOnce(run, 'hybrid', hooks);
  const baseline = baselinePromise ? await baselinePromise : await runOnce(run, 'baseline', hooks);
  const alternatives =
    hooks.alternatives === false
      ? run.config.alternatives
          .filter((a) => a.premium && !run.baselineModel)
          .map((alternative) => ({ alternative, outcome: baseline }))
      : await runAlternatives(run, baseline, {});
  return { ...(await verdictRun(run, spec, configured, hooks)), baseline, alternatives };
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

/** Runs one of the two runs in this thread. */
export async function runOnce(
  run: MaterialisedRun,
  kind: RunKind,
  hooks: SimulationHooks,
  /** A counterfactual config in place of the kind's own (an alternative's). */
  counterfactual?: RouterConfig,
): Promise<RunOutcome> {
  const config = counterfactual ?? (kind === 'hybrid' ? run.config : baselineConfig(run));
  const clock = new EventClock(run.startMs);
  let started = false;
  const simulated = createSimulatedBackend({
    seed: run.seed,
    clock,
    faultRates: run.faults,
    ...(run.profiles ? { profiles: run.profiles } : {}),
    servers: serverCounts(config),
  });
  const answers = run.answers;
  const backend = answers
    ? createRecordedAnswersBackend({ table: answers.table, mapping: answers.mapping, fallback: simulated })
    : simulated;
  const aggregator = new RunAggregator(run.startMs);
  const sinks: RouterSink[] = [aggregator];
  const rows: RoutedRow[] | undefined = answers ? [] : undefined;
  let profileRows = 0;
  if (answers && rows)
    sinks.push({
      onRequest: (result) => {
        if (!collectRow(result, answers, rows)) profileRows++;
      },
    });
  if (kind === 'hybrid' && hooks.onHybridResult) sinks.push({ onRequest: hooks.onHybridResult });
  // The same budget logic on the virtual clock; alerts stay quiet (a year would print hundreds).
  const budget = createMemoryBudgetGuard({ ...budgetCaps(config), onAlert: () => undefined });
  const router = createRouter(config, { backends: backend, clock, sinks, budget });
  const every = hooks.progressEvery ?? 5000;
  const route = async (request: RouteRequest): Promise<void> => {
    try {
      await router.route(request);
    } catch (error) {
      // Failures inside the loop are data: a refused request is counted, the run goes on.
      if (!(error instanceof BudgetExhaustedError)) throw error;
      aggregator.onRejected(error.name);
    }
  };
  // Requests overlap on the event clock as they would in production; the aggregator's window starts at the
  // first arrival.
  const {
    done,
    firstArrivalMs: first,
    lastArrivalMs: last,
  } = await replayConcurrently(
    run.workload(),
    clock,
    (request) => {
      if (!started) {
        started = true;
        aggregator.startAt(request.arrivalMs ?? clock.now());
      }
      return route(request);
    },
    (count) => {
      if (count % every === 0) hooks.onProgress?.(kind, count);
    },
  );
  hooks.onProgress?.(kind, done);
  const capacity = simulated.capacityStats();
  return {
    stats: aggregator.stats(),
    firstArrivalMs: first,
    lastArrivalMs: last,
    ...(rows ? { rows, profileRows } : {}),
    ...(Object.keys(capacity).length ? { capacity } : {}),
  };
}

/**
 * Records a labelled request's outcome beside what the weak and strong recorded answers were worth. A
 * request any of whose answers came from a profile rather than the file is left out (returns false): its
 * correctness would be a simulated draw, not a label.
 */
function collectRow(
  result: RouteResult,
  answers: NonNullable<MaterialisedRun['answers']>,
  rows: RoutedRow[],
): boolean {
  const recorded = answers.table.rows.get(result.id);
  const weak = answers.weakSource === undefined ? undefined : recorded?.get(answers.weakSource)?.correct;
  const strong =
    answers.strongSource === undefined ? undefined : recorded?.get(answers.strongSource)?.correct;
  if (result.attempts.some((a) => a.answerSource === 'profile')) return false;
  if (weak === undefined || strong === undefined || result.correct === undefined) return true;
  rows.push({
    weakCorrect: weak,
    strongCorrect: strong,
    correct: result.correct,
    usedStrong: result.attempts.some((a) => a.tier === 'API_FALLBACK' && !a.error),
  });
  return true;
}

/** Messages from the simulation worker. */
export type WorkerMessage =
  | { type: 'progress'; done: number }
  | { type: 'done'; outcome: RunOutcome }
  | { type: 'error'; name: string; message: string; file?: string; line?: number; column?: number };

function runInWorker(spec: RunSpec, kind: RunKind, hooks: SimulationHooks): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    // From the sources, a plain-JavaScript entry registers tsx in the worker; the compiled copy runs as is.
    const entry = import.meta.url.endsWith('.ts') ? './simulation-worker.mjs' : './simulation-worker-main.js';
    const worker = new Worker(new URL(entry, import.meta.url), {
      workerData: { spec, kind, progressEvery: hooks.progressEvery ?? 5000 },
      // Streaming aggregation keeps live data small; a modest heap keeps the worker's memory modest too.
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 },
    });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') hooks.onProgress?.(kind, message.done);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.outcome);
      } else {
        settled = true;
        const error = new Error(message.message);
        error.name = message.name;
        Object.assign(error, { file: message.file, line: message.line, column: message.column });
        reject(error);
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the ${kind} simulation worker stopped with exit code ${code}`));
    });
  });
}
