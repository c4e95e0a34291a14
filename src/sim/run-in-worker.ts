// Passes in worker threads (the baseline and the alternatives beside the hybrid run, with `parallel`): each
// worker materialises the run once and runs its passes one after the other.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunSpec } from './run-spec.js';
import type { RunKind, RunOutcome, SimulationHooks, WorkerMessage, WorkerPass } from './run-types.js';

/**
 * How many workers `passes` passes get: one a core beside this thread's, at least one, never more than the
 * passes. On 2 cores that is one worker, which runs them all while this thread runs the hybrid passes.
 */
export function workerCount(passes: number, cores = availableParallelism()): number {
  return Math.max(0, Math.min(passes, Math.max(1, cores - 1)));
}

/** Runs `passes` in `workers` worker threads, dealt round-robin: a promise for each pass's outcome, in order. */
export function runPassesInWorkers(
  spec: RunSpec,
  passes: readonly WorkerPass[],
  hooks: SimulationHooks,
  workers = workerCount(passes.length),
): Promise<RunOutcome>[] {
  const dealt: { pass: number; of: WorkerPass }[][] = Array.from({ length: workers }, () => []);
  passes.forEach((of, pass) => dealt[pass % workers]!.push({ pass, of }));
  const outcomes: Promise<RunOutcome>[] = new Array(passes.length);
  for (const list of dealt) {
    const promises = runInWorker(
      spec,
      'baseline',
      list.map((p) => p.of),
      hooks,
    );
    list.forEach((p, i) => (outcomes[p.pass] = promises[i]!));
  }
  return outcomes;
}

/** One worker running `passes` of `kind` in order: a promise for each. */
export function runInWorker(
  spec: RunSpec,
  kind: RunKind,
  passes: readonly WorkerPass[],
  hooks: SimulationHooks,
): Promise<RunOutcome>[] {
  const settlers = passes.map(() => {
    let resolve!: (outcome: RunOutcome) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<RunOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject, settled: false };
  });
  const settle = (index: number, outcome: RunOutcome | Error): void => {
    const s = settlers[index];
    if (!s || s.settled) return;
    s.settled = true;
    if (outcome instanceof Error) s.reject(outcome);
    else s.resolve(outcome);
  };
  /** A failure ends this pass and every one after it in this worker. */
  const failFrom = (index: number, error: Error): void => {
    for (let i = index; i < settlers.length; i++) settle(i, error);
  };
  // From the sources, a plain-JavaScript entry registers tsx in the worker; the compiled copy runs as is.
  const entry = import.meta.url.endsWith('.ts') ? './simulation-worker.mjs' : './simulation-worker-main.js';
  const worker = new Worker(new URL(entry, import.meta.url), {
    workerData: { spec, kind, passes, progressEvery: hooks.progressEvery ?? 5000 },
    // Streaming aggregation keeps live data small, and a small young generation keeps the worker's memory
    // modest. The old generation keeps V8's own limit, as this thread's: a workload replayed with --sort
    // is held in memory (~1 KB a row) and must not fail in a worker where it runs in one thread.
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
  });
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'progress') {
      // The baseline's own pass reports progress; an alternative's does not.
      if (passes[message.index]?.alternative === undefined) hooks.onProgress?.(kind, message.done);
    } else if (message.type === 'done') settle(message.index, message.outcome);
    else {
      const error = new Error(message.message);
      error.name = message.name;
      Object.assign(error, { file: message.file, line: message.line, column: message.column });
      failFrom(message.index, error);
    }
  });
  worker.on('error', (error) => failFrom(0, error));
  worker.on('exit', (code) =>
    failFrom(0, new Error(`the ${kind} simulation worker stopped with exit code ${code}`)),
  );
  return settlers.map((s) => s.promise);
}
