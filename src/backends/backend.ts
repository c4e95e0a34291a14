import type { ModelConfig } from '../config/router-config.js';
import type { Complexity, Expects, FinishReason, RouteRequest, ToolCall } from '../contract/request.js';

/** What the router asks of a backend: one model, one prompt. */
export interface GenerateCall {
  model: ModelConfig;
  request: RouteRequest;
  /** Stable id of the request, for seeding and logs. */
  requestId: string;
  complexity: Complexity;
  expects: Expects;
  /** `answer` for the request itself, `critique` for a self-critique of `subject`. */
  purpose: 'answer' | 'critique';
  /** Prompt text actually sent. */
  prompt: string;
  /** Input tokens when known in advance. */
  inputTokens?: number;
  /** Exact output tokens (recorded workloads); a simulated backend honours it. */
  outputTokens?: number;
  maxTokens: number;
  /** The answer under critique. */
  subject?: string;
  /** Position of this call among the request's calls, for seeding. */
  step: number;
  /** Aborts the call (the router's per-model timeout on a real clock). */
  signal?: AbortSignal;
  /** The call's timeout, ms; a simulated backend applies it on its virtual clock. */
  timeoutMs?: number;
  /** Receives the answer's text as it arrives (a streaming client's request); the result still holds all of it. */
  onToken?: (piece: string) => void;
}

/** What a backend reports, as the server counted it. */
export interface GenerateResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  finishReason: FinishReason;
  /** Time to first token on the injected clock, ms. */
  ttftMs: number;
  /** Total latency on the injected clock, ms. */
  latencyMs: number;
  /** Input tokens written to a prompt cache (Anthropic), billed at the cache-write price. */
  cacheWriteInputTokens?: number;
  /**
   * Machine time the call took, ms, when it differs from its latency: a queued call's share of a batched
   * server (its wait excluded, each moment divided among the sequences running). Unset: its latency.
   */
  busyMs?: number;
  /**
   * Ground truth when the backend knows it: a recorded answer's label, or a simulated answer's drawn outcome.
   * Live backends leave it unset.
   */
  correct?: boolean;
  /** Set by replay backends: `recorded` when the text was recorded, `profile` when drawn from a profile. */
  answerSource?: 'recorded' | 'profile';
  /** Timings the server reported (Ollama: nanosecond durations and counts), for bench. */
  server?: Record<string, number>;
  /** Calls the model made to the request's tools. */
  toolCalls?: readonly ToolCall[];
}

/** One interface for every provider; callers go through the router, so low-level calls are `do*`. */
export interface Backend {
  readonly name: string;
  doGenerate(call: GenerateCall): Promise<GenerateResult>;
  /**
   * Makes `model` ready before traffic (an in-process engine loads it and evaluates once), so the first
   * requests of a timed run do not wait for a cold start that a serving process pays once at its start.
   */
  prepare?(model: ModelConfig): Promise<void>;
}
