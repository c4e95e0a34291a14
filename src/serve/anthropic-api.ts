import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { RouterConfig } from '../config/router-config.js';
import type { ChatMessage, ToolCall } from '../contract/request.js';
import type { RouteResult } from '../router/types.js';
import { ApiError, anthropicErrorBody, anthropicType } from './api-errors.js';
import { invalid, routeRequestOf, sse, type Dialect, type ParsedCall, type StreamWriter } from './dialect.js';
import { readHints } from './hints.js';

const block = z.union([
  z.object({ type: z.literal('text'), text: z.string() }).loose(),
  z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).loose(),
  z
    .object({
      type: z.literal('tool_result'),
      tool_use_id: z.string(),
      content: z
        .union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose())])
        .optional(),
    })
    .loose(),
  z.object({ type: z.string() }).loose(),
]);

const requestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) }))
    .min(1),
  system: z
    .union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }).loose())])
    .optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z
    .array(
      z
        .object({
          name: z.string().min(1),
          description: z.string().optional(),
          input_schema: z.record(z.string(), z.unknown()).optional(),
        })
        .loose(),
    )
    .optional(),
  tool_choice: z
    .union([
      z.object({ type: z.enum(['auto', 'any', 'none']) }).loose(),
      z.object({ type: z.literal('tool'), name: z.string() }).loose(),
    ])
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

type Block = z.infer<typeof block>;

/** A turn's blocks as chat messages: text, the assistant's tool calls, the user's tool results. */
function messagesOf(role: 'user' | 'assistant', content: string | Block[], where: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role, content }];
  const out: ChatMessage[] = [];
  let text = '';
  const calls: ToolCall[] = [];
  for (const [i, b] of content.entries()) {
    if (b.type === 'text') text += (b as { text: string }).text;
    else if (b.type === 'tool_use') {
      const use = b as { id: string; name: string; input: unknown };
      calls.push({ id: use.id, name: use.name, arguments: JSON.stringify(use.input ?? {}) });
    } else if (b.type === 'tool_result') {
      const result = b as { tool_use_id: string; content?: string | { text?: string }[] };
      const body =
        typeof result.content === 'string'
          ? result.content
          : (result.content ?? []).map((c) => c.text ?? '').join('');
      out.push({ role: 'tool', content: body, toolCallId: result.tool_use_id });
    } else
      throw new ApiError(
        400,
        'invalid_request',
        `${where}[${i}]: content blocks of type '${b.type}' are not supported; send text`,
      );
  }
  if (text || calls.length || out.length === 0)
    out.unshift({ role, content: text, ...(calls.length ? { toolCalls: calls } : {}) });
  return out;
}

/** Anthropic's `/v1/messages`, streamed (server-sent events in the Messages API's order) or not. */
export const anthropicDialect: Dialect = {
  name: 'anthropic',

  parse(body: unknown, headers: IncomingHttpHeaders, config: RouterConfig): ParsedCall {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) throw invalid(parsed.error, 'POST /v1/messages');
    const b = parsed.data;
    const messages: ChatMessage[] = [];
    const system = typeof b.system === 'string' ? b.system : (b.system ?? []).map((s) => s.text).join('\n\n');
    if (system) messages.push({ role: 'system', content: system });
    for (const [i, m] of b.messages.entries())
      messages.push(...messagesOf(m.role, m.content, `messages[${i}].content`));
    const hints = readHints(headers, b.metadata, b.model, config);
    const choice = b.tool_choice;
    const request = routeRequestOf(messages, {
      ...hints.request,
      maxTokens: b.max_tokens,
      ...(b.temperature === undefined ? {} : { temperature: b.temperature }),
      ...(b.stop_sequences?.length ? { stop: b.stop_sequences } : {}),
      ...(b.tools?.length
        ? {
            tools: b.tools.map((t) => ({
              name: t.name,
              ...(t.description === undefined ? {} : { description: t.description }),
              ...(t.input_schema ? { parameters: t.input_schema } : {}),
            })),
          }
        : {}),
      ...(choice
        ? {
            toolChoice:
              choice.type === 'tool'
                ? { name: (choice as { name: string }).name }
                : choice.type === 'any'
                  ? ('required' as const)
                  : (choice.type as 'auto' | 'none'),
          }
        : {}),
    });
    return { request, model: b.model, stream: b.stream === true, includeUsage: true, hints };
  },

  complete(result: RouteResult, _call: ParsedCall, id: string): unknown {
    const chosen = chosenAttempt(result);
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: result.model ?? 'hybridllm',
      content: [
        ...(result.text || !result.toolCalls?.length ? [{ type: 'text', text: result.text }] : []),
        ...(result.toolCalls ?? []).map((t) => ({
          type: 'tool_use',
          id: t.id,
          name: t.name,
          input: parseInput(t.arguments),
        })),
      ],
      stop_reason: stopReasonOf(result),
      stop_sequence: null,
      usage: {
        input_tokens: chosen?.inputTokens ?? 0,
        output_tokens: chosen?.outputTokens ?? 0,
        cache_read_input_tokens: chosen?.cachedInputTokens ?? 0,
        cache_creation_input_tokens: chosen?.cacheWriteTokens ?? 0,
      },
    };
  },

  openStream(response: ServerResponse, call: ParsedCall, id: string, model: () => string): StreamWriter {
    let started = false;
    let textOpen = false;
    let index = 0;
    const event = (type: string, data: Record<string, unknown>): void => {
      response.write(sse(JSON.stringify({ type, ...data }), type));
    };
    const start = (): void => {
      if (started) return;
      started = true;
      event('message_start', {
        message: {
          id: `msg_${id}`,
          type: 'message',
          role: 'assistant',
          model: model(),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: call.request.inputTokens ?? 0, output_tokens: 0 },
        },
      });
    };
    const openText = (): void => {
      if (textOpen) return;
      textOpen = true;
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
    };
    return {
      text(piece: string): void {
        start();
        openText();
        event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      },
      end(result: RouteResult): void {
        start();
        if (!result.toolCalls?.length) openText();
        if (textOpen) {
          event('content_block_stop', { index });
          index++;
        }
        for (const tool of result.toolCalls ?? []) {
          event('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} },
          });
          event('content_block_delta', {
            index,
            delta: { type: 'input_json_delta', partial_json: tool.arguments },
          });
          event('content_block_stop', { index });
          index++;
        }
        const chosen = chosenAttempt(result);
        event('message_delta', {
          delta: { stop_reason: stopReasonOf(result), stop_sequence: null },
          usage: { output_tokens: chosen?.outputTokens ?? 0 },
        });
        event('message_stop', {});
        response.end();
      },
      fail(error: ApiError): void {
        response.end(
          sse(
            JSON.stringify({ type: 'error', error: { type: anthropicType(error), message: error.message } }),
            'error',
          ),
        );
      },
    };
  },

  errorBody: (error, requestId) => anthropicErrorBody(error, requestId),
};

function chosenAttempt(result: RouteResult): RouteResult['attempts'][number] | undefined {
  return [...result.attempts].reverse().find((a) => a.model === result.model && !a.error);
}

function stopReasonOf(result: RouteResult): string {
  if (result.toolCalls?.length) return 'tool_use';
  return result.finishReason === 'length' ? 'max_tokens' : 'end_turn';
}

function parseInput(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return {};
  }
}
