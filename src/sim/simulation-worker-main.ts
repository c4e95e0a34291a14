import { parentPort, workerData } from 'node:worker_threads';
import { materialise, type RunSpec } from './run-spec.js';
import { runOnce } from './run-once.js';
import type { RunKind, WorkerMessage } from './run-types.js';

const { spec, kind, progressEvery } = workerData as { spec: RunSpec; kind: RunKind; progressEvery: number };
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

try {
  const run = materialise(spec);
  const outcome = await runOnce(run, kind, {
    progressEvery,
    onProgress: (_kind, done) => post({ type: 'progress', done }),
  });
  post({ type: 'done', outcome });
} catch (error) {
  const e = error as Error & { file?: string; line?: number; column?: number };
  post({
    type: 'error',
    name: e.name,
    message: e.message,
    ...(e.file ? { file: e.file } : {}),
    ...(e.line ? { line: e.line } : {}),
    ...(e.column ? { column: e.column } : {}),
  });
}
