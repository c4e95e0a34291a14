import { parentPort, workerData } from 'node:worker_threads';
import { materialise, type RunSpec } from './run-spec.js';
import { alternativeConfig } from './counterfactual-config.js';
import { runOnce } from './run-once.js';
import type { RunKind, WorkerMessage, WorkerPass } from './run-types.js';

const { spec, kind, passes, progressEvery } = workerData as {
  spec: RunSpec;
  kind: RunKind;
  /** The passes this worker runs, one after the other: the kind's own run, or an API-only alternative's. */
  passes: WorkerPass[];
  progressEvery: number;
};
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

let index = 0;
try {
  const run = materialise(spec);
  for (; index < passes.length; index++) {
    const { alternative } = passes[index]!;
    const chosen =
      alternative === undefined ? undefined : run.config.alternatives.find((a) => a.name === alternative);
    if (alternative !== undefined && !chosen)
      throw new Error(`no API-only alternative named '${alternative}'`);
    const outcome = await runOnce(
      run,
      kind,
      { progressEvery, onProgress: (_kind, done) => post({ type: 'progress', index, done }) },
      chosen ? alternativeConfig(run.config, chosen) : undefined,
    );
    post({ type: 'done', index, outcome });
  }
} catch (error) {
  const e = error as Error & { file?: string; line?: number; column?: number };
  post({
    type: 'error',
    index,
    name: e.name,
    message: e.message,
    ...(e.file ? { file: e.file } : {}),
    ...(e.line ? { line: e.line } : {}),
    ...(e.column ? { column: e.column } : {}),
  });
}
