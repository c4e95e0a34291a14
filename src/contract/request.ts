/**
 * The contract between the router and the backends: what a request is, what tiers and answer shapes exist,
 * and how an answer can end. Router and backends both import it; neither imports the other's internals.
 */
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

/** A tool the model may call (OpenAI's function shape, which Ollama shares and Anthropic's maps to). */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
}

/** A call the model made to one of the request's tools. */
export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON text. */
  arguments: string;
}

/** One message of a chat conversation, as a chat client sends it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant message's tool calls. */
  toolCalls?: readonly ToolCall[];
  /** A tool message answers this call. */
  toolCallId?: string;
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
  /**
   * The conversation as a chat client sent it (`serve`): backends send these messages as they are, instead of
   * the prompt under a format instruction. `prompt` still carries the text classification reads.
   */
  messages?: readonly ChatMessage[];
  /** Tools the model may call, passed through to it. */
  tools?: readonly ToolDefinition[];
  /** `auto`, `none`, `required`, or one tool by name. */
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  temperature?: number;
  /** Stop sequences, passed through. */
  stop?: readonly string[];
  /**
   * Whether the client streams (`serve`): a client that does not is answered from a whole upstream
   * response, which costs the gateway less than parsing a stream it would only gather. @default true
   */
  stream?: boolean;
  /** Serve only from this tier, or only this model: no escalation beyond it. */
  pin?: { tier: Tier } | { model: string };
}

/** Why a backend call ended. `length` means the answer was cut at max tokens. */
export type FinishReason = 'stop' | 'length' | 'error';
