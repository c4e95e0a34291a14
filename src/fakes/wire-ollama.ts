import type { ModelConfig } from '../config/router-config.js';
import type { AnswerPlan } from './answer-plan.js';
import { finishWhole, playOut, sendJson, type Exchange } from './wire-common.js';

const NS_PER_MS = 1_000_000;

/** Ollama's error body and status for a fault, or undefined when the fault is not an HTTP error. */
export function ollamaFault(exchange: Exchange, modelName: string): boolean {
  const { response, fault } = exchange;
  const errors: Partial<Record<typeof fault, [number, string, Record<string, string>?]>> = {
    rate_limit: [429, 'too many requests', { 'retry-after': String(exchange.retryAfterSeconds) }],
    server_error: [500, 'llama runner process has terminated: signal: killed'],
    overloaded: [503, 'server busy, please try again. maximum pending requests exceeded'],
    not_found: [404, `model '${modelName}' not found`],
    auth: [401, 'unauthorized'],
  };
  const error = errors[fault];
  if (!error) return false;
  sendJson(response, error[0], { error: error[1] }, error[2]);
  return true;
}

/** Final-chunk metrics; zero-valued fields are left out, as Ollama's `omitempty` does. */
function metrics(
  plan: AnswerPlan,
  totalMs: number,
  loadMs: number,
  promptMs: number,
): Record<string, number> {
  const evalMs = Math.max(0, totalMs - loadMs - promptMs);
  const fields: Record<string, number> = {
    total_duration: Math.round(totalMs * NS_PER_MS),
    load_duration: Math.round(loadMs * NS_PER_MS),
    prompt_eval_count: plan.inputTokens,
    prompt_eval_duration: Math.round(promptMs * NS_PER_MS),
    eval_count: plan.outputTokens,
    eval_duration: Math.round(evalMs * NS_PER_MS),
  };
  for (const key of Object.keys(fields)) if (fields[key] === 0) delete fields[key];
  return fields;
}

/** POST /api/chat and /api/generate: NDJSON stream by default, one object with `"stream": false`. */
export async function ollamaGenerate(
  exchange: Exchange,
  model: ModelConfig,
  plan: AnswerPlan,
  endpoint: 'chat' | 'generate',
  loadMs: number,
): Promise<void> {
  const { response, body } = exchange;
  const stream = body['stream'] !== false;
  const base = (content: string, done: boolean): Record<string, unknown> => ({
    model: model.model,
    created_at: new Date().toISOString(),
    ...(endpoint === 'chat' ? { message: { role: 'assistant', content } } : { response: content }),
    done,
  });
  // The prompt is evaluated during the time to first token, after any load; the first token then takes one
  // decode step like the others, so eval_duration covers all eval_count tokens at the planned rate.
  const promptMs = Math.max(0, plan.ttftMs - plan.interTokenMs);
  const finish = (): Record<string, unknown> => ({
    ...base('', true),
    done_reason: plan.finishReason === 'length' ? 'length' : 'stop',
    ...metrics(plan, exchange.elapsed(), loadMs, promptMs),
  });
  if (!stream) {
    if (await finishWhole(exchange, plan, loadMs)) return;
    if (exchange.fault === 'stream_error')
      return sendJson(response, 500, { error: 'llama runner exited unexpectedly' });
    return sendJson(response, 200, {
      ...finish(),
      ...(endpoint === 'chat'
        ? { message: { role: 'assistant', content: plan.text } }
        : { response: plan.text }),
    });
  }
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const outcome = await playOut(
    exchange,
    plan,
    (piece) => response.write(`${JSON.stringify(base(piece, false))}\n`),
    (kind) =>
      response.write(
        kind === 'malformed'
          ? '{"model":"broken json\n'
          : `${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`,
      ),
    loadMs,
  );
  if (outcome === 'done') response.end(`${JSON.stringify(finish())}\n`);
}

export function ollamaTags(models: readonly ModelConfig[]): unknown {
  return {
    models: models.map((m) => ({
      name: m.model,
      model: m.model,
      modified_at: '2026-01-01T00:00:00Z',
      size: Math.round((m.sizeGb ?? 1) * 1e9),
      digest: digestOf(m.model),
      details: detailsOf(m),
    })),
  };
}

export function ollamaPs(models: readonly ModelConfig[], loaded: ReadonlyMap<string, number>): unknown {
  return {
    models: models
      .filter((m) => loaded.has(m.model))
      .map((m) => ({
        name: m.model,
        model: m.model,
        size: Math.round((m.sizeGb ?? 1) * 1e9),
        digest: digestOf(m.model),
        details: detailsOf(m),
        expires_at: new Date(loaded.get(m.model)! + 5 * 60_000).toISOString(),
        size_vram: 0,
        context_length: m.contextWindow,
      })),
  };
}

export function ollamaShow(model: ModelConfig): unknown {
  return {
    modelfile: `FROM ${model.model}\n`,
    parameters: 'stop "<|end|>"',
    template: '{{ .Prompt }}',
    details: detailsOf(model),
    model_info: {
      'general.architecture': 'llama',
      'general.parameter_count': parameterCount(model),
      'llama.context_length': model.contextWindow,
    },
    capabilities: ['completion'],
  };
}

function detailsOf(model: ModelConfig): Record<string, unknown> {
  return {
    parent_model: '',
    format: 'gguf',
    family: 'llama',
    families: ['llama'],
    parameter_size: `${(parameterCount(model) / 1e9).toFixed(1)}B`,
    quantization_level: 'Q4_0',
  };
}

function parameterCount(model: ModelConfig): number {
  // Q4_0 stores about 4.5 bits per parameter.
  return Math.round(((model.sizeGb ?? 1) * 8e9) / 4.5);
}

function digestOf(name: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0').repeat(8);
}
