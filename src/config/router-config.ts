import type { PromptCacheRules } from '../backends/simulated/prompt-cache.js';
import type { LocalCosts } from './local-costs.js';
import type { ModelPrice } from '../cost/price-table.js';
import type { Complexity, Tier } from '../contract/request.js';
import type { Provider, SimulationProfile } from './schema.js';

/** One model as the router uses it: validated, prices resolved. */
export interface ModelConfig {
  name: string;
  provider: Provider;
  /** Name sent to the server. */
  model: string;
  tier: Tier;
  enabled: boolean;
  contextWindow: number;
  sizeGb: number | undefined;
  endpoint: { host?: string; baseUrl?: string; apiKey?: string };
  price: ModelPrice;
  /** Power draw while busy, W: a placed model's machine's busy draw above its idle draw. */
  watts: number;
  /** The hardware item it runs on, when placed. */
  hardware?: string;
  /** Call timeout, ms. */
  timeoutMs: number;
  /** In-process llama.cpp settings (provider `llamacpp`). */
  llamacpp?: {
    modelPath: string;
    contextSize: number;
    threads?: number;
    parallel: number;
    chatTemplate: 'auto' | 'none';
  };
  simulation: SimulationProfile;
  /** How the model's server caches prompt prefixes (simulation); absent when caching is off. */
  promptCache?: PromptCacheRules;
  /** Index in the config's `models` list, for error messages. */
  index: number;
}

export interface QualityWeights {
  format: number;
  completeness: number;
  coherence: number;
  selfCritique: number;
  /** The task-aware check (math answer, code tests) when one applies to the request. @default 0 */
  task?: number;
  /**
   * Checks that can fail an answer on their own: their score multiplies the weighted confidence, so a 0
   * from a vetoing check gives confidence 0 whatever the other checks say.
   */
  veto?: { task?: boolean; selfCritique?: boolean };
}

/** Which task-aware checks run, when a request is of their kind. */
export interface TaskChecks {
  /** Final numeric answer present, stated once, and its arithmetic right (math word problems). */
  mathAnswer: boolean;
  /** Run the request's tests against the code answer in a sandboxed child process. */
  codeTests: boolean;
  /** Limits of the code-tests sandbox. */
  sandbox: { timeoutMs: number; memoryMb: number };
}

/** An API-only alternative, resolved: per complexity, the models tried in order. */
export interface Alternative {
  name: string;
  description: string;
  /** Per complexity: the chain (quality failure or error moves to the next entry). */
  chains: Record<Complexity, readonly ModelConfig[]>;
  /** Everything to the API tier as configured: the pure-API baseline run itself. */
  premium?: boolean;
}

/** The validated configuration the router runs on. */
/** `hybridllm serve` settings (config key `serve`). */
export interface ServeConfig {
  host: string;
  port: number;
  /** `${ENV_VAR}` references of the keys clients must send. */
  apiKeys: readonly string[];
  maxBodyBytes: number;
  maxConcurrentPerClient: number;
  drainMs: number;
  checkMode: { json: CheckMode; code: CheckMode; text: CheckMode };
  accessLog: boolean;
}

export type CheckMode = 'buffer' | 'stream';

export interface RouterConfig {
  /** File it came from, for messages. */
  source: string;
  /** The file's text, copied into run folders for reproducibility. */
  sourceText: string;
  qualityThreshold: number;
  preferLocal: boolean;
  dailyBudgetUsd: number;
  onBudgetExhausted: 'local_only' | 'reject';
  weeklyBudgetUsd: number | undefined;
  monthlyBudgetUsd: number | undefined;
  budgetAlertThreshold: number;
  ledger: {
    path: string | undefined;
    storeText: boolean;
    batchSize: number;
    /** PostgreSQL ledger URL (as written: may hold a `${ENV}` reference). */
    url: string | undefined;
    instance: string | undefined;
    spoolPath: string | undefined;
  };
  /** Fleet budget settings (PostgreSQL ledger). */
  budget: { partitionOnOutage: number | 'auto'; reservationTimeoutMs: number };
  serve: ServeConfig;
  budgetTimezone: string;
  selfCritique: boolean;
  weights: QualityWeights;
  /** Name of the weight preset used, or `custom`. */
  weightsPreset: string;
  taskChecks: TaskChecks;
  maxOutputTokens: number;
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  cooldown: { failures: number; ms: number };
  actionComplexity: Readonly<Record<string, Complexity>>;
  complexityTier: Readonly<Record<Complexity, Tier>>;
  localCosts: LocalCosts;
  models: readonly ModelConfig[];
  /** API-only alternatives to compare the hybrid against (the first is the premium one). */
  alternatives: readonly Alternative[];
  /**
   * Set on an alternative's counterfactual config: per complexity, the chain to walk instead of the tiers.
   * A quality failure moves to the next entry (not to the next tier).
   */
  chainOverride?: Readonly<Record<Complexity, readonly ModelConfig[]>>;
}

export function enabledModels(config: RouterConfig, tier?: Tier): ModelConfig[] {
  return config.models.filter((m) => m.enabled && (tier === undefined || m.tier === tier));
}
