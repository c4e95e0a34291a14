import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from './config-error.js';
import { YamlSource } from './yaml-source.js';

/** The config that ships with the tool: the defaults a partial config is merged over. */
export const BUILT_IN_CONFIG = new URL('../../llm_config.yaml', import.meta.url).pathname;

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A config is partial when it gives no `models` list: no `models` at all, or `models` as a mapping from model
 * name to the fields it changes. A partial config is merged over the built-in defaults; a config with a
 * `models` list stands alone, as before.
 */
export function isPartialConfig(value: unknown): boolean {
  if (!isMapping(value)) return true;
  return !('models' in value) || isMapping(value['models']);
}

/**
 * The built-in defaults with `user` merged over them: mappings merge key by key, lists and scalars replace,
 * and `models` (a mapping by name) patches the model of that name or adds a new one at the end. Errors about
 * a value the user gave point into the user's file; about the rest, into the built-in file.
 */
export function layerOverDefaults(user: YamlSource, builtIn = BUILT_IN_CONFIG): YamlSource {
  const base = YamlSource.parse(readFileSync(builtIn, 'utf8'), builtIn);
  const merged = YamlSource.layer(base, user.file, user.text);
  const given = user.toJS();
  if (!isMapping(given)) return merged;
  const visit = (path: unknown[], userPath: unknown[], value: unknown): void => {
    if (isMapping(value) && Object.keys(value).length > 0)
      for (const [key, child] of Object.entries(value)) visit([...path, key], [...userPath, key], child);
    else merged.setFrom(path, value, { source: user, path: userPath });
  };
  const models = ((base.toJS() as { models?: { name?: string }[] }).models ?? []).map((m) => m.name);
  for (const [key, value] of Object.entries(given)) {
    if (key !== 'models') {
      visit([key], [key], value);
      continue;
    }
    for (const [name, patch] of Object.entries(value as Record<string, unknown>)) {
      if (!isMapping(patch))
        throw user.errorAt(
          ['models', name],
          `expected the fields to change on model '${name}' (a mapping, e.g. enabled: true), or a list of every model`,
        );
      const index = models.indexOf(name);
      if (index >= 0) visit(['models', index], ['models', name], patch);
      else {
        // A model the defaults do not have: added whole, after theirs.
        merged.setFrom(
          ['models', models.length],
          { name, ...patch },
          { source: user, path: ['models', name] },
        );
        models.push(name);
      }
    }
  }
  return merged;
}

/**
 * Applies `--set key.path=value` assignments (values read as YAML: true, 5, 0.5, "text", [a, b]). Under
 * `models.`, the next part is a model's name, which may itself contain dots (the longest known name wins).
 */
export function applySets(source: YamlSource, sets: readonly string[]): void {
  for (const assignment of sets) {
    const at = assignment.indexOf('=');
    if (at <= 0)
      throw new ConfigError(
        `--set ${assignment}: expected key.path=value, e.g. --set router.daily_budget_usd=5 or --set models.claude-haiku-4-5.enabled=true.`,
      );
    const key = assignment.slice(0, at).trim();
    const text = assignment.slice(at + 1);
    let value: unknown;
    try {
      value = text === '' ? '' : parse(text);
    } catch {
      value = text;
    }
    const label = `--set ${assignment}`;
    if (key.startsWith('models.')) {
      const names = ((source.toJS() as { models?: { name?: string }[] }).models ?? []).map(
        (m) => m.name ?? '',
      );
      const rest = key.slice('models.'.length);
      const name = names.filter((n) => rest.startsWith(`${n}.`)).sort((a, b) => b.length - a.length)[0];
      if (!name)
        throw new ConfigError(
          `${label}: no model named '${rest.split('.')[0]}' in ${source.file}; known: ${names.join(', ')}.`,
        );
      source.applyOverrides(
        { models: { [name]: nest(rest.slice(name.length + 1).split('.'), value) } },
        label,
      );
    } else source.applyOverrides(nest(key.split('.'), value) as Record<string, unknown>, label);
  }
}

function nest(path: readonly string[], value: unknown): unknown {
  if (path.some((p) => p === ''))
    throw new ConfigError(`--set: '${path.join('.')}' has an empty part; expected key.path=value.`);
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/** Whether `file` is the built-in config itself (it is never layered over itself). */
export function isBuiltIn(file: string): boolean {
  try {
    return resolve(file) === resolve(BUILT_IN_CONFIG);
  } catch {
    return false;
  }
}
