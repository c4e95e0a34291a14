import { promptCacheRules, withCacheWritePrice } from '../cost/prompt-cache-rules.js';
import { lookupPrice, priceTableVersion } from '../cost/price-table.js';
import { COMPLEXITIES, isLocalTier, type Complexity } from '../contract/request.js';
import { ConfigError } from './config-error.js';
import type { ModelConfig, RouterConfig } from './router-config.js';

/** Providers whose price-table ids a baseline model name is looked up under, in this order. */
const PRICED_PROVIDERS = ['anthropic', 'openai'] as const;

/**
 * The model `--baseline-model NAME` prices the pure-API counterfactual at: a configured API model, or a
 * model id from the bundled price table. A price-table model the config does not list is simulated with the
 * latency and quality profile of the config's first enabled API model (`profileFrom` says which).
 */
export function resolveBaselineModel(
  config: RouterConfig,
  name: string,
): { model: ModelConfig; profileFrom: string | null } {
  const configured = config.models.find((m) => m.name === name || m.model === name);
  if (configured) {
    if (isLocalTier(configured.tier))
      throw new ConfigError(
        `--baseline-model ${name}: ${configured.name} is a local model (${configured.tier}); the baseline sends everything to an API model. Configured API models: ${apiNames(config)}.`,
      );
    return { model: { ...configured, enabled: true }, profileFrom: null };
  }
  const template = config.models.find((m) => m.enabled && !isLocalTier(m.tier));
  for (const provider of PRICED_PROVIDERS) {
    const price = lookupPrice(name, provider);
    if (!price || !template) continue;
    const promptCache = promptCacheRules(provider, name, undefined);
    const { promptCache: _drop, ...rest } = template;
    return {
      model: {
        ...rest,
        name,
        model: name,
        provider,
        enabled: true,
        price: withCacheWritePrice(price, provider, undefined),
        ...(promptCache ? { promptCache } : {}),
      },
      profileFrom: template.name,
    };
  }
  throw new ConfigError(
    `--baseline-model ${name}: not a configured API model (${apiNames(config)}) and not in the bundled price table (${priceTableVersion()}) under ${PRICED_PROVIDERS.join(' or ')}.`,
  );
}

function apiNames(config: RouterConfig): string {
  return (
    config.models
      .filter((m) => !isLocalTier(m.tier))
      .map((m) => m.name)
      .join(', ') || 'none'
  );
}

/** Every complexity sent to the one model: the chain the baseline walks. */
export function baselineChains(model: ModelConfig): Record<Complexity, ModelConfig[]> {
  return Object.fromEntries(COMPLEXITIES.map((c) => [c, [model]])) as Record<Complexity, ModelConfig[]>;
}
