import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
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

const SCENARIO_DIR = new URL('../../scenarios/', import.meta.url).pathname;

/** Finds a scenario by name (`heavy` → scenarios/heavy.yaml) or path. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/'))
    return nameOrPath;
  for (const candidate of [`scenarios/${nameOrPath}.yaml`, `${SCENARIO_DIR}${nameOrPath}.yaml`])
    if (existsSync(candidate)) return candidate;
  return `${SCENARIO_DIR}${nameOrPath}.yaml`;
}

export function loadScenarioFile(nameOrPath: string): Scenario {
  const file = resolveScenarioPath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `${file}: no such scenario. Use light, medium, heavy (scenarios/*.yaml) or the path of your own scenario file.`,
    );
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): Scenario {
  const source = YamlSource.parse(text, file);
  const raw = source.validate(scenarioSchema);
  return { ...raw, file, text, source };
}
