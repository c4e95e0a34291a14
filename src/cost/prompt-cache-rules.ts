import type { PromptCacheRules } from '../backends/simulated/prompt-cache.js';
import type { Provider } from '../config/schema.js';
import type { ModelPrice } from './price-table.js';

const MINUTE_MS = 60_000;

/**
 * Anthropic's minimum cacheable prompt per model family, tokens (Anthropic prompt-caching documentation,
 * "Cache limitations", as of 2026-11): shorter prefixes are processed without caching. First match wins.
 */
const ANTHROPIC_MIN_TOKENS: readonly [RegExp, number][] = [
  [/opus-4-[56]|haiku-4-5/, 4096],
  [/sonnet-4-6|haiku-3/, 2048],
];
const ANTHROPIC_DEFAULT_MIN_TOKENS = 1024;

/** OpenAI caches prompts of 1,024 tokens or more, counted in 128-token steps (OpenAI prompt-caching guide). */
const OPENAI_MIN_TOKENS = 1024;
const OPENAI_INCREMENT = 128;
/** OpenAI keeps a prefix 5–10 minutes after its last use (up to an hour off-peak); we take the short end. */
const OPENAI_TTL_MINUTES = 5;
/** Ollama unloads a model (and its KV cache) after 5 idle minutes (`keep_alive`); llama.cpp keeps a slot's. */
const LOCAL_TTL_MINUTES = 5;

export interface PromptCacheConfig {
  enabled?: boolean;
  ttl?: '5m' | '1h' | number;
  min_tokens?: number;
}

export function anthropicMinTokens(model: string): number {
  return ANTHROPIC_MIN_TOKENS.find(([pattern]) => pattern.test(model))?.[1] ?? ANTHROPIC_DEFAULT_MIN_TOKENS;
}

/** A model's cache rules from its provider's defaults and any `prompt_cache` settings; undefined when off. */
export function promptCacheRules(
  provider: Provider,
  model: string,
  config: PromptCacheConfig | undefined,
): PromptCacheRules | undefined {
  if (config?.enabled === false) return undefined;
  const ttlMinutes = (fallback: number): number =>
    config?.ttl === undefined ? fallback : config.ttl === '1h' ? 60 : config.ttl === '5m' ? 5 : config.ttl;
  if (provider === 'anthropic')
    return {
      mode: 'explicit',
      ttlMs: ttlMinutes(5) * MINUTE_MS,
      minTokens: config?.min_tokens ?? anthropicMinTokens(model),
      increment: 1,
    };
  if (provider === 'openai')
    return {
      mode: 'automatic',
      ttlMs: ttlMinutes(OPENAI_TTL_MINUTES) * MINUTE_MS,
      minTokens: config?.min_tokens ?? OPENAI_MIN_TOKENS,
      increment: OPENAI_INCREMENT,
    };
  // Local and OpenAI-compatible servers (Ollama, vLLM, llama.cpp) reuse a cached prefix's KV at no charge.
  return {
    mode: 'automatic',
    ttlMs: ttlMinutes(LOCAL_TTL_MINUTES) * MINUTE_MS,
    minTokens: config?.min_tokens ?? 0,
    increment: 1,
  };
}

/**
 * Anthropic bills a 1-hour cache write at 2× the input price, a 5-minute one at 1.25× (the price table's
 * write price). A config's own pricing is kept as given.
 */
export function withCacheWritePrice(
  price: ModelPrice,
  provider: Provider,
  config?: PromptCacheConfig,
): ModelPrice {
  if (provider !== 'anthropic' || config?.ttl !== '1h' || price.source.startsWith('config')) return price;
  return { ...price, cacheWriteInputPerMtok: price.inputPerMtok * 2 };
}
