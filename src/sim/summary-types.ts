// The shape of summary.json: everything a run produced, as one plain object.
import type { ProfileOrigin } from '../bench/profile.js';
import type { ServerStats } from '../backends/simulated/simulated-backend.js';
import type { ServersNeeded } from './servers-needed.js';
import type { CostComparison } from '../cost/cost-model.js';
import type { LocalCosts } from '../config/local-costs.js';
import type { WorkloadReadStats } from './recorded-workload.js';
import type { RunStats } from './run-aggregator.js';
import type { RecordedQuality } from './recorded-quality.js';
import type { AlternativeSummary } from './alternatives-summary.js';
import type { Sensitivity } from './sensitivity.js';
import type { Metric, Targets } from './scorecard.js';
import type { VerdictBasis } from './like-for-like.js';
import type { FleetAssumption, ServiceLevel } from './service-level.js';

/** Everything a run produced, as written to summary.json; a pure function of config, workload and seed. */
export interface Summary {
  tool: { name: 'hybridllm'; version: string };
  run: {
    /** synthetic scenario, recorded workload, or real usage from the ledger */
    kind: 'synthetic' | 'recorded' | 'ledger';
    scenario: string;
    seed: number;
    iterationsPerDay: number;
    days: number;
    startDate: string;
    workloadFile?: string;
    workload?: WorkloadReadStats;
    /**
     * Recorded workloads: the span of arrival times the run observed, and the factor that turns it into the
     * yearly figures (365 days ÷ the window). A window under one day is an extrapolation, and says so.
     */
    window?: {
      first: string;
      last: string;
      hours: number;
      yearScaleFactor: number;
      /**
       * Whether text and report show per-day/month/year figures. A window under a day is shown per observed
       * period and per hour unless `--annualise` asked for the extrapolation (the JSON keeps both).
       */
      annualised: boolean;
    };
    command: string;
    /**
     * Where latency and quality come from: `simulated` draws them from profiles (local models were not
     * run), `real` called the configured servers, `ledger` is recorded production usage.
     */
    backend: 'simulated' | 'real' | 'ledger';
  };
  config: {
    file: string;
    sha256: string;
    priceTable: string;
    models: {
      name: string;
      provider: string;
      tier: string;
      enabled: boolean;
      sizeGb: number | null;
      watts: number;
      /** The hardware item a local model is placed on. */
      hardware: string | null;
      inputPerMtok: number;
      outputPerMtok: number;
      cachedInputPerMtok: number;
      priceSource: string;
    }[];
    qualityThreshold: number;
    selfCritique: boolean;
    dailyBudgetUsd: number;
    localCosts: LocalCosts;
  };
  scenarioSha256: string | null;
  profiles: string;
  /** With `--profiles`: what wrote the file and the hardware it was measured on. */
  profileOrigin?: ProfileOrigin;
  hybrid: RunStats;
  baseline: RunStats;
  cost: CostComparison;
  /** Mean cost per request and its 95% confidence interval (normal approximation). */
  costPerRequest: { hybrid: MeanInterval; baseline: MeanInterval };
  scorecard: Metric[];
  targets: Targets;
  /**
   * Expected accuracy (share of returned answers that were right) and where it comes from. Simulated runs
   * draw it from profiles' defect and silent-wrong rates (assumed in config, or fitted); recorded-answer
   * runs read it from the file's labels.
   */
  accuracy: {
    hybrid: number | undefined;
    baseline: number | undefined;
    /** `recorded` (labels in a file), `fitted` (profiles fitted from data) or `assumed` (config rates). */
    basis: 'recorded' | 'fitted' | 'assumed' | 'mixed';
    source: string;
  };
  /** With recorded answers: accuracy against the labels, comparison routers and the threshold sweep. */
  recordedQuality?: RecordedQuality;
  /** API-only alternatives, each a counterfactual run through the same router, compared with the hybrid. */
  alternatives: AlternativeSummary[];
  /** The cheapest alternative: the one the verdict compares against. */
  cheapestAlternative: string | null;
  /**
   * When the daily budget capped the run as configured: how many requests it limited, where they went and
   * how they scored (a what-if: the verdict is on the run with no cap, whose figures `uncapped` repeats).
   */
  budget?: {
    dailyBudgetUsd: number;
    limited: number;
    rejected: number;
    detail: RunStats['budgetLimitedDetail'];
    uncapped: {
      costUsd: number;
      passed: number;
      requests: number;
      accuracy: number | undefined;
      /** The verdict's (uncapped) hybrid against the cheapest alternative. */
      comparison: CostComparison | null;
    };
  };
  /**
   * What the verdict's hybrid run is against the run as configured: the cap lifted, machines sized to carry
   * the load (or pinned by `--servers`). Every verdict figure (`hybrid`, `cost`, `alternatives`) is that run's.
   */
  verdictBasis?: VerdictBasis;
  /** The hybrid run as configured, when the verdict's differs: a what-if, priced with its own machines. */
  asConfigured?: {
    stats: RunStats;
    serviceLevel: ServiceLevel;
    capacity?: Record<string, ServerStats>;
    /** Against the cheapest alternative, with the configured machines' costs. */
    comparison: CostComparison | null;
  };
  /** Answered at all, answered acceptably and latency, for the hybrid and each alternative (by name). */
  serviceLevel?: { hybrid: ServiceLevel; alternatives: Record<string, ServiceLevel> };
  /** The capacity figures that size the fleet, per local model, with their sources. */
  fleetAssumptions?: FleetAssumption[];
  /** Per hardware item: the machines that keep up if every local model ran 4 sequences at once. */
  serversAtFourSequences?: Record<string, number | null>;
  /**
   * For each alternative, one assumption at a time over a stated range: the hybrid's all-in saving against
   * it over the run (USD, like `cost`), low / base / high, largest swing first.
   */
  sensitivity: Sensitivity[];
  /** Announced end-of-life dates of the enabled models the tool knows (dates, so the file stays a pure function). */
  lifecycle: { model: string; endOfLife: string; source: string }[];
  /**
   * What the pure-API baseline (`cost.pureApi`) sends requests to: the premium chain's model, or the one
   * `--baseline-model` named, with its price and, for a price-table model the config does not list, the
   * configured model whose latency and quality profile it was simulated with.
   */
  /**
   * Local servers simulated as queues (models with a capacity profile), per hardware item: utilisation on
   * average and in the peak hour, queue waits, calls that timed out, in the hybrid run.
   */
  capacity?: Record<string, ServerStats>;
  /** Per item simulated as a queue: the machines the busiest hour needs for local p95 ≤ the target. */
  serversNeeded?: Record<string, ServersNeeded>;
  baselineModel: {
    name: string;
    inputPerMtok: number;
    outputPerMtok: number;
    priceSource: string;
    chosen: boolean;
    profileFrom: string | null;
  } | null;
}

export interface MeanInterval {
  mean: number;
  low: number;
  high: number;
}
