import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's directory: the nearest ancestor of this module holding hybridllm's package.json. Files that
 * ship beside the sources (the built-in config, scenarios, datasets, report templates) are found from here,
 * so the same code runs from `src/` under tsx and from the compiled copy `bin/build.mjs` writes elsewhere.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project: `projectFile('scenarios', 'heavy.yaml')`. */
export const projectFile = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isOurs(manifest)) return dir;
    if (dirname(dir) === dir) throw new Error(`no hybridllm package.json above ${from}`);
  }
}

function isOurs(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'hybridllm';
  } catch {
    return false;
  }
}
