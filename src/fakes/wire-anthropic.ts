import type { ModelConfig } from '../config/router-config.js';
import type { AnswerPlan } from './answer-plan.js';
import { finishWhole, playOut, sendJson, type Exchange } from './wire-common.js';

export function anthropicError(type: string, message: string): unknown {
  return {
    type: 'error',
    error: { type, message },
    request_id: `req_${Math.random().toString(36).slice(2, 14)}`,
  };
}

export function anthropicFault(exchange: Exchange, modelName: string): boolean {
  const { response, fault } = exchange;
  const errors: Partial<Record<typeof fault, [number, string, string, Record<string, string>?]>> = {
    rate_limit: [
      429,
      'rate_limit_error',
      'Number of requests has exceeded your rate limit.',
      { 'retry-after': String(exchange.retryAfterSeconds) },
    ],
    server_error: [500, 'api_error', 'Internal server error'],
    overloaded: [529, 'overloaded_error', 'Overloaded'],
    not_found: [404, 'not_found_error', `model: ${modelName}`],
    auth: [401, 'authentication_error', 'invalid x-api-key'],
  };
  const error = errors[fault];
  if (!error) return false;
  sendJson(response, error[0], anthropicError(error[1], error[2]), {
    'request-id': `req_${Date.now()}`,
    ...(error[3] ?? {}),
  });
  return true;
}

/** POST /v1/messages: SSE events in the documented order, with pings; or one message object. */
export async function anthropicMessages(
  exchange: Exchange,
  model: ModelConfig,
  plan: AnswerPlan,
): Promise<void> {
  const { response, body } = exchange;
  const id = `msg_${Math.random().toString(36).slice(2, 18)}`;
  const stopReason = plan.finishReason === 'length' ? 'max_tokens' : 'end_turn';
  const usage = {
    input_tokens: plan.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: plan.outputTokens,
  };
  const message = (
    content: unknown[],
    stop: string | null,
    outputTokens: number,
  ): Record<string, unknown> => ({
    id,
    type: 'message',
    role: 'assistant',
    model: model.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { ...usage, output_tokens: outputTokens },
  });
  if (body['stream'] !== true) {
    if (await finishWhole(exchange, plan)) return;
    return sendJson(
      response,
      200,
      message([{ type: 'text', text: plan.text }], stopReason, plan.outputTokens),
      { 'request-id': `req_${id}` },
    );
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_${id}`,
  });
  const event = (type: string, data: Record<string, unknown>): boolean =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: message([], null, 1) });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  event('ping', {});
  const pingEvery = Math.max(1, Math.floor(plan.pieces.length / 3));
  const outcome = await playOut(
    exchange,
    plan,
    (piece, index) => {
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
      if (index > 0 && index % pingEvery === 0) event('ping', {});
    },
    (kind) => {
      if (kind === 'malformed')
        response.write('event: content_block_delta\ndata: {"type": "content_block_delta", broken\n\n');
      else
        response.write(
          `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
        );
    },
  );
  if (outcome !== 'done') return;
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: plan.outputTokens },
  });
  event('message_stop', {});
  response.end();
}
