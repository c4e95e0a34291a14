import { compareCosts, type CostComparison } from '../cost/cost-model.js';
import type { RouterConfig } from '../config/router-config.js';
import { COMPLEXITIES, type Complexity } from '../router/types.js';
import type { AlternativeOutcome } from './run-types.js';
import type { RunStats } from './run-aggregator.js';

/** One API-only alternative as summary.json records it, with the hybrid compared against it. */
export interface AlternativeSummary {
  name: string;
  description: string;
  /** Per complexity, the models its requests try in order. */
  chains: Record<Complexity, string[]>;
  requests: number;
  costUsd: number;
  perYearUsd: number;
  passRatePct: number;
  /** Share of answers that were right, where known (recorded labels or simulated draws). */
  accuracy: number | undefined;
  latencyP50Ms: number;
  /** Prompt caching on its API calls. */
  promptCache: ApiCacheUse;
  /** The hybrid (marginal and all-in) against this alternative, with the break-even volume. */
  comparison: CostComparison;
}

/** Prompt-cache use on a run's API calls: input tokens sent, read from and written to the caches. */
export interface ApiCacheUse {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Share of API input tokens read from a cache, %. */
  hitPct: number;
}

export function apiCacheUse(stats: RunStats): ApiCacheUse {
  const use = { inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, hitPct: 0 };
  for (const model of Object.values(stats.byModel)) {
    if (model.tier !== 'API_FALLBACK') continue;
    use.inputTokens += model.inputTokens;
    use.cachedInputTokens += model.cachedInputTokens ?? 0;
    use.cacheWriteTokens += model.cacheWriteTokens ?? 0;
  }
  use.hitPct = use.inputTokens ? (use.cachedInputTokens / use.inputTokens) * 100 : 0;
  return use;
}

/** Every alternative summarised and compared; the cheapest is the one the verdict is against. */
export function summariseAlternatives(
  hybrid: RunStats,
  alternatives: readonly AlternativeOutcome[],
  config: RouterConfig,
  days: number,
  daysPerMonth: number,
  /** The verdict's run, when it is the uncapped one (the break-even says it came from it). */
  uncapped?: RunStats,
): { alternatives: AlternativeSummary[]; cheapest: string | null } {
  const summaries = alternatives.map(({ alternative, outcome }): AlternativeSummary => {
    const stats = outcome.stats;
    const comparison = compareCosts(hybrid, stats, config, days, daysPerMonth, uncapped);
    return {
      name: alternative.name,
      description: alternative.description,
      chains: Object.fromEntries(
        COMPLEXITIES.map((c) => [c, alternative.chains[c].map((m) => m.name)]),
      ) as Record<Complexity, string[]>,
      requests: stats.requests,
      costUsd: stats.costUsd,
      perYearUsd: comparison.pureApi.perYear,
      passRatePct: stats.requests ? (stats.passed / stats.requests) * 100 : 0,
      accuracy: stats.quality.accuracy,
      latencyP50Ms: stats.latencyMs.p50,
      promptCache: apiCacheUse(stats),
      comparison,
    };
  });
  const cheapest = [...summaries].sort((a, b) => a.costUsd - b.costUsd)[0];
  return { alternatives: summaries, cheapest: cheapest?.name ?? null };
}
