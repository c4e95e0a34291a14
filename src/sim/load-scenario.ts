import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkInputFile } from '../config/input-file.js';
import { ConfigError } from '../config/config-error.js';
import { projectFile } from '../core/project-files.js';
import { YamlSource } from '../config/yaml-source.js';
import { scenarioSchema, type RawScenario } from './scenario-schema.js';

/** A validated scenario with where it came from. */
export interface Scenario extends RawScenario {
  file: string;
  /** The file's text, copied into run folders. */
  text: string;
  /** Positions of the file's values, for errors found later (e.g. a fault on an unknown model). */
  source: YamlSource;
}

const SCENARIO_DIR = projectFile('scenarios');

/** Finds a scenario by name (`heavy` → scenarios/heavy.yaml) or path. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/'))
    return nameOrPath;
  for (const candidate of [`scenarios/${nameOrPath}.yaml`, join(SCENARIO_DIR, `${nameOrPath}.yaml`)])
    if (existsSync(candidate)) return candidate;
  return join(SCENARIO_DIR, `${nameOrPath}.yaml`);
}

export function loadScenarioFile(nameOrPath: string): Scenario {
  const file = resolveScenarioPath(nameOrPath);
  if (!existsSync(file))
    throw new ConfigError(
      `${file}: no such scenario. Use light, medium, heavy (scenarios/*.yaml) or the path of your own scenario file.`,
    );
  checkInputFile(file, 'scenario');
  return parseScenario(readFileSync(file, 'utf8'), file);
}

/** How far the action shares may be from summing to 1 (rounding in hand-written files). */
const SHARE_TOLERANCE = 0.001;

export function parseScenario(text: string, file: string): Scenario {
  const source = YamlSource.parse(text, file);
  const raw = source.validate(scenarioSchema);
  const total = Object.values(raw.actions).reduce((sum, action) => sum + action.share, 0);
  if (Math.abs(total - 1) > SHARE_TOLERANCE)
    throw source.errorAt(
      ['actions'],
      `the action shares add up to ${Math.round(total * 10_000) / 10_000}; they must add up to 1 (each share is the fraction of iterations of that action)`,
    );
  const prefixOf = new Map<string, [string, number]>();
  for (const [action, spec] of Object.entries(raw.actions)) {
    if (spec.prefix_group === undefined) continue;
    const seen = prefixOf.get(spec.prefix_group);
    if (seen && seen[1] !== spec.shared_prefix_tokens)
      throw source.errorAt(
        ['actions', action, 'shared_prefix_tokens'],
        `actions '${seen[0]}' and '${action}' are in prefix_group '${spec.prefix_group}' but give ${seen[1]} and ${spec.shared_prefix_tokens} shared prefix tokens; one group has one prefix, so they must be equal`,
      );
    prefixOf.set(spec.prefix_group, [action, spec.shared_prefix_tokens]);
  }
  return { ...raw, file, text, source };
}
