import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

/** `hybridllm serve` started as a user would, in the background; its access log collects in `log`. */
export interface CliServe {
  url: string;
  child: ChildProcess;
  /** What it printed on stderr so far (the access log and shutdown messages). */
  log(): string;
  /** Sends SIGTERM; resolves with its exit code once it has exited. */
  stop(): Promise<number | null>;
}

/** Starts `hybridllm serve --port 0 …` and reads its URL from what it prints. */
export function startCliServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliServe> {
  const child = spawn(BIN, ['serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (data: Buffer) => (err += data.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}${err}`)), 20_000);
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const url = /hybridllm serve on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({
          url,
          child,
          log: () => err,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${out}${err}`));
    });
  });
}
