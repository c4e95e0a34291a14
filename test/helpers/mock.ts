import { parseConfig } from '../../src/config/load-config.js';
import { withEndpoint } from '../../src/config/endpoint-override.js';
import type { RouterConfig } from '../../src/config/router-config.js';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/fakes/mock-server.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './config.js';

/** A planted key: tests check it never appears in logs, errors or records. */
export const PLANTED_KEY = 'sk-ant-planted-KEY-0123456789abcdef';
export const TEST_ENV = { ANTHROPIC_API_KEY: PLANTED_KEY, OPENAI_API_KEY: 'sk-proj-planted-0123456789' };

/**
 * The shipped config with every model pointed at a fresh mock server (fast: delays scaled down), short
 * timeouts and quick retries.
 */
export async function withMock(
  options: Partial<MockServerOptions> = {},
  configExtra: (text: string) => string = (t) => t,
): Promise<{ server: MockServer; config: RouterConfig }> {
  const text = configExtra(
    PROJECT_CONFIG_TEXT.replace(
      'router:\n',
      'router:\n  retry: { max_retries: 2, base_delay_ms: 20, max_delay_ms: 2000 }\n  timeouts_ms: { LOCAL_FAST: 1500, LOCAL_QUALITY: 1500, API_FALLBACK: 1500 }\n',
    ),
  );
  const base = parseConfig(text, PROJECT_CONFIG);
  const server = await startMockServer({ config: base, timeScale: 0.02, ...options });
  return { server, config: withEndpoint(base, server.url) };
}
