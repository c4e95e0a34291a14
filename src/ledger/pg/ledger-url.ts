import { ConfigError } from '../../config/config-error.js';
import type { RouterConfig } from '../../config/router-config.js';

/** The PostgreSQL URL: $HYBRIDLLM_LEDGER_URL, then the config's ledger.url (a `${VAR}` reference is read). */
export function resolveLedgerUrl(
  config: RouterConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const raw = env['HYBRIDLLM_LEDGER_URL'] || config.ledger.url;
  if (!raw) return undefined;
  const expanded = raw.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = env[name];
    if (!value)
      throw new ConfigError(
        `${config.source}: ledger.url: environment variable ${name} is not set; export it, or write the URL`,
      );
    return value;
  });
  if (!/^postgres(ql)?:\/\//.test(expanded))
    throw new ConfigError(
      `${env['HYBRIDLLM_LEDGER_URL'] ? 'HYBRIDLLM_LEDGER_URL' : `${config.source}: ledger.url`}: expected a postgres://user@host:port/database URL, got '${redactUrl(expanded)}'`,
    );
  return expanded;
}

/** The URL as it may be printed: any password replaced by ***. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
