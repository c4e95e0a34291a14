import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../types.js';
import { pythonCommand } from './python-compile.js';

export interface SandboxLimits {
  /** Wall-clock limit; the process is killed at it. @default 5000 */
  timeoutMs: number;
  /** Address-space limit of the child. @default 512 */
  memoryMb: number;
}

export type TestOutcome = 'passed' | 'failed' | 'timeout' | 'memory' | 'unavailable';

export interface TestRun {
  outcome: TestOutcome;
  /** The last line of the error, or why the run was cut. */
  detail: string;
  durationMs: number;
}

/**
 * Runs a candidate program and its tests (HumanEval style: the tests define `check(candidate)`, called with
 * the entry point) in a child `python3` with limits set inside the child before any candidate code runs:
 * address space (`RLIMIT_AS`), CPU seconds, file size (1 MB), a temporary empty working directory, `-I`
 * isolation (no user site, no environment variables), and a wall-clock kill. It bounds runaway and
 * memory-hungry answers; it is not a security boundary against hostile code.
 */
export function runPythonTests(
  program: string,
  tests: string,
  entryPoint: string,
  limits: SandboxLimits,
): Promise<TestRun> {
  const harness = String.raw`
import resource, sys
memory = ${Math.floor(limits.memoryMb)} * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
cpu = ${Math.max(1, Math.ceil(limits.timeoutMs / 1000))}
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
source = sys.stdin.read()
scope = {"__name__": "__candidate__"}
try:
    exec(compile(source, "<candidate>", "exec"), scope)
except MemoryError:
    sys.stderr.write("MemoryError\n"); sys.exit(3)
`;
  const source = `${program}\n\n${tests}\n\ncheck(${entryPoint})\n`;
  const directory = mkdtempSync(join(tmpdir(), 'hybridllm-sandbox-'));
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let stderr = '';
    const finish = (outcome: TestOutcome, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rmSync(directory, { recursive: true, force: true });
      resolve({ outcome, detail, durationMs: performance.now() - started });
    };
    const child = spawn(pythonCommand(), ['-I', '-c', harness], {
      cwd: directory,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish('timeout', `killed at the ${limits.timeoutMs} ms limit`);
    }, limits.timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8_000) stderr += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish('unavailable', error.code === 'ENOENT' ? `${pythonCommand()} not found` : error.message),
    );
    child.on('close', (code, signal) => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      if (code === 0) finish('passed', 'all tests passed');
      else if (code === 3 || /MemoryError/.test(last))
        finish('memory', `over the ${limits.memoryMb} MB limit`);
      else if (signal === 'SIGXCPU' || signal === 'SIGKILL') finish('timeout', 'CPU time limit reached');
      else finish('failed', last.slice(0, 200) || `exit code ${code}`);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(source);
  });
}

/** The code-tests check: 1 when the answer passes its tests, 0 when it fails or runs out of time or memory. */
export async function checkCodeTests(
  code: string,
  tests: { code: string; entryPoint: string },
  limits: SandboxLimits,
): Promise<CheckResult | undefined> {
  const run = await runPythonTests(code, tests.code, tests.entryPoint, limits);
  if (run.outcome === 'unavailable') return undefined;
  if (run.outcome === 'passed') return { score: 1, note: 'passes its tests (sandboxed)' };
  return { score: 0, note: `tests ${run.outcome === 'failed' ? 'fail' : run.outcome}: ${run.detail}` };
}
