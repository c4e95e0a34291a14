import { hostname } from 'node:os';
import type { RouterConfig } from '../config/router-config.js';

/** This router's name in a shared ledger: $HYBRIDLLM_INSTANCE, ledger.instance, else the host (and port). */
export function resolveInstance(
  config: RouterConfig,
  fallback = hostname(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env['HYBRIDLLM_INSTANCE'] || config.ledger.instance || fallback;
}
