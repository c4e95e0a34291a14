import Anthropic from '@anthropic-ai/sdk';
import { resolveApiKey } from '../config/secrets.js';
import type { Clock } from '../core/clock.js';
import type { Backend, GenerateCall, GenerateResult } from './backend.js';
import { CallTimer } from './call-timer.js';
import { classifyError } from './classify-error.js';
import { BadResponseError } from './errors.js';
import { anthropicConversation, anthropicExtras, conversation } from './chat-format.js';
import type { ToolCall } from '../contract/request.js';

export interface AnthropicBackendSettings {
  clock: Clock;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** @default true */
  stream?: boolean; /** The client's fetch. @default the global one */
  fetch?: typeof fetch;
}

/**
 * The SDK prints a deprecation notice on every call to a deprecated model; a router making thousands of calls
 * would bury everything else under it. Each distinct notice is shown once per process.
 */
function showDeprecationNoticesOnce(): void {
  const marker = Symbol.for('hybridllm.warnOnce');
  const current = console.warn as typeof console.warn & { [marker]?: true };
  if (current[marker]) return;
  const seen = new Set<string>();
  const wrapped = ((...args: unknown[]) => {
    const first = typeof args[0] === 'string' ? args[0] : '';
    if (/^The model '.+' is deprecated/.test(first)) {
      if (seen.has(first)) return;
      seen.add(first);
    }
    current(...args);
  }) as typeof console.warn & { [marker]?: true };
  wrapped[marker] = true;
  console.warn = wrapped;
}

/** The Anthropic Messages API through the official `@anthropic-ai/sdk` client, key from the configured variable. */
export function createAnthropicBackend(settings: AnthropicBackendSettings): Backend {
  const clients = new Map<string, Anthropic>();
  showDeprecationNoticesOnce();
  return {
    name: 'anthropic',
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      const apiKey = resolveApiKey(call.model, settings.configFile, settings.env);
      const baseURL = call.model.endpoint.baseUrl;
      const key = `${baseURL ?? ''}\u0000${apiKey}`;
      let client = clients.get(key);
      if (!client)
        clients.set(
          key,
          (client = new Anthropic({
            apiKey,
            ...(baseURL ? { baseURL } : {}),
            maxRetries: 0,
            timeout: 24 * 3_600_000,
            ...(settings.fetch ? { fetch: settings.fetch } : {}),
          })),
        );
      const timer = new CallTimer(settings.clock);
      const chat = anthropicConversation(conversation(call));
      const body = {
        model: call.model.model,
        max_tokens: call.maxTokens,
        ...(chat.system ? { system: chat.system } : {}),
        messages: chat.messages as Anthropic.MessageParam[],
        ...(anthropicExtras(call) as Record<never, never>),
      };
      const options = call.signal ? { signal: call.signal } : {};
      let streamStarted = false;
      try {
        let text = '';
        let stop: string | null = null;
        let input = 0;
        let cacheRead = 0;
        let cacheWrite = 0;
        let output = 0;
        const toolCalls: ToolCall[] = [];
        if (settings.stream === false || (call.request.stream === false && !call.onToken)) {
          const message = await client.messages.create({ ...body, stream: false }, options);
          timer.token();
          for (const block of message.content)
            if (block.type === 'text') text += block.text;
            else if (block.type === 'tool_use')
              toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
          if (call.onToken && text) call.onToken(text);
          stop = message.stop_reason;
          input = message.usage.input_tokens;
          cacheRead = message.usage.cache_read_input_tokens ?? 0;
          cacheWrite = message.usage.cache_creation_input_tokens ?? 0;
          output = message.usage.output_tokens;
        } else {
          const stream = await client.messages.create({ ...body, stream: true }, options);
          streamStarted = true;
          // Tool calls stream as a tool_use block whose input JSON arrives in pieces.
          const partial = new Map<number, ToolCall>();
          for await (const event of stream) {
            if (event.type === 'message_start') {
              input = event.message.usage.input_tokens;
              cacheRead = event.message.usage.cache_read_input_tokens ?? 0;
              cacheWrite = event.message.usage.cache_creation_input_tokens ?? 0;
              output = event.message.usage.output_tokens;
            } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
              if (event.delta.text) {
                timer.token();
                text += event.delta.text;
                call.onToken?.(event.delta.text);
              }
            } else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
              partial.set(event.index, {
                id: event.content_block.id,
                name: event.content_block.name,
                arguments: '',
              });
            } else if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
              const tool = partial.get(event.index);
              if (tool) tool.arguments += event.delta.partial_json;
            } else if (event.type === 'content_block_stop' && partial.has(event.index)) {
              const tool = partial.get(event.index)!;
              toolCalls.push({ ...tool, arguments: tool.arguments || '{}' });
            } else if (event.type === 'message_delta') {
              stop = event.delta.stop_reason;
              output = event.usage.output_tokens; // cumulative
            }
          }
          if (stop === null)
            throw new BadResponseError('the stream ended without message_delta', call.model.name);
        }
        // input_tokens is net of cache tokens; the router's total input includes them.
        return {
          ...(toolCalls.length ? { toolCalls } : {}),
          text,
          inputTokens: input + cacheRead + cacheWrite,
          outputTokens: output,
          cachedInputTokens: cacheRead,
          cacheWriteInputTokens: cacheWrite,
          finishReason: stop === 'max_tokens' || stop === 'model_context_window_exceeded' ? 'length' : 'stop',
          ttftMs: timer.ttftMs,
          latencyMs: timer.latencyMs,
        };
      } catch (error) {
        throw classifyError(error, call.model.name, {
          streamStarted,
          endpoint: baseURL ?? 'https://api.anthropic.com',
          secrets: [apiKey],
          timedOut: call.signal?.reason?.name === 'TimeoutError',
          ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}),
        });
      }
    },
  };
}
