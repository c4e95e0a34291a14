import { parentPort, workerData } from 'node:worker_threads';
import { materialise, type RunSpec } from './run-spec.js';
import { alternativeConfig } from './counterfactual-config.js';
import { runOnce } from './run-once.js';
import type { RunKind, WorkerMessage } from './run-types.js';

const { spec, kind, alternative, progressEvery } = workerData as {
  spec: RunSpec;
  kind: RunKind;
  /** An API-only alternative's name: its counterfactual run in place of the kind's own. */
  alternative?: string;
  progressEvery: number;
};
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

try {
  const run = materialise(spec);
  const chosen =
    alternative === undefined ? undefined : run.config.alternatives.find((a) => a.name === alternative);
  if (alternative !== undefined && !chosen) throw new Error(`no API-only alternative named '${alternative}'`);
  const outcome = await runOnce(
    run,
    kind,
    { progressEvery, onProgress: (_kind, done) => post({ type: 'progress', done }) },
    chosen ? alternativeConfig(run.config, chosen) : undefined,
  );
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
