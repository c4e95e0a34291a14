import type { ModelConfig } from '../config/router-config.js';
import type { AnswerPlan } from './answer-plan.js';
import { finishWhole, playOut, sendJson, type Exchange } from './wire-common.js';

export function openaiError(
  _status: number,
  message: string,
  type: string,
  code: string | null = null,
): unknown {
  return { error: { message, type, param: null, code } };
}

export function openaiFault(exchange: Exchange, modelName: string): boolean {
  const { response, fault } = exchange;
  const errors: Partial<
    Record<typeof fault, [number, string, string, string | null, Record<string, string>?]>
  > = {
    rate_limit: [
      429,
      'Rate limit reached for requests',
      'requests',
      'rate_limit_exceeded',
      { 'retry-after': String(exchange.retryAfterSeconds) },
    ],
    server_error: [500, 'The server had an error while processing your request.', 'server_error', null],
    overloaded: [503, 'The engine is currently overloaded, please try again later.', 'server_error', null],
    not_found: [
      404,
      `The model \`${modelName}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model_not_found',
    ],
    auth: [401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'],
  };
  const error = errors[fault];
  if (!error) return false;
  sendJson(response, error[0], openaiError(error[0], error[1], error[2], error[3]), error[4]);
  return true;
}

/** POST /v1/chat/completions: SSE `data:` chunks with a usage chunk before `[DONE]`, or one object. */
export async function openaiChat(exchange: Exchange, model: ModelConfig, plan: AnswerPlan): Promise<void> {
  const { response, body } = exchange;
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 14)}`;
  const created = Math.floor(Date.now() / 1000);
  const finishReason = plan.finishReason === 'length' ? 'length' : 'stop';
  const usage = {
    prompt_tokens: plan.inputTokens,
    completion_tokens: plan.outputTokens,
    total_tokens: plan.inputTokens + plan.outputTokens,
    prompt_tokens_details: null,
  };
  if (body['stream'] !== true) {
    if (await finishWhole(exchange, plan)) return;
    return sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model: model.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: plan.text },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    });
  }
  const includeUsage =
    (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  response.write(': connected\n\n');
  const outcome = await playOut(
    exchange,
    plan,
    (piece, index) =>
      response.write(chunk(index === 0 ? { role: 'assistant', content: piece } : { content: piece }, null)),
    (kind) =>
      response.write(
        kind === 'malformed'
          ? 'data: {"id": "broken\n\n'
          : `data: ${JSON.stringify(openaiError(500, 'The server had an error while processing your request.', 'server_error'))}\n\n`,
      ),
  );
  if (outcome !== 'done') return;
  if (plan.pieces.length === 0) response.write(chunk({ role: 'assistant', content: '' }, null));
  response.write(chunk({}, finishReason));
  if (includeUsage)
    response.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.model, choices: [], usage })}\n\n`,
    );
  response.end('data: [DONE]\n\n');
}
