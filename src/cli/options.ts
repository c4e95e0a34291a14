import { existsSync } from 'node:fs';
import { loadConfigFile } from '../config/load-config.js';
import { projectFile } from '../core/project-files.js';
import type { RouterConfig } from '../config/router-config.js';

/** Default config file: `--config`, then `HYBRIDLLM_CONFIG`, then ./llm_config.yaml, then the project's own. */
export function resolveConfigPath(flag: string | undefined): string {
  if (flag) return flag;
  const fromEnv = process.env['HYBRIDLLM_CONFIG'];
  if (fromEnv) return fromEnv;
  if (existsSync('llm_config.yaml')) return 'llm_config.yaml';
  return projectFile('llm_config.yaml');
}

export function loadConfigOption(flag: string | undefined, sets?: readonly string[]): RouterConfig {
  return loadConfigFile(resolveConfigPath(flag), undefined, sets);
}

export const configOption = {
  type: 'string',
  describe: 'Config file (default: $HYBRIDLLM_CONFIG, ./llm_config.yaml, or the built-in one)',
} as const;

/**
 * What the user typed for a flag, for error messages: yargs has already turned `--seed abc` into NaN, and
 * "got NaN" tells nobody what was wrong. Falls back to the parsed value.
 */
export function typed(flag: string, parsed: unknown, argv: readonly string[] = process.argv): string {
  for (let i = argv.length - 1; i >= 0; i--) {
    const arg = argv[i]!;
    if (arg.startsWith(`--${flag}=`)) return `'${arg.slice(flag.length + 3)}'`;
    if (arg === `--${flag}` && i + 1 < argv.length) return `'${argv[i + 1]}'`;
  }
  return String(parsed);
}

/**
 * The global `--set key.path=value` assignments, as strings (yargs gives one value or a list), then each
 * `--servers NAME=N` as `servers.NAME=N`.
 */
export function configSets(args: object): string[] | undefined {
  const list = (value: unknown): string[] =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
  const { set, servers } = args as { set?: unknown; servers?: unknown };
  const all = [...list(set), ...list(servers).map((s) => `servers.${s}`)];
  return all.length ? all : undefined;
}
