import type { GenerateCall, GenerateResult } from './backend.js';
import { CallTimer } from './call-timer.js';
import { ToolCallCollector } from './chat-format.js';
import type { Clock } from '../core/clock.js';
import { BadResponseError } from './errors.js';
import { createOriginPools } from './pooled-fetch.js';

/**
 * An unstreamed chat completion from an OpenAI-compatible server, posted with undici's `Pool.request` and read
 * with one `JSON.parse`: no SDK request building, no WHATWG Request, Response or stream objects. `serve` uses
 * it for the answers nobody streams (its pass-through path); the official client does everything else.
 * Failures are thrown in the shape of the client's own errors (`status`, `headers`, the message the client
 * would make), so one classifier reads both.
 */
export function createDirectCompletions(clock: Clock): {
  complete(
    call: GenerateCall,
    baseURL: string,
    apiKey: string,
    body: Record<string, unknown>,
  ): Promise<GenerateResult>;
  close(): Promise<void>;
} {
  const { poolFor, close } = createOriginPools();
  const targets = new Map<string, { origin: string; path: string }>();
  const targetOf = (baseURL: string): { origin: string; path: string } => {
    let target = targets.get(baseURL);
    if (!target) {
      const url = new URL(`${baseURL.replace(/\/+$/, '')}/chat/completions`);
      targets.set(baseURL, (target = { origin: url.origin, path: `${url.pathname}${url.search}` }));
    }
    return target;
  };

  return {
    async complete(call, baseURL, apiKey, body): Promise<GenerateResult> {
      const { origin, path } = targetOf(baseURL);
      const timer = new CallTimer(clock);
      const response = await poolFor(origin).request({
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${apiKey}`,
        },
        body: JSON.stringify(body),
        ...(call.signal ? { signal: call.signal } : {}),
      });
      const text = await response.body.text();
      timer.token();
      if (response.statusCode >= 400) throw statusError(response.statusCode, text, response.headers);
      return completionResult(JSON.parse(text) as Completion, call, timer);
    },
    close,
  };
}

/** An unstreamed answer as the official client or the direct path read it. */
export function completionResult(
  completion: Completion,
  call: GenerateCall,
  timer: CallTimer,
): GenerateResult {
  const choice = completion.choices?.[0];
  if (!choice) throw new BadResponseError('the response has no choices', call.model.name);
  const usage = completion.usage;
  const collected = new ToolCallCollector();
  const calls = choice.message?.tool_calls ?? [];
  for (let index = 0; index < calls.length; index++) {
    const t = calls[index]!;
    if (t.type === 'function' && t.function) collected.add({ index, id: t.id, function: t.function });
  }
  const toolCalls = collected.result();
  return {
    ...(toolCalls ? { toolCalls } : {}),
    text: choice.message?.content ?? '',
    inputTokens: usage?.prompt_tokens ?? call.inputTokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    finishReason: choice.finish_reason === 'length' ? 'length' : 'stop',
    ttftMs: timer.ttftMs,
    latencyMs: timer.latencyMs,
  };
}

/** The fields of a chat completion read here (the official client's type has them too). */
export interface Completion {
  choices?: readonly {
    message?: {
      content?: string | null;
      tool_calls?: readonly { id: string; type: string; function?: { name: string; arguments: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
  } | null;
}

/**
 * An HTTP error answer as the official client reports it: `status`, the headers, and its message, the
 * body's `error.message` (or the whole `error`, or the raw text) after the status.
 */
function statusError(
  status: number,
  text: string,
  headers: Record<string, string | string[] | undefined>,
): Error & { status: number; headers: Record<string, string> } {
  let parsed: { error?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as { error?: unknown };
  } catch {
    parsed = undefined;
  }
  const error = parsed?.error as { message?: unknown } | undefined;
  const detail = error
    ? error.message
      ? typeof error.message === 'string'
        ? error.message
        : JSON.stringify(error.message)
      : JSON.stringify(error)
    : parsed
      ? undefined
      : text;
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return Object.assign(new Error(detail ? `${status} ${detail}` : `${status} status code (no body)`), {
    status,
    headers: flat,
  });
}
