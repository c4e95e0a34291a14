import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

/** `hybridllm mock-server` started as a user would, in the background; `stop` ends it. */
export interface CliMock {
  url: string;
  child: ChildProcess;
  stop(): void;
}

/** Starts `hybridllm mock-server --port 0 …` and reads its URL from what it prints. */
export function startCliMock(args: string[]): Promise<CliMock> {
  const child = spawn(BIN, ['mock-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mock-server did not start: ${output}`)), 15_000);
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const url = /mock server on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, child, stop: () => void child.kill('SIGTERM') });
      }
    });
    child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    child.on('exit', (code) => reject(new Error(`mock-server exited with ${code}: ${output}`)));
  });
}
