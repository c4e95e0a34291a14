import type { RouterConfig } from './router-config.js';

/**
 * Points every model at one server (e.g. `hybridllm mock-server`): Ollama models use it as their host,
 * OpenAI-style models as `<url>/v1`, Anthropic models as their base URL.
 */
export function withEndpoint(config: RouterConfig, url: string): RouterConfig {
  const base = url.replace(/\/$/, '');
  return {
    ...config,
    models: config.models.map((model) => {
      const { host: _host, baseUrl: _baseUrl, ...rest } = model.endpoint;
      const endpoint =
        model.provider === 'ollama'
          ? { ...rest, host: base }
          : model.provider === 'anthropic'
            ? { ...rest, baseUrl: base }
            : { ...rest, baseUrl: `${base}/v1` };
      return { ...model, endpoint };
    }),
  };
}
