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
export { createRealClock, createVirtualClock, type Clock, type VirtualClock } from './core/clock.js';
export { createMemoryBudgetGuard, type BudgetGuard } from './ledger/budget-guard.js';
export { priceTokens, type ModelPrice } from './cost/price-table.js';
export { createRealBackends, type RealBackendSettings } from './backends/real-backends.js';
export { createOllamaBackend } from './backends/ollama-backend.js';
export { createOpenAIBackend } from './backends/openai-backend.js';
export { createAnthropicBackend } from './backends/anthropic-backend.js';
export { classifyError, redact } from './backends/classify-error.js';
export { startMockServer, type MockServer, type MockServerOptions } from './fakes/mock-server.js';
export { runDoctor, type DoctorCheck } from './doctor/doctor.js';
export { simulate, type SimulateOptions, type SimulateResult } from './sim/simulate.js';
export { analyticEstimate, type AnalyticEstimate } from './sim/analytic/analytic-estimate.js';
export { withEndpoint } from './config/endpoint-override.js';
export { openUsageLedger, type UsageLedger } from './ledger/usage-ledger.js';
export { LedgerSink } from './ledger/ledger-sink.js';
export { createSqliteBudgetGuard } from './ledger/sqlite-budget-guard.js';
export { openLedger, resolveLedgerPath, LedgerError } from './ledger/ledger-db.js';
export { usageReport, exportUsage } from './ledger/usage-query.js';
export { renderReport, renderReportFromDirs, loadRun } from './report/render-report.js';
export { bench, type BenchOptions, type BenchResult } from './bench/bench.js';
export { loadTasks, type BenchTask } from './bench/tasks.js';
export { loadProfiles } from './bench/profile.js';
