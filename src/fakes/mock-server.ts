import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { createAnswerPlanner, type ModelTiming } from './answer-plan.js';
import { FaultInjector, type FaultKind, type FaultPlan } from './faults.js';
import { anthropicError, anthropicFault, anthropicMessages } from './wire-anthropic.js';
import { sendJson, type Exchange } from './wire-common.js';
import { SlotGate } from './slot-gate.js';
import { isLocalTier } from '../contract/request.js';
import { ollamaFault, ollamaGenerate, ollamaPs, ollamaShow, ollamaTags } from './wire-ollama.js';
import { openaiChat, openaiError, openaiFault } from './wire-openai.js';

export interface MockServerOptions {
  /** Models are served from this config's profiles, by their server-side `model` name. */
  config: RouterConfig;
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 1 */
  seed?: number;
  /** Multiplies every delay (0.1 = ten times faster than the profiles). @default 1 */
  timeScale?: number;
  /** Injected timing per model name. */
  timing?: Record<string, ModelTiming>;
  /** Faults per model name, by script or rate. */
  faults?: Record<string, FaultPlan>;
  /** Models the Ollama side reports as not pulled (absent from /api/tags, 404 on use). */
  missing?: string[];
  /** Keys the Anthropic and OpenAI sides accept; others get 401. Unset: any non-empty key. */
  apiKeys?: { anthropic?: string; openai?: string };
  /** retry-after sent with 429s, seconds. @default 1 */
  retryAfterSeconds?: number;
  /** First-token delay of the slow_first_token fault, ms. @default 2000 */
  slowFirstTokenMs?: number;
  /** Ollama version reported by /api/version. @default '0.12.6' */
  ollamaVersion?: string;
  /**
   * Local models (Ollama, OpenAI-compatible) behave like capacity-limited servers: each runs at most
   * `maxConcurrency` sequences at once, queues the rest (FIFO; the wait counts in their time to first token),
   * and decodes each sequence `slowdownPerSequence` slower per extra sequence running; a request that finds
   * its server idle for `wake.afterMs` or longer waits `wake.ms` more for its first token (threads and caches
   * gone cold, as CPU llama.cpp shows). Unset: unlimited.
   */
  /** Recorded answers by prompt (`loadRecordedReplies`): a local model answers a known prompt with them. */
  replies?: ReadonlyMap<string, string>;
  capacity?: {
    maxConcurrency: number;
    slowdownPerSequence?: number;
    wake?: { ms: number; afterMs: number };
  };
}

/** One request as the server saw it (no headers, so no keys). */
export interface MockRequestLog {
  api: 'ollama' | 'openai' | 'anthropic';
  path: string;
  model: string | undefined;
  stream: boolean;
  fault: FaultKind;
  status: number;
}

export interface MockServer {
  url: string;
  port: number;
  log: MockRequestLog[];
  faults: FaultInjector;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const value = JSON.parse(text) as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SyntaxError('expected a JSON object');
  return value as Record<string, unknown>;
}

interface Message {
  role?: string;
  content?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) =>
        part && typeof part === 'object' && 'text' in part ? String((part as { text: unknown }).text) : '',
      )
      .join('');
  return '';
}

/** System text and prompt of a chat request in any of the three formats. */
function promptOf(body: Record<string, unknown>): { system: string; prompt: string } {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []) as Message[];
  const system = [
    textOf(body['system']),
    ...messages.filter((m) => m.role === 'system').map((m) => textOf(m.content)),
  ]
    .filter(Boolean)
    .join('\n');
  const prompt =
    typeof body['prompt'] === 'string'
      ? body['prompt']
      : messages
          .filter((m) => m.role !== 'system')
          .map((m) => textOf(m.content))
          .join('\n');
  return { system: system || (typeof body['system'] === 'string' ? body['system'] : ''), prompt };
}

/**
 * One local server speaking the Ollama API, the OpenAI chat API and the Anthropic Messages API with their
 * exact wire shapes, answering from the config's model profiles in real time, with fault injection.
 */
export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const config = options.config;
  const scale = options.timeScale ?? 1;
  const planner = createAnswerPlanner(config, options.seed ?? 1, options.timing, options.replies);
  const faults = new FaultInjector(options.faults, options.seed ?? 1);
  const missing = new Set(options.missing ?? []);
  const loaded = new Map<string, number>();
  const log: MockRequestLog[] = [];
  const sockets = new Set<Socket>();
  const served = config.models.filter((m) => !missing.has(m.name) && !missing.has(m.model));
  const gates = new Map<string, SlotGate>();
  const gateOf = (model: ModelConfig): SlotGate | undefined => {
    if (!options.capacity || !isLocalTier(model.tier)) return undefined;
    let gate = gates.get(model.name);
    if (!gate)
      gates.set(
        model.name,
        (gate = new SlotGate(
          options.capacity.maxConcurrency,
          options.capacity.slowdownPerSequence ?? 0.3,
          options.capacity.wake && {
            ms: options.capacity.wake.ms * scale,
            afterMs: options.capacity.wake.afterMs * scale,
          },
        )),
      );
    return gate;
  };
  const byServerName = (name: unknown): ModelConfig | undefined =>
    typeof name === 'string' ? served.find((m) => m.model === name || m.name === name) : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    let closed = false;
    response.on('close', () => (closed = true));

    if (method === 'GET' && path === '/api/version')
      return sendJson(response, 200, { version: options.ollamaVersion ?? '0.12.6' });
    if (method === 'GET' && path === '/api/tags')
      return sendJson(
        response,
        200,
        ollamaTags(served.filter((m) => m.provider === 'ollama' || m.provider === 'openai-compatible')),
      );
    if (method === 'GET' && path === '/api/ps') return sendJson(response, 200, ollamaPs(served, loaded));
    if (method === 'GET' && (path === '/v1/models' || path === '/models'))
      return sendJson(response, 200, {
        object: 'list',
        data: served.map((m) => ({ id: m.model, object: 'model', created: 0, owned_by: 'hybridllm-mock' })),
      });
    if (method === 'GET' && path === '/') return void response.end('Ollama is running');

    const api = path.startsWith('/api/')
      ? 'ollama'
      : path.endsWith('/messages')
        ? 'anthropic'
        : path.endsWith('/chat/completions')
          ? 'openai'
          : undefined;
    if (method !== 'POST' || !api)
      return sendJson(response, 404, { error: `no route for ${method} ${path}` });

    let body: Record<string, unknown>;
    try {
      body = await readBody(request);
    } catch (error) {
      const message = `invalid JSON body: ${(error as Error).message}`;
      return sendJson(
        response,
        400,
        api === 'anthropic'
          ? anthropicError('invalid_request_error', message)
          : api === 'openai'
            ? openaiError(400, message, 'invalid_request_error')
            : { error: message },
      );
    }

    if (api === 'ollama' && path === '/api/show') {
      const model = byServerName(body['model'] ?? body['name']);
      return model
        ? sendJson(response, 200, ollamaShow(model))
        : sendJson(response, 404, { error: `model '${String(body['model'])}' not found` });
    }
    if (api === 'anthropic') {
      // The API takes the key as x-api-key or as a bearer token (recent SDKs send the latter).
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const key = request.headers['x-api-key'] ?? bearer;
      if (!key || (options.apiKeys?.anthropic && key !== options.apiKeys.anthropic))
        return sendJson(response, 401, anthropicError('authentication_error', 'invalid x-api-key'));
      if (!request.headers['anthropic-version'])
        return sendJson(
          response,
          400,
          anthropicError('invalid_request_error', 'anthropic-version: header is required'),
        );
    }
    if (
      api === 'openai' &&
      options.apiKeys?.openai &&
      request.headers.authorization !== `Bearer ${options.apiKeys.openai}`
    )
      return sendJson(
        response,
        401,
        openaiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      );

    const modelName = String(body['model'] ?? '');
    const model = byServerName(modelName);
    const stream = api === 'ollama' ? body['stream'] !== false : body['stream'] === true;
    const fault: FaultKind = model ? faults.next(model.name) : 'not_found';
    const entry: MockRequestLog = { api, path, model: modelName || undefined, stream, fault, status: 200 };
    log.push(entry);
    response.on('finish', () => (entry.status = response.statusCode));

    const exchange: Exchange = {
      request,
      response,
      body,
      fault,
      elapsed: () => performance.now() - started,
      closed: () => closed,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      slowFirstTokenMs: (options.slowFirstTokenMs ?? 2000) * scale,
    };
    if (fault === 'reset') return void request.socket.destroy();
    if (fault === 'hang') return; // the client's timeout ends it
    const name = model?.model ?? modelName;
    if (
      api === 'ollama'
        ? ollamaFault(exchange, name)
        : api === 'openai'
          ? openaiFault(exchange, name)
          : anthropicFault(exchange, name)
    )
      return;
    if (!model) return;

    const { system, prompt } = promptOf(body);
    const options_ = body['options'] as { num_predict?: number } | undefined;
    const maxTokens =
      api === 'ollama'
        ? options_?.num_predict
        : ((body['max_tokens'] ?? body['max_completion_tokens']) as number | undefined);
    // OpenAI-compatible servers and Anthropic refuse a prompt plus max output longer than the window (Ollama
    // would cut the prompt instead; the router never sends one that does not fit).
    const promptTokens = Math.ceil(`${system}${prompt}`.length / 4);
    if (api !== 'ollama' && promptTokens + (maxTokens ?? 0) > model.contextWindow) {
      const total = promptTokens + (maxTokens ?? 0);
      return sendJson(
        response,
        400,
        api === 'openai'
          ? openaiError(
              400,
              `This model's maximum context length is ${model.contextWindow} tokens. However, you requested ${total} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
              'invalid_request_error',
              'context_length_exceeded',
            )
          : anthropicError(
              'invalid_request_error',
              `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${maxTokens ?? 0} > ${model.contextWindow}, decrease input length or \`max_tokens\` and try again`,
            ),
      );
    }
    let plan;
    try {
      plan = await planner(model, system, prompt, maxTokens, scale);
    } catch {
      // a transient error drawn from the profile's error_rate
      exchange.fault = 'server_error';
      if (api === 'ollama') ollamaFault(exchange, name);
      else if (api === 'openai') openaiFault(exchange, name);
      else anthropicFault(exchange, name);
      return;
    }
    const gate = gateOf(model);
    if (gate) {
      // Wait for a sequence slot; the answer's own timing starts once it has one, and its tokens come at the
      // pace of however many sequences are running while it decodes.
      const wake = await gate.acquire();
      if (wake > 0) plan = { ...plan, ttftMs: plan.ttftMs + wake };
      const admitted = performance.now();
      exchange.elapsed = () => performance.now() - admitted;
      const alone = plan.interTokenMs;
      exchange.pace = () => gate.interval(alone);
      if (closed) return void gate.release();
      try {
        return await play(api, path, exchange, model, plan);
      } finally {
        gate.release();
      }
    }
    return play(api, path, exchange, model, plan);
  };

  const play = async (
    api: 'ollama' | 'openai' | 'anthropic',
    path: string,
    exchange: Exchange,
    model: ModelConfig,
    plan: Awaited<ReturnType<typeof planner>>,
  ): Promise<void> => {
    if (api === 'ollama') {
      const cold = !loaded.has(model.model);
      loaded.set(model.model, Date.now());
      const loadMs = cold ? (options.timing?.[model.name]?.loadMs ?? 0) * scale : 0;
      return ollamaGenerate(exchange, model, plan, path === '/api/generate' ? 'generate' : 'chat', loadMs);
    }
    return api === 'openai' ? openaiChat(exchange, model, plan) : anthropicMessages(exchange, model, plan);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    log,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
