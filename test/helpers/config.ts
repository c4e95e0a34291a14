import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load-config.js';
import type { RouterConfig } from '../../src/config/router-config.js';

export const PROJECT_CONFIG = new URL('../../llm_config.yaml', import.meta.url).pathname;
export const PROJECT_CONFIG_TEXT = readFileSync(PROJECT_CONFIG, 'utf8');

/** The shipped config, parsed. */
export function projectConfig(): RouterConfig {
  return parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
}

/** A small config for router tests: two fast, two quality, two API models, self-critique as given. */
export function smallConfig(options: { selfCritique?: boolean; extra?: string } = {}): RouterConfig {
  const sim = `simulation: { latency_ms: { min: 10, max: 20 }, defects: {} }`;
  return parseConfig(
    `router:
  self_critique: ${options.selfCritique ?? false}
  action_complexity: { classification: SIMPLE, edit_file: MODERATE, orchestration: COMPLEX }
${options.extra ?? ''}
models:
  - { name: fast-a, provider: ollama, tier: LOCAL_FAST, context_window: 4096, ${sim} }
  - { name: fast-b, provider: ollama, tier: LOCAL_FAST, context_window: 4096, ${sim} }
  - { name: quality-a, provider: ollama, tier: LOCAL_QUALITY, context_window: 4096, ${sim} }
  - { name: quality-b, provider: ollama, tier: LOCAL_QUALITY, context_window: 4096, ${sim} }
  - { name: api-a, provider: anthropic, tier: API_FALLBACK, context_window: 200000, pricing: { input_per_mtok: 3, output_per_mtok: 15 }, ${sim} }
  - { name: api-b, provider: openai, tier: API_FALLBACK, context_window: 128000, pricing: { input_per_mtok: 2.5, output_per_mtok: 10 }, ${sim} }
`,
    'test-config.yaml',
  );
}
