import type { Clock } from '../core/clock.js';
import { acquire, loadModel, loadNodeLlamaCpp, parseTimings, release, takeLog } from '../llamacpp/engine.js';
import type { Backend, GenerateCall, GenerateResult } from './backend.js';
import { CallTimer } from './call-timer.js';
import { BackendError, BadRequestError, TimeoutError } from './errors.js';
import { formatInstruction } from './prompt-format.js';

export interface LlamaCppBackendSettings {
  clock: Clock;
}

/**
 * llama.cpp in-process through node-llama-cpp (an optional dependency, loaded on first use): the model is
 * loaded once per process and shared, concurrent requests take separate context sequences. Tokens are
 * streamed as the engine produces them; counts come from the engine, and its own timings are reported like
 * Ollama's (prompt_eval / eval counts and durations).
 */
export function createLlamaCppBackend(settings: LlamaCppBackendSettings): Backend {
  return {
    name: 'llamacpp',
    async prepare(model) {
      if (!model.llamacpp) return;
      const entry = await loadModel(model);
      const sequence = await acquire(entry);
      try {
        await sequence.evaluateWithoutGeneratingNewTokens(entry.model.tokenize('Warm up.') as never[]);
        await sequence.clearHistory();
        takeLog();
      } finally {
        release(entry, sequence);
      }
    },
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      const model = call.model;
      if (!model.llamacpp)
        throw new BadRequestError(`model ${model.name} has no llamacpp settings`, model.name);
      const timer = new CallTimer(settings.clock);
      const loadStart = settings.clock.now();
      const entry = await loadModel(model);
      // Only the call that loaded the model waits for it: a cold start, like Ollama's load_duration.
      const loadMs = settings.clock.now() - loadStart;
      const { LlamaChatSession } = await loadNodeLlamaCpp();
      const timedOut = (): TimeoutError =>
        new TimeoutError(`no complete answer within ${call.timeoutMs ?? '?'} ms`, model.name);
      // A call whose client gives up while it waits for a sequence leaves the queue then (it never runs).
      const sequence = await acquire(entry, call.signal, timedOut);
      try {
        await sequence.clearHistory();
        const instruction = formatInstruction(call.expects, call.request.requiredFields);
        const contextSize = sequence.contextSize;
        const promptTokens = entry.model.tokenize(`${instruction}\n\n${call.prompt}\n`);
        if (promptTokens.length + 1 > contextSize)
          throw new BadRequestError(
            `context overflow: the prompt is ${promptTokens.length} tokens but the context holds ${contextSize} (raise context_size, up to the model's ${entry.model.trainContextSize})`,
            model.name,
          );
        // Generation stops where the context ends (reported as a length finish).
        const maxTokens = Math.min(call.maxTokens, contextSize - promptTokens.length - 1);
        takeLog();
        let text = '';
        let outputTokens = 0;
        if (model.llamacpp.chatTemplate === 'auto' && entry.hasChatTemplate) {
          // The model's own chat template, through node-llama-cpp's chat wrappers.
          const session = new LlamaChatSession({
            contextSequence: sequence,
            systemPrompt: instruction,
            autoDisposeSequence: false,
          });
          const before = sequence.tokenMeter.usedOutputTokens;
          text = await session.prompt(call.prompt, {
            maxTokens,
            ...(call.signal ? { signal: call.signal, stopOnAbortSignal: false } : {}),
            onTextChunk: () => timer.token(),
          });
          outputTokens = sequence.tokenMeter.usedOutputTokens - before;
          session.dispose({ disposeSequence: false });
        } else {
          // Plain completion, one token at a time as the engine evaluates it.
          const bos = entry.model.tokens.bos;
          const eos = entry.model.tokens.eos;
          const produced: number[] = [];
          const input = bos === null ? promptTokens : [bos, ...promptTokens];
          for await (const token of sequence.evaluate(input as never[], { temperature: 0.8 })) {
            if (call.signal?.aborted) throw timedOut();
            if (token === eos) break;
            if (produced.length === 0) timer.token();
            produced.push(token as unknown as number);
            if (produced.length >= maxTokens) break;
          }
          outputTokens = produced.length;
          text = entry.model.detokenize(produced as never[]);
        }
        const latencyMs = timer.latencyMs;
        await entry.context.printTimings();
        const server = parseTimings(takeLog());
        if (loadMs > 1) server['load_duration'] = loadMs * 1e6;
        return {
          text,
          inputTokens: promptTokens.length,
          outputTokens,
          cachedInputTokens: 0,
          finishReason: outputTokens >= maxTokens ? 'length' : 'stop',
          ttftMs: timer.ttftMs,
          latencyMs,
          server,
        };
      } catch (error) {
        if (BackendError.isInstance(error)) throw error;
        throw new BadRequestError(`llama.cpp failed: ${(error as Error).message}`, model.name);
      } finally {
        release(entry, sequence);
      }
    },
  };
}
