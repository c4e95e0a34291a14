import OpenAI from 'openai';
import { resolveApiKey } from '../config/secrets.js';
import type { Clock } from '../core/clock.js';
import type { Backend, GenerateCall, GenerateResult } from './backend.js';
import { CallTimer } from './call-timer.js';
import { classifyError } from './classify-error.js';
import { BadResponseError } from './errors.js';
import { completionResult, createDirectCompletions } from './openai-direct.js';
import { conversation, openAIExtras, openAIMessages, ToolCallCollector } from './chat-format.js';

export interface OpenAIBackendSettings {
  clock: Clock;
  /** Config file, named in a missing-key message. */
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** @default true */
  stream?: boolean;
  /** The client's fetch. @default the global one */
  fetch?: typeof fetch;
  /**
   * Unstreamed answers (a client that did not ask to stream) go through undici and one JSON.parse instead of
   * the official client (`serve`'s pass-through; see openai-direct.ts). @default false
   */
  direct?: boolean;
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * OpenAI and OpenAI-compatible servers (vLLM, llama.cpp server, LM Studio, Ollama's /v1) through the official
 * `openai` client. `openai` needs its API key; a compatible server takes one only when configured.
 */
export function createOpenAIBackend(settings: OpenAIBackendSettings): Backend {
  const clients = new Map<string, OpenAI>();
  const clientFor = (
    call: GenerateCall,
  ): { client: OpenAI; secret: string; baseURL: string; apiKey: string } => {
    const model = call.model;
    const needsKey = model.provider === 'openai' || model.endpoint.apiKey !== undefined;
    const apiKey = needsKey ? resolveApiKey(model, settings.configFile, settings.env) : 'not-needed';
    const baseURL =
      model.endpoint.baseUrl ??
      (model.provider === 'openai' ? DEFAULT_OPENAI_BASE_URL : 'http://127.0.0.1:8000/v1');
    const key = `${baseURL}\u0000${apiKey}`;
    let client = clients.get(key);
    if (!client)
      clients.set(
        key,
        (client = new OpenAI({
          apiKey,
          baseURL,
          maxRetries: 0,
          timeout: 24 * 3_600_000,
          ...(settings.fetch ? { fetch: settings.fetch } : {}),
        })),
      );
    return { client, secret: apiKey, baseURL, apiKey };
  };
  const direct = settings.direct ? createDirectCompletions(settings.clock) : undefined;
  return {
    name: 'openai',
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      const { client, secret, baseURL, apiKey } = clientFor(call);
      const timer = new CallTimer(settings.clock);
      const body = {
        model: call.model.model,
        messages: openAIMessages(conversation(call)) as unknown as OpenAI.ChatCompletionMessageParam[],
        max_tokens: call.maxTokens,
        ...(openAIExtras(call) as Record<never, never>),
      };
      const options = call.signal ? { signal: call.signal } : {};
      let streamStarted = false;
      try {
        if (direct && call.request.stream === false && !call.onToken)
          return await direct.complete(call, baseURL, apiKey, { ...body, stream: false });
        if (settings.stream === false || (call.request.stream === false && !call.onToken)) {
          const completion = await client.chat.completions.create({ ...body, stream: false }, options);
          timer.token();
          const result = completionResult(completion, call, timer);
          if (call.onToken && result.text) call.onToken(result.text);
          return result;
        }
        const tools = new ToolCallCollector();
        const stream = await client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          options,
        );
        streamStarted = true;
        let text = '';
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | undefined;
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          const piece = choice?.delta?.content;
          if (piece) {
            timer.token();
            text += piece;
            call.onToken?.(piece);
          }
          for (const delta of choice?.delta?.tool_calls ?? []) tools.add(delta);
          if (choice?.finish_reason) finish = choice.finish_reason;
          if (chunk.usage) usage = chunk.usage;
        }
        if (finish === null)
          throw new BadResponseError('the stream ended without a finish reason', call.model.name);
        const toolCalls = tools.result();
        return {
          ...(toolCalls ? { toolCalls } : {}),
          text,
          inputTokens: usage?.prompt_tokens ?? call.inputTokens ?? 0,
          outputTokens: usage?.completion_tokens ?? 0,
          cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
          finishReason: finish === 'length' ? 'length' : 'stop',
          ttftMs: timer.ttftMs,
          latencyMs: timer.latencyMs,
        };
      } catch (error) {
        throw classifyError(error, call.model.name, {
          streamStarted,
          endpoint: baseURL,
          secrets: [secret],
          timedOut: call.signal?.reason?.name === 'TimeoutError',
          ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}),
        });
      }
    },
  };
}
