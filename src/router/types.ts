export {
  COMPLEXITIES,
  EXPECTS,
  TIERS,
  isLocalTier,
  type Complexity,
  type Expects,
  type FinishReason,
  type ChatMessage,
  type PrefixBlock,
  type RouteRequest,
  type Tier,
  type ToolCall,
  type ToolDefinition,
} from '../contract/request.js';
import type { Complexity, FinishReason, Tier, ToolCall } from '../contract/request.js';

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
  /** Tool calls the answer made instead of (or beside) its text. */
  toolCalls?: readonly ToolCall[];
  /** Why the chosen answer ended. */
  finishReason?: FinishReason;
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
