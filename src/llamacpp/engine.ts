import type * as NodeLlamaCppModule from 'node-llama-cpp';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { ModelConfig } from '../config/router-config.js';
import { BadRequestError, ModelNotFoundError } from '../backends/errors.js';

type NodeLlamaCpp = typeof NodeLlamaCppModule;
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;
export type LlamaContextSequence = ReturnType<LlamaContext['getSequence']>;

/** The install hint, shown once when a config uses llamacpp and the optional package is absent. */
export const INSTALL_HINT =
  'provider llamacpp needs the optional package node-llama-cpp: npm i -E node-llama-cpp@3.21.1';

let module: Promise<NodeLlamaCpp> | undefined;
let llama: Promise<Llama> | undefined;
/** Lines llama.cpp logged since the last `takeLog()` (for the engine's own timings). */
let log: string[] = [];

/** Loads node-llama-cpp lazily: `npm ci` and `simulate` never need it. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  module ??= import('node-llama-cpp').catch((error: unknown) => {
    module = undefined;
    throw new BadRequestError(`${INSTALL_HINT} (${(error as Error).message.split('\n')[0]})`, 'llamacpp');
  });
  return module;
}

/** The llama.cpp runtime: prebuilt CPU binaries from npm, never a download or build at run time. */
export function getEngine(): Promise<Llama> {
  llama ??= loadNodeLlamaCpp().then((m) =>
    m.getLlama({
      gpu: false,
      build: 'never',
      logLevel: m.LlamaLogLevel.info,
      logger: (_level: unknown, message: string) => void log.push(message),
    }),
  );
  return llama;
}

export function takeLog(): string[] {
  const lines = log;
  log = [];
  return lines;
}

/** Checks a model file before llama.cpp sees it, for clear errors: missing, or not a GGUF. */
export function checkGguf(path: string, modelName: string): void {
  if (!existsSync(path))
    throw new ModelNotFoundError(`model file ${path} does not exist (model_path of ${modelName})`, modelName);
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    const read = readSync(fd, magic, 0, 4, 0);
    if (read < 4 || magic.toString('ascii') !== 'GGUF')
      throw new BadRequestError(
        `${path} is not a GGUF file (it starts with ${JSON.stringify(magic.subarray(0, read).toString('latin1'))}, not "GGUF")`,
        modelName,
      );
  } finally {
    closeSync(fd);
  }
}

/** Threads for llama.cpp: physical cores − 1, at least 1 (measured here: 2 threads on 2 cores took 40× longer). */
export async function defaultThreads(): Promise<number> {
  const engine = await getEngine();
  return Math.max(1, engine.cpuMathCores - 1);
}

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  free: LlamaContextSequence[];
  waiters: ((sequence: LlamaContextSequence) => void)[];
  hasChatTemplate: boolean;
  /** Written by the project's test-model generator: gibberish output, timing and plumbing only. */
  isTestModel: boolean;
}

const loaded = new Map<string, Promise<Loaded>>();

/** Loads a model once per process and shares it; its context holds `parallel` sequences for concurrent requests. */
export function loadModel(config: ModelConfig): Promise<Loaded> {
  const settings = config.llamacpp!;
  const key = `${settings.modelPath}|${settings.contextSize}|${settings.threads ?? ''}|${settings.parallel}`;
  let entry = loaded.get(key);
  if (!entry) {
    entry = (async () => {
      checkGguf(settings.modelPath, config.name);
      const engine = await getEngine();
      let model: LlamaModel;
      try {
        model = await engine.loadModel({ modelPath: settings.modelPath });
      } catch (error) {
        const message = (error as Error).message;
        if (/memory|alloc/i.test(message))
          throw new BadRequestError(`out of memory loading ${settings.modelPath}: ${message}`, config.name);
        throw new BadRequestError(`llama.cpp could not load ${settings.modelPath}: ${message}`, config.name);
      }
      const threads = settings.threads ?? (await defaultThreads());
      const context = await model.createContext({
        contextSize: settings.contextSize,
        sequences: settings.parallel,
        threads,
        performanceTracking: true,
      });
      const free = Array.from({ length: settings.parallel }, () => context.getSequence());
      const template = (model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer
        ?.chat_template;
      const name = (model.fileInfo.metadata as { general?: { name?: unknown } }).general?.name;
      return {
        model,
        context,
        free,
        waiters: [],
        hasChatTemplate: typeof template === 'string' && template.length > 0,
        isTestModel: typeof name === 'string' && name.startsWith('hybridllm-test'),
      };
    })();
    entry.catch(() => loaded.delete(key));
    loaded.set(key, entry);
  }
  return entry;
}

/**
 * Takes a free sequence, waiting for one when all are busy. A caller whose `signal` aborts while it waits
 * leaves the queue at once (rejected with `onAbort()`), so a client that gave up never takes a sequence
 * from those still waiting, as a server cancels a request whose client went away.
 */
export function acquire(
  entry: Loaded,
  signal?: AbortSignal,
  onAbort: () => Error = () => new Error('aborted'),
): Promise<LlamaContextSequence> {
  if (signal?.aborted) return Promise.reject(onAbort());
  const sequence = entry.free.pop();
  if (sequence) return Promise.resolve(sequence);
  return new Promise((resolve, reject) => {
    const waiter = (next: LlamaContextSequence): void => {
      signal?.removeEventListener('abort', leave);
      resolve(next);
    };
    const leave = (): void => {
      const at = entry.waiters.indexOf(waiter);
      if (at >= 0) entry.waiters.splice(at, 1);
      reject(onAbort());
    };
    signal?.addEventListener('abort', leave, { once: true });
    entry.waiters.push(waiter);
  });
}

export function release(entry: Loaded, sequence: LlamaContextSequence): void {
  const waiter = entry.waiters.shift();
  if (waiter) waiter(sequence);
  else entry.free.push(sequence);
}

/** Parses llama.cpp's perf print: prompt eval and eval times and counts. */
export function parseTimings(lines: readonly string[]): Record<string, number> {
  const server: Record<string, number> = {};
  for (const line of lines) {
    const prompt = /prompt eval time =\s*([\d.]+) ms \/\s*(\d+) tokens/.exec(line);
    if (prompt) {
      server['prompt_eval_duration'] = Number(prompt[1]) * 1e6;
      server['prompt_eval_count'] = Number(prompt[2]);
    }
    const evalTime = /\s eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(line);
    if (evalTime) {
      server['eval_duration'] = Number(evalTime[1]) * 1e6;
      server['eval_count'] = Number(evalTime[2]);
    }
  }
  return server;
}

export async function disposeAll(): Promise<void> {
  for (const entry of loaded.values()) {
    const { model, context } = await entry.catch(() => ({ model: undefined, context: undefined }));
    await context?.dispose();
    await model?.dispose();
  }
  loaded.clear();
}

/** The llama.cpp build node-llama-cpp uses here (for doctor and bench): backend, release, threads. */
export async function engineInfo(): Promise<
  { backend: string; release: string; cores: number } | { error: string }
> {
  try {
    const engine = await getEngine();
    return {
      backend: engine.gpu === false ? 'CPU' : String(engine.gpu),
      release: `${engine.llamaCppRelease.repo} ${engine.llamaCppRelease.release}`,
      cores: engine.cpuMathCores,
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** An ad-hoc llamacpp model for a GGUF path (bench --models llamacpp:FILE). */
export function adHocModel(
  path: string,
  base: Omit<ModelConfig, 'name' | 'model' | 'provider' | 'llamacpp'>,
): ModelConfig {
  const name = `llamacpp:${path
    .split('/')
    .pop()!
    .replace(/\.gguf$/i, '')}`;
  return {
    ...base,
    name,
    model: name,
    provider: 'llamacpp',
    endpoint: {},
    llamacpp: { modelPath: path, contextSize: 2048, parallel: 2, chatTemplate: 'auto' },
  };
}
