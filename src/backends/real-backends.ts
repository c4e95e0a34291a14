import type { Provider } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { createAnthropicBackend } from './anthropic-backend.js';
import type { Backend } from './backend.js';
import { createLlamaCppBackend } from './llamacpp-backend.js';
import { createOllamaBackend } from './ollama-backend.js';
import { createOpenAIBackend } from './openai-backend.js';
import { createPooledFetch } from './pooled-fetch.js';

export interface RealBackendSettings {
  clock: Clock;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Stream answers (TTFT measured). @default true */
  stream?: boolean;
  /** The clients' fetch. @default one over undici connection pools (createPooledFetch) */
  fetch?: typeof fetch;
  /** Unstreamed OpenAI-compatible answers without the official client (serve's pass-through). @default false */
  direct?: boolean;
}

/** The production backends, one per provider, for `createRouter(config, { backends })`. */
export function createRealBackends(settings: RealBackendSettings): Record<Provider, Backend> {
  const common = {
    clock: settings.clock,
    fetch: settings.fetch ?? createPooledFetch(),
    ...(settings.env ? { env: settings.env } : {}),
    ...(settings.stream === undefined ? {} : { stream: settings.stream }),
  };
  const openai = createOpenAIBackend({
    ...common,
    configFile: settings.configFile,
    ...(settings.direct ? { direct: true } : {}),
  });
  return {
    ollama: createOllamaBackend(common),
    openai,
    'openai-compatible': openai,
    anthropic: createAnthropicBackend({ ...common, configFile: settings.configFile }),
    llamacpp: createLlamaCppBackend({ clock: settings.clock }),
  };
}
