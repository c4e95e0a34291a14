import { ConfigError } from './config-error.js';
import type { ModelConfig } from './router-config.js';

/**
 * Resolves a model's `${ENV_VAR}` API key reference at call time (not at load: a config may name keys for
 * models it never calls). The message names the model, the option and the variable, never a value.
 */
export function resolveApiKey(
  model: ModelConfig,
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const reference = model.endpoint.apiKey;
  if (!reference)
    throw new ConfigError(
      `${configFile}: models[${model.index}].endpoint.api_key: model '${model.name}' (${model.provider}) needs an API key; set api_key: "\${ENV_VAR}" and export that variable.`,
    );
  const variable = reference.slice(2, -1);
  const value = env[variable];
  if (!value)
    throw new ConfigError(
      `${configFile}: models[${model.index}].endpoint.api_key: environment variable ${variable} is not set, and model '${model.name}' needs it; export ${variable}=… or disable the model.`,
    );
  return value;
}
