import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

let found: string | undefined;

/**
 * The Python interpreter the compiler check and the code-tests sandbox start: `HYBRIDLLM_PYTHON` when set,
 * else the first `python3` on PATH. A pyenv shim is resolved to the interpreter it would run (from
 * PYENV_VERSION or pyenv's version file), without running it: the shim costs ~300 ms on every start, and the
 * sandbox starts one process per test run. Found once per process.
 */
export function findPython(): string {
  if (found) return found;
  const configured = process.env['HYBRIDLLM_PYTHON'];
  if (configured) return (found = configured);
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'python3'))
    .find((file) => existsSync(file));
  if (!onPath) return (found = 'python3');
  found = onPath.includes(`${join('shims', 'python3')}`) ? (pyenvTarget(onPath) ?? onPath) : onPath;
  return found;
}

function pyenvTarget(shim: string): string | undefined {
  const root = process.env['PYENV_ROOT'] ?? dirname(dirname(shim));
  let version = process.env['PYENV_VERSION']?.split(':')[0];
  if (!version) {
    try {
      version = readFileSync(join(root, 'version'), 'utf8').split(/\s+/)[0];
    } catch {
      return undefined;
    }
  }
  if (!version || version === 'system') return undefined;
  const target = join(root, 'versions', version, 'bin', 'python3');
  return existsSync(target) ? target : undefined;
}
