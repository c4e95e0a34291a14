import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { RouterConfig } from '../config/router-config.js';
import type { ChatMessage, RouteRequest } from '../contract/request.js';
import type { RouteResult } from '../router/types.js';
import { ApiError } from './api-errors.js';
import type { Hints } from './hints.js';

/** A client request turned into what the router needs, and how to answer it. */
export interface ParsedCall {
  request: RouteRequest;
  /** The model name the client asked for. */
  model: string;
  stream: boolean;
  /** OpenAI's `stream_options.include_usage`. */
  includeUsage: boolean;
  hints: Hints;
}

/** Writes one streamed answer in an API's own event format. */
export interface StreamWriter {
  /** The first piece of text from `model`. */
  text(piece: string): void;
  /** Ends the stream: tool calls, finish reason, usage. */
  end(result: RouteResult): void;
  /** Ends the stream with an error event: never a clean finish. */
  fail(error: ApiError): void;
}

/** One client API (OpenAI chat completions, Anthropic messages): parsing, answers, errors. */
export interface Dialect {
  readonly name: 'openai' | 'anthropic';
  parse(body: unknown, headers: IncomingHttpHeaders, config: RouterConfig): ParsedCall;
  /** The whole answer as the API's JSON body. */
  complete(result: RouteResult, call: ParsedCall, id: string): unknown;
  /** Starts a streamed answer (headers already written). */
  openStream(response: ServerResponse, call: ParsedCall, id: string, model: () => string): StreamWriter;
  errorBody(error: ApiError, requestId: string): string;
}

/** A zod failure as one clear sentence naming the field. */
export function invalid(error: z.ZodError, what: string): ApiError {
  const issue = error.issues[0]!;
  const path = issue.path.length
    ? issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')
    : 'body';
  return new ApiError(400, 'invalid_request', `${what}: ${path}: ${issue.message}`);
}

/**
 * The router's request from a conversation: the last user message is the prompt classification reads, the
 * whole conversation goes to the model as it is, and the input tokens are estimated from all of it.
 */
export function routeRequestOf(
  messages: readonly ChatMessage[],
  extra: Omit<RouteRequest, 'prompt' | 'messages'>,
): RouteRequest {
  let prompt = '';
  let chars = 0;
  for (const m of messages) {
    chars += m.content.length;
    if (m.role === 'user') prompt = m.content;
  }
  if (!messages.some((m) => m.role === 'user' || m.role === 'tool'))
    throw new ApiError(400, 'invalid_request', 'messages: at least one user message is required');
  return { ...extra, prompt, messages, inputTokens: extra.inputTokens ?? Math.max(1, Math.ceil(chars / 4)) };
}

/** `data: …` for one server-sent event (with its `event:` line when named). */
export function sse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
