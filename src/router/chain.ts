import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { TIERS, type Complexity, type RouteRequest, type Tier } from './types.js';

export interface TierDecision {
  tier: Tier;
  reason: string;
}

/** The tier a request starts at: quality-critical and prefer-local=false go to the API tier. */
export function selectTier(
  complexity: Complexity,
  request: RouteRequest,
  config: RouterConfig,
): TierDecision {
  if (request.qualityCritical) return { tier: 'API_FALLBACK', reason: 'quality-critical → API_FALLBACK' };
  if (!(request.preferLocal ?? config.preferLocal))
    return { tier: 'API_FALLBACK', reason: 'prefer_local=false → API_FALLBACK' };
  const tier = config.complexityTier[complexity];
  return { tier, reason: `${complexity} → ${tier}` };
}

/**
 * The models to try in order: every enabled model of the starting tier (config order), then of each tier above.
 * A backend error moves to the next model; a quality failure skips to the first model of the next tier.
 */
export function planChain(tier: Tier, config: RouterConfig): ModelConfig[] {
  const start = TIERS.indexOf(tier);
  const chain: ModelConfig[] = [];
  for (const t of TIERS.slice(start))
    for (const model of config.models) if (model.enabled && model.tier === t) chain.push(model);
  return chain;
}

/** Index of the first model after `index` whose tier is above the tier at `index`, or the chain's length. */
export function nextTierIndex(chain: readonly ModelConfig[], index: number): number {
  const tier = TIERS.indexOf(chain[index]!.tier);
  let next = index + 1;
  while (next < chain.length && TIERS.indexOf(chain[next]!.tier) <= tier) next++;
  return next;
}
