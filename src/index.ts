/**
 * hybridllm as a library: the router, its config, backends and quality checks.
 * `createRouter(config, { backends, clock })` is the entry point.
 */
export { createRouter, Router, type RouterOptions, type RouterSink } from './router/router.js';
export { classify, classifyPrompt, type Classification } from './router/classify.js';
export { planChain, selectTier } from './router/chain.js';
export { confidenceOf, passes, runStaticChecks } from './router/quality/quality-check.js';
export * from './router/types.js';
export { loadConfigFile, parseConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';
export type { ModelConfig, RouterConfig, QualityWeights } from './config/router-config.js';
export { resolveApiKey } from './config/secrets.js';
export type { Backend, GenerateCall, GenerateResult } from './backends/backend.js';
export * from './backends/errors.js';
export {
  createSimulatedBackend,
  type SimulatedBackendOptions,
} from './backends/simulated/simulated-backend.js';
export { createRealClock, createVirtualClock, type Clock, type VirtualClock } from './sim/clock.js';
export { createMemoryBudgetGuard, type BudgetGuard } from './ledger/budget-guard.js';
export { priceTokens, type ModelPrice } from './cost/price-table.js';
