// The types a simulation run is described by, shared by the modules that run it (run-once, real-replay,
// recorded-quality, the worker) and the one that composes them (run-simulation), so none imports another's
// implementation for a type.
import type { ServerStats } from '../backends/simulated/simulated-backend.js';
import type { RouteResult } from '../router/types.js';
import type { RoutedRow } from './cost-quality-curve.js';
import type { RunStats } from './run-aggregator.js';
import type { Alternative } from '../config/router-config.js';
import type { WeightVariant } from './weight-variant.js';

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
   * Run the baseline and every further API-only alternative in worker threads beside the hybrid run (one a
   * core beside this thread's, each re-reading the workload). The output is the same either way. @default
   * true where os.availableParallelism() is over 1.
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

export interface RealLoad {
  /** Requests in flight at once. @default 1 */
  concurrency?: number;
  /** Requests started per second (constant spacing, or exponential gaps with `poisson`); unset: as fast as concurrency allows. */
  rate?: number;
  poisson?: boolean;
  /**
   * Start each request at its recorded arrival, as an offset from the first (a trace replayed at its own
   * pace). `concurrency` then only caps requests in flight.
   */
  asRecorded?: boolean;
  /** Send every model to this server (e.g. hybridllm mock-server). */
  baseUrl?: string;
  configFile: string;
  env?: NodeJS.ProcessEnv;
}

/** Messages from the simulation worker. */
/** One pass a simulation worker runs: the baseline (no alternative), or an API-only alternative by name. */
export interface WorkerPass {
  alternative?: string;
}

/** What a simulation worker posts; `index` is the pass's position in the worker's list. */
export type WorkerMessage =
  | { type: 'progress'; index: number; done: number }
  | { type: 'done'; index: number; outcome: RunOutcome }
  | {
      type: 'error';
      index: number;
      name: string;
      message: string;
      file?: string;
      line?: number;
      column?: number;
    };
