import { Ollama, type ChatResponse, type Message } from 'ollama';
import type { Clock } from '../core/clock.js';
import type { Backend, GenerateCall, GenerateResult } from './backend.js';
import { anySignal, CallTimer } from './call-timer.js';
import { classifyError } from './classify-error.js';
import { BadResponseError } from './errors.js';
import { conversation, ollamaExtras, ollamaMessages } from './chat-format.js';
import type { ToolCall } from '../contract/request.js';

export interface OllamaBackendSettings {
  clock: Clock;
  /** Environment for OLLAMA_HOST. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Stream the answer (measures TTFT). @default true */
  stream?: boolean;
  /** How long Ollama keeps the model loaded after a call. */
  keepAlive?: string; /** The client's fetch. @default the global one */
  fetch?: typeof fetch;
}

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

/** The host of a model: its config endpoint, then OLLAMA_HOST, then the default (scheme added if missing). */
export function ollamaHost(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const host = configured ?? env['OLLAMA_HOST'] ?? DEFAULT_OLLAMA_HOST;
  return /^https?:\/\//.test(host) ? host.replace(/\/$/, '') : `http://${host}`;
}

/** Ollama's chat API through the official `ollama` client. */
export function createOllamaBackend(settings: OllamaBackendSettings): Backend {
  const { clock } = settings;
  return {
    name: 'ollama',
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      const host = ollamaHost(call.model.endpoint.host, settings.env);
      const client = new Ollama({
        host,
        // ollama-js takes no per-request signal; a fetch that adds ours gives timeouts and aborts.
        fetch: (input, init) =>
          (settings.fetch ?? fetch)(input, { ...init, signal: anySignal(init?.signal, call.signal) ?? null }),
      });
      const timer = new CallTimer(clock);
      const request = {
        model: call.model.model,
        messages: ollamaMessages(conversation(call)) as unknown as Message[],
        ...(ollamaExtras(call) as { options: Record<string, unknown> }),
        ...(settings.keepAlive ? { keep_alive: settings.keepAlive } : {}),
      };
      const toolCalls: ToolCall[] = [];
      const collect = (message: ChatResponse['message'] | undefined): void => {
        for (const t of message?.tool_calls ?? [])
          toolCalls.push({
            id: `call_${toolCalls.length}`,
            name: t.function.name,
            arguments: JSON.stringify(t.function.arguments ?? {}),
          });
      };
      let streamStarted = false;
      try {
        let final: ChatResponse | undefined;
        let text = '';
        if (settings.stream === false || (call.request.stream === false && !call.onToken)) {
          final = await client.chat({ ...request, stream: false });
          text = final.message?.content ?? '';
          timer.token();
          collect(final.message);
          if (call.onToken && text) call.onToken(text);
        } else {
          const stream = await client.chat({ ...request, stream: true });
          streamStarted = true;
          for await (const chunk of stream) {
            const piece = chunk.message?.content ?? '';
            if (piece) {
              timer.token();
              text += piece;
              call.onToken?.(piece);
            }
            collect(chunk.message);
            if (chunk.done) final = chunk;
          }
        }
        if (!final)
          throw new BadResponseError('the stream ended without a final (done) message', call.model.name);
        // Metric fields are omitempty: absent means zero.
        const server: Record<string, number> = {};
        for (const key of [
          'total_duration',
          'load_duration',
          'prompt_eval_count',
          'prompt_eval_duration',
          'eval_count',
          'eval_duration',
        ] as const)
          server[key] = typeof final[key] === 'number' ? final[key] : 0;
        return {
          ...(toolCalls.length ? { toolCalls } : {}),
          text,
          inputTokens: server['prompt_eval_count'] || (call.inputTokens ?? 0),
          outputTokens: server['eval_count'] ?? 0,
          cachedInputTokens: 0,
          finishReason: final.done_reason === 'length' ? 'length' : 'stop',
          ttftMs: timer.ttftMs,
          latencyMs: timer.latencyMs,
          server,
        };
      } catch (error) {
        throw classifyError(error, call.model.name, {
          streamStarted,
          endpoint: host,
          timedOut: call.signal?.aborted === true && call.signal.reason?.name === 'TimeoutError',
          ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}),
        });
      }
    },
  };
}
