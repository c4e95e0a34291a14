import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { RouterConfig } from '../config/router-config.js';
import type { ChatMessage, ToolCall } from '../contract/request.js';
import type { RouteResult } from '../router/types.js';
import { ApiError, openAIErrorBody } from './api-errors.js';
import { invalid, routeRequestOf, sse, type Dialect, type ParsedCall, type StreamWriter } from './dialect.js';
import { readHints } from './hints.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const content = z.union([
  z.string(),
  z.array(z.union([textPart, z.object({ type: z.string() }).loose()])),
  z.null(),
]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: content.optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});

const requestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().min(1),
          description: z.string().optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    )
    .nullish(),
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  response_format: z.object({ type: z.string() }).loose().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

function textOf(value: z.infer<typeof content> | undefined, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  let text = '';
  for (const part of value) {
    if (part.type !== 'text')
      throw new ApiError(
        400,
        'invalid_request',
        `${where}: content parts of type '${part.type}' are not supported; send text`,
      );
    text += (part as { text: string }).text;
  }
  return text;
}

/** OpenAI's `/v1/chat/completions`, streamed (`stream: true`, optionally with usage) or not. */
export const openAIDialect: Dialect = {
  name: 'openai',

  parse(body: unknown, headers: IncomingHttpHeaders, config: RouterConfig): ParsedCall {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error, 'POST /v1/chat/completions');
    const b = parsed.data;
    const messages: ChatMessage[] = b.messages.map((m, i) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: textOf(m.content, `messages[${i}].content`),
      ...(m.tool_calls?.length
        ? {
            toolCalls: m.tool_calls.map((t) => ({
              id: t.id,
              name: t.function.name,
              arguments: t.function.arguments,
            })),
          }
        : {}),
      ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
    }));
    const hints = readHints(headers, b.metadata ?? undefined, b.model, config);
    const expects =
      hints.request.expects ?? (b.response_format?.type?.startsWith('json') ? 'json' : undefined);
    const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? undefined;
    const choice = b.tool_choice;
    const request = routeRequestOf(messages, {
      ...hints.request,
      ...(expects ? { expects } : {}),
      ...(maxTokens ? { maxTokens } : {}),
      ...(b.temperature === undefined || b.temperature === null ? {} : { temperature: b.temperature }),
      ...(b.stop ? { stop: typeof b.stop === 'string' ? [b.stop] : b.stop } : {}),
      ...(b.tools?.length
        ? {
            tools: b.tools.map((t) => ({
              name: t.function.name,
              ...(t.function.description === undefined ? {} : { description: t.function.description }),
              ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
            })),
          }
        : {}),
      ...(choice ? { toolChoice: typeof choice === 'string' ? choice : { name: choice.function.name } } : {}),
    });
    return {
      request,
      model: b.model,
      stream: b.stream === true,
      includeUsage: b.stream_options?.include_usage === true,
      hints,
    };
  },

  complete(result: RouteResult, _call: ParsedCall, id: string): unknown {
    const chosen = result.attempts.find((a) => a.model === result.model && !a.error);
    const usage = usageOf(result);
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: result.model ?? chosen?.model ?? 'hybridllm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: result.toolCalls?.length && !result.text ? null : result.text,
            ...(result.toolCalls?.length ? { tool_calls: wireToolCalls(result.toolCalls) } : {}),
            refusal: null,
          },
          logprobs: null,
          finish_reason: finishReasonOf(result),
        },
      ],
      usage,
    };
  },

  openStream(response: ServerResponse, call: ParsedCall, id: string, model: () => string): StreamWriter {
    const created = Math.floor(Date.now() / 1000);
    const event = (choices: unknown[], usage?: unknown): string =>
      sse(
        JSON.stringify({
          id: `chatcmpl-${id}`,
          object: 'chat.completion.chunk',
          created,
          model: model(),
          choices,
          ...(usage ? { usage } : {}),
        }),
      );
    const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
      event([{ index: 0, delta, logprobs: null, finish_reason: finish }]);
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      response.write(chunk({ role: 'assistant', content: '' }, null));
    };
    return {
      text(piece: string): void {
        start();
        response.write(chunk({ content: piece }, null));
      },
      end(result: RouteResult): void {
        start();
        if (result.toolCalls?.length)
          response.write(
            chunk({ tool_calls: wireToolCalls(result.toolCalls).map((t, index) => ({ index, ...t })) }, null),
          );
        response.write(chunk({}, finishReasonOf(result)));
        // With include_usage, one more chunk with no choices carries the usage, as OpenAI sends it.
        if (call.includeUsage) response.write(event([], usageOf(result)));
        response.end('data: [DONE]\n\n');
      },
      fail(error: ApiError): void {
        // An error event, and no [DONE]: the official client raises it instead of reporting a clean finish.
        response.end(sse(openAIErrorBody(error)));
      },
    };
  },

  errorBody: (error) => openAIErrorBody(error),
};

function wireToolCalls(calls: readonly ToolCall[]): Record<string, unknown>[] {
  return calls.map((t) => ({
    id: t.id,
    type: 'function',
    function: { name: t.name, arguments: t.arguments },
  }));
}

function finishReasonOf(result: RouteResult): string {
  if (result.toolCalls?.length) return 'tool_calls';
  return result.finishReason === 'length' ? 'length' : 'stop';
}

/** The usage of the answer the client got (the cost header covers every attempt). */
function usageOf(result: RouteResult): Record<string, unknown> {
  const chosen = [...result.attempts].reverse().find((a) => a.model === result.model && !a.error);
  const prompt = chosen?.inputTokens ?? 0;
  const completion = chosen?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: chosen?.cachedInputTokens ?? 0 },
  };
}
