// The configs of the counterfactual runs: the same router and workload with one decision changed (no budget
// cap, pure API, an API-only alternative's chain).
import { baselineChains } from '../config/baseline-model.js';
import type { Alternative, RouterConfig } from '../config/router-config.js';
import type { MaterialisedRun } from './run-spec.js';

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
