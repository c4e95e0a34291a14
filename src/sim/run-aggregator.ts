import type { RouterSink } from '../router/router.js';
import {
  CHECK_NAMES,
  TIERS,
  isLocalTier,
  type CheckName,
  type RouteRequest,
  type RouteResult,
  type Tier,
} from '../router/types.js';
import { AccuracyTally, type AccuracyStats } from './accuracy-tally.js';
import { QuantileSketch, type QuantileSummary } from '../core/quantile-sketch.js';

/** Confidence histogram bins of 0.05. */
export const CONFIDENCE_BINS = 20;

interface ModelTally {
  tier: Tier;
  calls: number;
  passes: number;
  errors: number;
  costUsd: number;
  inputTokens: number;
  /** Input tokens read from the model's prompt cache. */
  cachedInputTokens: number;
  /** Input tokens written to its prompt cache (billed at the cache-write price). */
  cacheWriteTokens: number;
  outputTokens: number;
  busyMs: number;
  latency: QuantileSketch;
  /** Time to first token of the calls that answered. */
  ttft: QuantileSketch;
}

interface TierTally {
  /** Requests classified to start at this tier. */
  started: number;
  /** Requests whose answer came from this tier. */
  served: number;
  /** Attempts made on this tier. */
  calls: number;
  costUsd: number;
  passes: number;
  /** Request latency of requests served from this tier. */
  latency: QuantileSketch;
}

/** The streaming statistics of one run, as saved in summary.json. */
export interface RunStats {
  requests: number;
  attempts: number;
  passed: number;
  fallbacks: number;
  budgetLimited: number;
  /**
   * The budget-limited requests: which model answered them instead of the API, how many passed the check,
   * and how many were right or wrong where the backend knew.
   */
  budgetLimitedDetail: { byModel: Record<string, number>; passed: number; correct: number; wrong: number };
  /** Requests the router refused (not counted in `requests`). */
  rejected: number;
  /**
   * Context windows: requests that skipped at least one model because input + max output did not fit its
   * window, those that started at a local tier and fitted no local model of their chain, and skips per model.
   */
  contextSkips: { requests: number; noLocalModel: number; byModel: Record<string, number> };
  localServed: number;
  costUsd: number;
  /** Σ cost², for the confidence interval of the mean cost per request. */
  costSquaresUsd: number;
  /** Cost of attempts whose answer was not the one returned. */
  wastedCostUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache use over every attempt: tokens sent to models, read from and written to their caches. */
  promptCache: { attemptInputTokens: number; cachedInputTokens: number; cacheWriteTokens: number };
  averageConfidence: number;
  confidenceHistogram: number[];
  latencyMs: QuantileSummary;
  errors: Record<string, number>;
  checkFailures: Record<CheckName, number>;
  byTier: Record<Tier, Omit<TierTally, 'latency'> & { latencyMs: QuantileSummary }>;
  byModel: Record<
    string,
    Omit<ModelTally, 'latency' | 'ttft'> & { latencyMs: QuantileSummary; ttftMs: QuantileSummary }
  >;
  byComplexity: Record<string, number>;
  byAction: Record<string, { requests: number; costUsd: number; passed: number }>;
  /** Escalation paths, e.g. "phi3:mini → mixtral:8x7b → claude-sonnet-4-6", with counts. */
  chains: Record<string, number>;
  /** API cost per simulated day (index 0 = first day). */
  costPerDay: number[];
  requestsPerDay: number[];
  /** Cost and requests per calendar month (YYYY-MM). */
  perMonth: Record<string, { requests: number; costUsd: number }>;
  /** Right and wrong answers, where the backend knew (recorded labels, simulated draws). */
  quality: AccuracyStats;
  /** The first request that fell back, as the router returned it, with its prompt (both shortened). */
  exampleFallback: (RouteResult & { prompt: string }) | undefined;
}

const DAY_MS = 86_400_000;

/**
 * A router sink that folds every request into counts, sums and quantile sketches: memory does not grow
 * with the workload.
 */
export class RunAggregator implements RouterSink {
  private requests = 0;
  private attempts = 0;
  private passed = 0;
  private fallbacks = 0;
  private budgetLimited = 0;
  private readonly contextSkips = { requests: 0, noLocalModel: 0, byModel: {} as Record<string, number> };
  private readonly budgetLimitedDetail = {
    byModel: new Map<string, number>(),
    passed: 0,
    correct: 0,
    wrong: 0,
  };
  private rejected = 0;
  private localServed = 0;
  private costUsd = 0;
  private costSquaresUsd = 0;
  private wastedCostUsd = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private confidenceSum = 0;
  private readonly confidenceHistogram = new Array<number>(CONFIDENCE_BINS).fill(0);
  private readonly latency = new QuantileSketch();
  private readonly errors: Record<string, number> = {};
  private readonly checkFailures: Record<CheckName, number> = {
    format: 0,
    completeness: 0,
    coherence: 0,
    selfCritique: 0,
    task: 0,
  };
  private readonly tiers = new Map<Tier, TierTally>();
  private readonly models = new Map<string, ModelTally>();
  private readonly complexities: Record<string, number> = {};
  private readonly actions = new Map<string, { requests: number; costUsd: number; passed: number }>();
  private readonly chains = new Map<string, { count: number }>();
  private readonly costPerDay: number[] = [];
  private readonly requestsPerDay: number[] = [];
  private readonly months = new Map<string, { requests: number; costUsd: number }>();
  private exampleFallback: RouteResult | undefined;
  private examplePrompt = '';
  private monthKeyCache = { day: -1, key: '' };
  private readonly accuracy = new AccuracyTally();

  constructor(private startMs: number) {
    for (const tier of TIERS)
      this.tiers.set(tier, {
        started: 0,
        served: 0,
        calls: 0,
        costUsd: 0,
        passes: 0,
        latency: new QuantileSketch(),
      });
  }

  /** Moves day 0 of the per-day figures (recorded workloads start where their first row does). */
  startAt(ms: number): void {
    if (this.requests === 0) this.startMs = Math.floor(ms / DAY_MS) * DAY_MS;
  }

  /** A request the router refused outright (e.g. the budget with on_budget_exhausted: reject). */
  onRejected(errorName: string): void {
    this.rejected++;
    this.errors[errorName] = (this.errors[errorName] ?? 0) + 1;
  }

  onRequest(result: RouteResult, request?: RouteRequest): void {
    this.requests++;
    this.accuracy.onRequest(result);
    const attempts = result.attempts;
    this.attempts += attempts.length;
    if (result.passed) this.passed++;
    if (attempts.length > 1) {
      this.fallbacks++;
      if (!this.exampleFallback && attempts.some((a) => !a.error && !a.passed)) {
        this.exampleFallback = result;
        this.examplePrompt = request?.prompt ?? '';
      }
    }
    const tooLong = result.skippedForContext;
    if (tooLong) {
      this.contextSkips.requests++;
      for (const skip of tooLong)
        this.contextSkips.byModel[skip.model] = (this.contextSkips.byModel[skip.model] ?? 0) + 1;
      if (
        isLocalTier(result.tier) &&
        tooLong.some((s) => isLocalTier(s.tier)) &&
        !result.attempts.some((a) => isLocalTier(a.tier))
      )
        this.contextSkips.noLocalModel++;
    }
    if (result.budgetLimited) {
      this.budgetLimited++;
      const detail = this.budgetLimitedDetail;
      const model = result.model ?? '(none)';
      detail.byModel.set(model, (detail.byModel.get(model) ?? 0) + 1);
      if (result.passed) detail.passed++;
      if (result.correct === true) detail.correct++;
      else if (result.correct === false) detail.wrong++;
    }
    const cost = result.totals.costUsd;
    this.costUsd += cost;
    this.costSquaresUsd += cost * cost;
    this.inputTokens += result.totals.inputTokens;
    this.outputTokens += result.totals.outputTokens;
    this.confidenceSum += result.confidence;
    this.confidenceHistogram[
      Math.min(CONFIDENCE_BINS - 1, Math.floor(result.confidence * CONFIDENCE_BINS))
    ]!++;
    this.latency.add(result.totals.latencyMs);
    this.complexities[result.complexity] = (this.complexities[result.complexity] ?? 0) + 1;
    this.tiers.get(result.tier)!.started++;
    if (result.finalTier) {
      const served = this.tiers.get(result.finalTier)!;
      served.served++;
      served.latency.add(result.totals.latencyMs);
      if (isLocalTier(result.finalTier)) this.localServed++;
    }

    for (const attempt of attempts) {
      const tier = this.tiers.get(attempt.tier)!;
      tier.calls++;
      tier.costUsd += attempt.costUsd;
      if (attempt.passed) tier.passes++;
      let model = this.models.get(attempt.model);
      if (!model) {
        model = {
          tier: attempt.tier,
          calls: 0,
          passes: 0,
          errors: 0,
          costUsd: 0,
          inputTokens: 0,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 0,
          busyMs: 0,
          latency: new QuantileSketch(),
          ttft: new QuantileSketch(),
        };
        this.models.set(attempt.model, model);
      }
      model.calls++;
      model.costUsd += attempt.costUsd;
      model.inputTokens += attempt.inputTokens;
      model.cachedInputTokens += attempt.cachedInputTokens;
      if (attempt.cacheWriteTokens) model.cacheWriteTokens += attempt.cacheWriteTokens;
      model.outputTokens += attempt.outputTokens;
      model.busyMs += attempt.localBusyMs;
      model.latency.add(attempt.latencyMs);
      if (attempt.passed) model.passes++;
      if (attempt.error) {
        model.errors++;
        this.errors[attempt.error] = (this.errors[attempt.error] ?? 0) + 1;
      } else {
        model.ttft.add(attempt.ttftMs);
        const checks = attempt.checks;
        for (const name of CHECK_NAMES) {
          const check = checks[name];
          if (check && check.score < 1) this.checkFailures[name]++;
        }
      }
      if (attempt.model !== result.model || attempt.error) this.wastedCostUsd += attempt.costUsd;
    }
    // Single-attempt chains are the model name itself: no string is built for the common case.
    const chain = attempts.length === 1 ? attempts[0]!.model : attempts.map((a) => a.model).join(' → ');
    const tally = this.chains.get(chain);
    if (tally) tally.count++;
    else this.chains.set(chain, { count: 1 });

    const action = result.action ?? '(none)';
    let perAction = this.actions.get(action);
    if (!perAction) this.actions.set(action, (perAction = { requests: 0, costUsd: 0, passed: 0 }));
    perAction.requests++;
    perAction.costUsd += cost;
    if (result.passed) perAction.passed++;

    const day = Math.floor((result.startedAtMs - this.startMs) / DAY_MS);
    if (day >= 0) {
      while (this.costPerDay.length <= day) {
        this.costPerDay.push(0);
        this.requestsPerDay.push(0);
      }
      this.costPerDay[day]! += cost;
      this.requestsPerDay[day]!++;
    }
    const month = this.monthKey(result.startedAtMs);
    let perMonth = this.months.get(month);
    if (!perMonth) this.months.set(month, (perMonth = { requests: 0, costUsd: 0 }));
    perMonth.requests++;
    perMonth.costUsd += cost;
  }

  private promptCacheTotals(): RunStats['promptCache'] {
    const totals = { attemptInputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
    for (const model of this.models.values()) {
      totals.attemptInputTokens += model.inputTokens;
      totals.cachedInputTokens += model.cachedInputTokens;
      totals.cacheWriteTokens += model.cacheWriteTokens;
    }
    return totals;
  }

  private monthKey(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.monthKeyCache.day)
      this.monthKeyCache = { day, key: new Date(day * DAY_MS).toISOString().slice(0, 7) };
    return this.monthKeyCache.key;
  }

  stats(): RunStats {
    const byTier = {} as RunStats['byTier'];
    for (const [tier, { latency, ...rest }] of this.tiers)
      byTier[tier] = { ...rest, latencyMs: latency.summary() };
    const byModel: RunStats['byModel'] = {};
    for (const [name, { latency, ttft, ...rest }] of [...this.models].sort(([a], [b]) => (a < b ? -1 : 1)))
      byModel[name] = { ...rest, latencyMs: latency.summary(), ttftMs: ttft.summary() };
    const sortedEntries = <V>(map: Map<string, V>): Record<string, V> =>
      Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      requests: this.requests,
      attempts: this.attempts,
      passed: this.passed,
      fallbacks: this.fallbacks,
      budgetLimited: this.budgetLimited,
      budgetLimitedDetail: {
        ...this.budgetLimitedDetail,
        byModel: sortedEntries(this.budgetLimitedDetail.byModel),
      },
      rejected: this.rejected,
      contextSkips: { ...this.contextSkips, byModel: { ...this.contextSkips.byModel } },
      localServed: this.localServed,
      costUsd: this.costUsd,
      costSquaresUsd: this.costSquaresUsd,
      wastedCostUsd: this.wastedCostUsd,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      promptCache: this.promptCacheTotals(),
      averageConfidence: this.requests ? this.confidenceSum / this.requests : 0,
      confidenceHistogram: [...this.confidenceHistogram],
      latencyMs: this.latency.summary(),
      errors: Object.fromEntries(Object.entries(this.errors).sort()),
      checkFailures: { ...this.checkFailures },
      byTier,
      byModel,
      byComplexity: Object.fromEntries(Object.entries(this.complexities).sort()),
      byAction: sortedEntries(this.actions),
      chains: Object.fromEntries(
        [...this.chains]
          .map(([chain, { count }]) => [chain, count] as const)
          .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)),
      ),
      costPerDay: [...this.costPerDay],
      requestsPerDay: [...this.requestsPerDay],
      perMonth: sortedEntries(this.months),
      quality: this.accuracy.stats(),
      exampleFallback: this.exampleFallback && {
        ...this.exampleFallback,
        text: this.exampleFallback.text.slice(0, 400),
        prompt: this.examplePrompt.slice(0, 500),
      },
    };
  }
}
