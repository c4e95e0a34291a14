import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** CLI runs in tests never touch the user's real ledger. */
const TEST_LEDGER = join(tmpdir(), `hybridllm-test-ledger-${process.pid}.db`);

export const BIN = new URL('../../bin/hybridllm', import.meta.url).pathname;

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI entry point in a child process. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, HYBRIDLLM_LEDGER: TEST_LEDGER, ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
