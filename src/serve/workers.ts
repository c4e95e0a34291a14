import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/**
 * `serve --workers N`: N processes (node:cluster) answering on one port, each with its own router over the
 * same ledger and budget (SQLite or PostgreSQL, both safe across processes). The primary only forks, stops
 * and joins the workers' metrics; a worker that dies is replaced.
 */

type Metrics = MetricObjectWithValues<MetricValue<string>>[];
type Message =
  | { hybridllm: 'listening'; url: string }
  | { hybridllm: 'metrics?'; id: number }
  | { hybridllm: 'metrics'; id: number; text: string }
  | { hybridllm: 'metrics-json?'; id: number }
  | { hybridllm: 'metrics-json'; id: number; json: Metrics };

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && 'hybridllm' in value;

export const isServeWorker = (): boolean => cluster.isWorker;
/** `/w2` in the second worker, '' outside workers: each worker names itself apart in a shared ledger. */
export const workerSuffix = (): string => (cluster.isWorker ? `/w${cluster.worker!.id}` : '');

export interface Primary {
  /** The URL the workers listen on, once every one of them does. */
  url: string;
  /** Stops every worker (each drains and flushes), resolving once all have exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Replacing a dying worker more often than this gives up: the service stops, naming the cause. */
const CRASHES = { count: 5, withinMs: 60_000 };

/**
 * Forks `count` workers running this same command line, and resolves once all of them listen. `onGiveUp`
 * hears why the service stopped when workers kept dying (every worker is stopped by then).
 */
export function startPrimary(
  count: number,
  onNotice: (line: string) => void,
  onGiveUp: (reason: string) => void,
): Promise<Primary> {
  let stopping = false;
  const crashes: number[] = [];
  const killAll = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  const listening = new Set<Worker>();
  let url = '';
  let nextId = 0;
  const asks = new Map<number, { left: Set<Worker>; got: Metrics[]; done: (text: string) => void }>();

  /** Every live worker's metrics as JSON, summed (counters, histograms) or as each gauge says. */
  const joined = (): Promise<string> =>
    new Promise((resolve) => {
      const id = ++nextId;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      const finish = (): void => {
        const ask = asks.get(id);
        if (!ask) return;
        asks.delete(id);
        void AggregatorRegistry.aggregate(ask.got).metrics().then(resolve);
      };
      asks.set(id, { left: new Set(workers), got: [], done: finish });
      for (const worker of workers) worker.send({ hybridllm: 'metrics-json?', id } satisfies Message);
      // A worker busy dying does not hold the answer: what came within 2 s is the answer.
      setTimeout(finish, 2_000).unref();
      if (workers.length === 0) finish();
    });

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (!isMessage(message)) return;
      if (message.hybridllm === 'listening') {
        url = message.url;
        listening.add(worker);
        ready();
      } else if (message.hybridllm === 'metrics?')
        void joined().then((text) => {
          if (worker.isConnected())
            worker.send({ hybridllm: 'metrics', id: message.id, text } satisfies Message);
        });
      else if (message.hybridllm === 'metrics-json') {
        const ask = asks.get(message.id);
        if (!ask) return;
        ask.got.push(message.json);
        ask.left.delete(worker);
        if (ask.left.size === 0) ask.done('');
      }
    });
    return worker;
  };

  let ready = (): void => {};
  return new Promise<Primary>((resolve, reject) => {
    ready = () => {
      if (listening.size < count) return;
      ready = () => {};
      resolve({
        url,
        stop: (signal) =>
          new Promise<void>((done) => {
            stopping = true;
            const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
            if (live.length === 0) return done();
            let left = live.length;
            for (const worker of live) {
              worker.once('exit', () => --left === 0 && done());
              worker.process.kill(signal);
            }
          }),
      });
    };
    cluster.on('exit', (worker, code, signal) => {
      listening.delete(worker);
      for (const ask of asks.values()) if (ask.left.delete(worker) && ask.left.size === 0) ask.done('');
      if (stopping) return;
      const how = `serve worker ${worker.process.pid} exited with ${signal ?? code}`;
      if (!url) {
        killAll('SIGTERM');
        reject(new Error(`${how} before it listened`));
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes[0]! < now - CRASHES.withinMs) crashes.shift();
      if (crashes.length >= CRASHES.count) {
        killAll('SIGTERM');
        onGiveUp(
          `${how}, the ${CRASHES.count}th worker to die within ${CRASHES.withinMs / 1000} s: stopping`,
        );
        return;
      }
      onNotice(`${how}; starting another`);
      fork();
    });
    for (let i = 0; i < count; i++) fork();
  });
}

/**
 * In a worker: tells the primary it listens, answers the primary's requests for this worker's metrics, and
 * gives the gateway the whole service's metrics text (every worker's, joined by the primary).
 */
export function joinPrimary(url: string, ownMetrics: () => Promise<Metrics>): () => Promise<string> {
  let nextId = 0;
  const waiting = new Map<number, (text: string) => void>();
  // The channel to the primary never keeps a worker alive once its server has closed.
  process.channel?.unref();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.hybridllm === 'metrics-json?')
      void ownMetrics().then((json) =>
        process.send?.({ hybridllm: 'metrics-json', id: message.id, json } satisfies Message),
      );
    else if (message.hybridllm === 'metrics') {
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
    }
  });
  process.send?.({ hybridllm: 'listening', url } satisfies Message);
  return () =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      process.send?.({ hybridllm: 'metrics?', id } satisfies Message);
      setTimeout(() => {
        if (waiting.delete(id)) reject(new Error('the primary process did not answer for the metrics'));
      }, 5_000).unref();
    });
}
