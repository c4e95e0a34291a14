// One run in a worker thread (the baseline and the alternatives beside the hybrid run, with `parallel`).
import { Worker } from 'node:worker_threads';
import type { RunSpec } from './run-spec.js';
import type { RunKind, RunOutcome, SimulationHooks, WorkerMessage } from './run-types.js';

export function runInWorker(
  spec: RunSpec,
  kind: RunKind,
  hooks: SimulationHooks,
  /** An API-only alternative's name: the worker runs its counterfactual (progress is not reported). */
  alternative?: string,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    // From the sources, a plain-JavaScript entry registers tsx in the worker; the compiled copy runs as is.
    const entry = import.meta.url.endsWith('.ts') ? './simulation-worker.mjs' : './simulation-worker-main.js';
    const worker = new Worker(new URL(entry, import.meta.url), {
      workerData: { spec, kind, alternative, progressEvery: hooks.progressEvery ?? 5000 },
      // Streaming aggregation keeps live data small, and a small young generation keeps the worker's memory
      // modest. The old generation keeps V8's own limit, as this thread's: a workload replayed with --sort
      // is held in memory (~1 KB a row) and must not fail in a worker where it runs in one thread.
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        if (alternative === undefined) hooks.onProgress?.(kind, message.done);
      } else if (message.type === 'done') {
        settled = true;
        resolve(message.outcome);
      } else {
        settled = true;
        const error = new Error(message.message);
        error.name = message.name;
        Object.assign(error, { file: message.file, line: message.line, column: message.column });
        reject(error);
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the ${kind} simulation worker stopped with exit code ${code}`));
    });
  });
}
