import { readFileSync } from 'node:fs';
import { projectFile } from './core/project-files.js';

let version: string | undefined;

/** This package's version, from package.json. */
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}
