/** The three complexity classes a request is sorted into. */
export const COMPLEXITIES = ['SIMPLE', 'MODERATE', 'COMPLEX'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

/** Tiers, cheapest first. The order is the escalation order. */
export const TIERS = ['LOCAL_FAST', 'LOCAL_QUALITY', 'API_FALLBACK'] as const;
export type Tier = (typeof TIERS)[number];

/** What shape the answer is expected to have; the format check parses accordingly. */
export const EXPECTS = ['json', 'python', 'typescript', 'javascript', 'text'] as const;
export type Expects = (typeof EXPECTS)[number];

export function isLocalTier(tier: Tier): boolean {
  return tier !== 'API_FALLBACK';
}

/**
 * One block of a prompt's cacheable prefix. The id names the block and everything before it, so equal ids
 * mean equal prefixes (Mooncake's `hash_ids`; a scenario's shared prefix, then its session's history).
 */
export interface PrefixBlock {
  id: string;
  tokens: number;
  /**
   * A run that only ever grows (a session's history): a cached entry of the same id holding fewer tokens is
   * the start of this one, so it serves what it holds, and the rest is cached on top.
   */
  growing?: true;
}

/** One request to the router, as a daemon step or a workload row produces it. */
export interface RouteRequest {
  /** Stable id; the router assigns one when absent. */
  id?: string;
  /** Action type, e.g. `classification`, `edit_file`, `orchestration`. */
  action?: string;
  prompt: string;
  /** Extra context (file contents, history) sent with the prompt. */
  context?: string;
  /** Expected answer format. @default 'text' */
  expects?: Expects;
  /** Keys a JSON answer must contain (completeness check). */
  requiredFields?: readonly string[];
  /** Route to the API tier whatever the classification. */
  qualityCritical?: boolean;
  /** Overrides the config's `prefer_local` for this request. */
  preferLocal?: boolean;
  /** Input tokens when the caller already knows them (recorded workloads). */
  inputTokens?: number;
  /** Output tokens a simulated backend must produce exactly (recorded workloads). */
  outputTokens?: number;
  /** Upper bound on output tokens. */
  maxTokens?: number;
  /**
   * The prompt's cacheable prefix, in order (simulation): a simulated server reads what it has cached of it
   * and caches the rest, under its provider's rules.
   */
  prefixBlocks?: readonly PrefixBlock[];
  /**
   * Prompt-cache use a recorded trace gives (`cached_tokens`, `cache_creation_input_tokens`): a simulated
   * API model reports these instead of simulating its cache.
   */
  recordedCache?: { readTokens: number; writeTokens: number };
  /** Virtual or real time the request arrived, ms since epoch; defaults to the clock's now. */
  arrivalMs?: number;
  /**
   * Tests a code answer must pass (HumanEval style: defines `check(candidate)`), run in a sandboxed child
   * process by the code-tests check.
   */
  tests?: { code: string; entryPoint: string };
}

export type CheckName = 'format' | 'completeness' | 'coherence' | 'selfCritique' | 'task';
/** Every check, in the order they are reported. */
export const CHECK_NAMES: readonly CheckName[] = [
  'format',
  'completeness',
  'coherence',
  'task',
  'selfCritique',
];

/** Outcome of one quality check: a score in [0, 1] and why. */
export interface CheckResult {
  score: number;
  note: string;
}

export type CheckScores = Partial<Record<CheckName, CheckResult>>;

/** Why a backend call ended. `length` means the answer was cut at max tokens. */
export type FinishReason = 'stop' | 'length' | 'error';

export interface AttemptRecord {
  requestId: string;
  /** 0-based position in the request's attempts. */
  step: number;
  model: string;
  provider: string;
  tier: Tier;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Input tokens written to a prompt cache (billed at the cache-write price). */
  cacheWriteTokens: number;
  /** Marginal cost in USD (API price; $0 for local models). Includes the self-critique call. */
  costUsd: number;
  /** Time to first token, ms. */
  ttftMs: number;
  /** Total latency of the answer call plus its self-critique call, ms. */
  latencyMs: number;
  /** Busy time of a local model (answer + critique when local), ms; feeds the energy cost. */
  localBusyMs: number;
  confidence: number;
  checks: CheckScores;
  passed: boolean;
  finishReason: FinishReason;
  /** Error class name when the backend call failed. */
  error?: string;
  errorMessage?: string;
  /** Set when the budget guard turned this attempt away from the API. */
  budgetLimited?: boolean;
  /** Time waited before this attempt (retry backoff or retry-after), ms. */
  backoffMs?: number;
  /**
   * Whether the answer was right, when the backend knows: a recorded answer's label, or a simulated answer's
   * drawn outcome (a detectable defect or a silent wrong answer is wrong). Never known for live answers.
   */
  correct?: boolean;
  /** Where this attempt's answer came from when it was not a live call: `recorded` or `profile`. */
  answerSource?: 'recorded' | 'profile';
}

export interface RouteResult {
  id: string;
  action: string | undefined;
  complexity: Complexity;
  /** The tier selected before any fallback. */
  tier: Tier;
  reason: string;
  /** The model that produced `text` (the passing one, or the best-scoring one if none passed). */
  model: string | undefined;
  finalTier: Tier | undefined;
  text: string;
  passed: boolean;
  confidence: number;
  attempts: AttemptRecord[];
  totals: { costUsd: number; latencyMs: number; inputTokens: number; outputTokens: number; attempts: number };
  /** True when the budget kept the request off the API tier. */
  budgetLimited: boolean;
  startedAtMs: number;
  /** Whether the answer returned was right, when the backend knows (see AttemptRecord.correct). */
  correct?: boolean;
  /** Models of the chain skipped because they are cooling down after repeated errors. */
  skippedInCooldown?: string[];
  /** Models of the chain skipped because their context window cannot hold input + max output. */
  skippedForContext?: ContextSkip[];
}

/** A model the router did not try because the request would not fit its context window. */
export interface ContextSkip {
  model: string;
  tier: Tier;
  window: number;
  /** Input tokens plus the request's max output tokens. */
  needed: number;
}
