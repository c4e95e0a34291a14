import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { projectFile } from '../core/project-files.js';
import { ConfigError } from './config-error.js';
import { YamlSource } from './yaml-source.js';

/** The config that ships with the tool: the defaults a partial config is merged over. */
export const BUILT_IN_CONFIG = projectFile('llm_config.yaml');

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
 * Applies `--set key.path=value` assignments (values read as YAML: true, 5, 0.5, "text", [a, b]). A part of
 * the path that meets a list picks the item of that `name` (a name may itself contain dots: the longest known
 * one wins), or an index: `models.claude-haiku-4-5.enabled=true`, `local_costs.hardware.studio.count=2`.
 * `servers.NAME=N` (what `--servers NAME=N` adds) sets the count of hardware item NAME, or of the item model
 * NAME is placed on.
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
    if (key.startsWith('servers.')) {
      applyServers(source, key.slice('servers.'.length), value, `--servers ${key.slice(8)}=${text}`);
      continue;
    }
    const label = `--set ${assignment}`;
    const parts = key.split('.');
    if (parts.some((p) => p === ''))
      throw new ConfigError(`${label}: '${key}' has an empty part; expected key.path=value.`);
    source.setFrom(resolvePath(source.toJS(), parts, label), value, { label });
  }
}

/** A dotted path with list items picked by name (or index), as the document's own path. */
function resolvePath(root: unknown, parts: readonly string[], label: string): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = root;
  for (let i = 0; i < parts.length;) {
    if (Array.isArray(node)) {
      const items = node as { name?: unknown }[];
      let index = -1;
      let length = 0;
      for (let j = parts.length; j > i && index < 0; j--) {
        const name = parts.slice(i, j).join('.');
        index = items.findIndex((item) => isMapping(item) && item.name === name);
        length = j - i;
      }
      if (index < 0 && /^\d+$/.test(parts[i]!)) [index, length] = [Number(parts[i]), 1];
      if (index < 0)
        throw new ConfigError(
          `${label}: no item named '${parts[i]}' under ${path.join('.') || 'the config'}; known: ${items.map((m) => String(m.name)).join(', ')}.`,
        );
      path.push(index);
      node = items[index];
      i += length;
    } else {
      path.push(parts[i]!);
      node = isMapping(node) ? node[parts[i]!] : undefined;
      i++;
    }
  }
  return path;
}

/** `--servers NAME=N`: N machines of hardware item NAME, or of the item model NAME is placed on. */
function applyServers(source: YamlSource, name: string, value: unknown, label: string): void {
  const js = source.toJS() as {
    models?: { name?: string; hardware?: string }[];
    local_costs?: { hardware?: { name?: string }[] };
  };
  const items = js.local_costs?.hardware ?? [];
  const item = items.some((h) => h.name === name) ? name : js.models?.find((m) => m.name === name)?.hardware;
  const index = items.findIndex((h) => h.name === item);
  if (index < 0)
    throw new ConfigError(
      `${label}: '${name}' is neither a hardware item (${items.map((h) => h.name).join(', ') || 'none configured'}) nor a model placed on one.`,
    );
  if (!(Number.isInteger(value) && (value as number) >= 1))
    throw new ConfigError(`${label}: expected a whole number of servers, at least 1.`);
  source.setFrom(['local_costs', 'hardware', index, 'count'], value, { label });
}

/** Whether `file` is the built-in config itself (it is never layered over itself). */
export function isBuiltIn(file: string): boolean {
  try {
    return resolve(file) === resolve(BUILT_IN_CONFIG);
  } catch {
    return false;
  }
}
