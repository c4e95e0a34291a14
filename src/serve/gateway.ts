import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerInterruptedError, BudgetExhaustedError, UnknownModelError } from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { BudgetGuard } from '../ledger/budget-guard.js';
import type { Router } from '../router/router.js';
import type { RouteResult } from '../router/types.js';
import { anthropicDialect } from './anthropic-api.js';
import { ApiError, openAIErrorBody } from './api-errors.js';
import type { Dialect, ParsedCall, StreamWriter } from './dialect.js';
import { AUTO_MODEL, checkModeFor } from './hints.js';
import { GatewayMetrics } from './metrics.js';
import {
  createAuthenticator,
  JSON_TYPE,
  newRequestId,
  readJsonBody,
  sendWhole,
  SSE_HEADERS,
} from './http-io.js';
import { openAIDialect } from './openai-api.js';

export interface GatewayOptions {
  config: RouterConfig;
  router: Router;
  budget: BudgetGuard;
  /** Client keys, resolved from `serve.api_keys`; none: no authentication. */
  apiKeys: readonly string[];
  /** Receives one JSON line per request (the access log). */
  log?: (line: string) => void;
  /** The text `/metrics` answers; default this gateway's own (a worker of `serve --workers`: all of theirs). */
  metricsText?: () => Promise<string>;
}

export interface Gateway {
  server: Server;
  metrics: GatewayMetrics;
  /** Listens; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /**
   * Stops accepting requests, lets those in flight finish for up to `deadlineMs`, then closes every
   * connection. Resolves with how many were still in flight at the deadline.
   */
  shutdown(deadlineMs: number): Promise<{ unfinished: number }>;
  inFlight(): number;
}

interface Exchange {
  id: string;
  started: number;
  api: string;
  client: string;
  keyIndex: number | undefined;
  status: number;
  result?: RouteResult;
  /** The model whose answer was streaming when it failed. */
  model?: string;
  stream: boolean;
  mode?: string;
  prompt?: string;
}

/**
 * `hybridllm serve`: the production router behind OpenAI- and Anthropic-compatible endpoints, on node:http
 * with keep-alive. One Router answers every request; the ledger and budget are the router's sinks and guard.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, router, budget } = options;
  const authenticate = createAuthenticator(options.apiKeys);
  const readBody = (request: IncomingMessage): Promise<unknown> =>
    readJsonBody(request, config.serve.maxBodyBytes);
  const perClient = new Map<string, number>();
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const metrics = new GatewayMetrics(
    config,
    router,
    () => config.dailyBudgetUsd - budget.committed(Date.now()),
  );
  router.subscribe(metrics.sink);

  const models = (): unknown => ({
    object: 'list',
    data: [
      AUTO_MODEL,
      'hybridllm/LOCAL_FAST',
      'hybridllm/LOCAL_QUALITY',
      'hybridllm/API_FALLBACK',
      ...config.models.filter((m) => m.enabled).map((m) => m.name),
    ].map((id) => ({ id, object: 'model', created: 0, owned_by: 'hybridllm' })),
  });

  const summaryHeaders = (ex: Exchange, result: RouteResult): Record<string, string> => ({
    'x-hybridllm-request-id': ex.id,
    'x-hybridllm-model': result.model ?? '',
    'x-hybridllm-tier': result.finalTier ?? '',
    'x-hybridllm-attempts': String(result.attempts.length),
    'x-hybridllm-cost-usd': result.totals.costUsd.toFixed(6),
    'x-hybridllm-confidence': result.confidence.toFixed(3),
  });

  /** Headers every answer carries; `connection: close` once draining, so keep-alive clients go elsewhere. */
  const baseHeaders = (ex: Exchange): Record<string, string> =>
    draining ? { 'x-hybridllm-request-id': ex.id, connection: 'close' } : { 'x-hybridllm-request-id': ex.id };

  const noAnswer = (result: RouteResult): ApiError => {
    const errors = result.attempts
      .filter((a) => a.error)
      .map((a) => `${a.model}: ${a.errorMessage ?? a.error}`);
    return new ApiError(
      502,
      'upstream',
      errors.length
        ? `no model could answer: ${errors.join('; ')}`
        : 'no model of the chain could take the request',
    );
  };

  const chat = async (
    dialect: Dialect,
    request: IncomingMessage,
    response: ServerResponse,
    ex: Exchange,
  ): Promise<void> => {
    const body = await readBody(request);
    const call: ParsedCall = dialect.parse(body, request.headers, config);
    ex.stream = call.stream;
    if (config.ledger.storeText) ex.prompt = call.request.prompt;
    const mode = checkModeFor(call.request.expects ?? 'text', call.hints.checkMode, config);
    ex.mode = mode;
    if (!call.stream || mode === 'buffer') {
      // The answer is checked (and escalated) before the first byte goes out.
      const result = await router.route({ ...call.request, id: ex.id, stream: call.stream });
      ex.result = result;
      if (!result.model) throw noAnswer(result);
      const headers = { ...baseHeaders(ex), ...summaryHeaders(ex, result) };
      ex.status = 200;
      if (!call.stream) {
        sendWhole(
          response,
          200,
          { ...JSON_TYPE, ...headers },
          JSON.stringify(dialect.complete(result, call, ex.id)),
        );
        return;
      }
      response.writeHead(200, { ...SSE_HEADERS, ...headers });
      const writer = dialect.openStream(response, call, ex.id, () => result.model!);
      if (result.text) writer.text(result.text);
      writer.end(result);
      return;
    }
    // Stream mode: tokens go out as the model produces them; the check is recorded after.
    let writer: StreamWriter | undefined;
    let streaming: ModelConfig | undefined;
    const open = (model: ModelConfig, extra: Record<string, string> = {}): StreamWriter => {
      streaming = model;
      ex.status = 200;
      response.writeHead(200, {
        ...SSE_HEADERS,
        ...baseHeaders(ex),
        'x-hybridllm-model': model.name,
        'x-hybridllm-tier': model.tier,
        ...extra,
      });
      return dialect.openStream(response, call, ex.id, () => streaming!.name);
    };
    let result: RouteResult;
    try {
      result = await router.route(
        { ...call.request, id: ex.id },
        {
          onToken: (piece, model) => {
            writer ??= open(model);
            writer.text(piece);
          },
        },
      );
    } catch (error) {
      if (writer && error instanceof AnswerInterruptedError) {
        ex.status = 502;
        ex.model = error.model;
        writer.fail(new ApiError(502, 'upstream', `the answer was cut off: ${error.message}`));
        return;
      }
      throw error;
    }
    ex.result = result;
    if (!writer) {
      // Nothing was streamed (no model answered, or the answer was empty or only tool calls).
      if (!result.model) throw noAnswer(result);
      const model = config.models.find((m) => m.name === result.model)!;
      writer = open(model, summaryHeaders(ex, result));
    }
    // What the headers could not say when the first token went out, as an SSE comment clients ignore.
    response.write(
      `: hybridllm attempts=${result.attempts.length} cost_usd=${result.totals.costUsd.toFixed(6)} confidence=${result.confidence.toFixed(3)} passed=${result.passed}\n\n`,
    );
    writer.end(result);
  };

  const fail = (error: unknown, dialect: Dialect, response: ServerResponse, ex: Exchange): void => {
    const apiError =
      error instanceof ApiError
        ? error
        : error instanceof BudgetExhaustedError
          ? new ApiError(429, 'budget_exhausted', error.message)
          : error instanceof UnknownModelError
            ? new ApiError(404, 'model_not_found', error.message)
            : new ApiError(500, 'upstream', `internal error: ${(error as Error).message}`);
    ex.status = apiError.status;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    sendWhole(
      response,
      apiError.status,
      {
        ...JSON_TYPE,
        ...baseHeaders(ex),
        ...(apiError.retryAfterSeconds ? { 'retry-after': String(apiError.retryAfterSeconds) } : {}),
        ...(dialect.name === 'anthropic' ? { 'request-id': ex.id } : {}),
      },
      dialect.errorBody(apiError, ex.id),
    );
  };

  const finish = (ex: Exchange): void => {
    const seconds = (performance.now() - ex.started) / 1000;
    const model = ex.result?.model ?? ex.model ?? '';
    const tier = ex.result?.finalTier ?? config.models.find((m) => m.name === model)?.tier ?? '';
    metrics.request(ex.api, ex.status, tier, model, seconds);
    if (options.log)
      options.log(
        JSON.stringify({
          time: new Date().toISOString(),
          id: ex.id,
          api: ex.api,
          client: ex.client,
          ...(ex.keyIndex === undefined ? {} : { key: `#${ex.keyIndex + 1}` }),
          status: ex.status,
          stream: ex.stream,
          ...(ex.mode ? { check_mode: ex.mode } : {}),
          model,
          tier,
          attempts: ex.result?.attempts.length ?? 0,
          cost_usd: Number((ex.result?.totals.costUsd ?? 0).toFixed(6)),
          passed: ex.result?.passed ?? false,
          ms: Math.round(seconds * 1000 * 10) / 10,
          ...(ex.prompt === undefined ? {} : { prompt: ex.prompt }),
        }),
      );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0]!;
    const method = request.method ?? 'GET';
    if (method === 'GET' && path === '/healthz') {
      sendWhole(
        response,
        draining ? 503 : 200,
        JSON_TYPE,
        JSON.stringify({ status: draining ? 'draining' : 'ok', in_flight: inFlight }),
      );
      return;
    }
    const dialect = path === '/v1/messages' ? anthropicDialect : openAIDialect;
    const ex: Exchange = {
      id: newRequestId(),
      started: performance.now(),
      api: path === '/v1/messages' ? 'anthropic' : path === '/v1/chat/completions' ? 'openai' : 'other',
      client: request.socket.remoteAddress ?? '',
      keyIndex: undefined,
      status: 0,
      stream: false,
    };
    let counted: string | undefined;
    inFlight++;
    metrics.inFlight.inc();
    try {
      if (draining) throw new ApiError(503, 'unavailable', 'the server is shutting down', 1);
      ex.keyIndex = authenticate(request);
      if (method === 'GET' && path === '/metrics') {
        const text = await (options.metricsText?.() ?? metrics.registry.metrics());
        ex.status = 200;
        sendWhole(response, 200, { 'content-type': metrics.registry.contentType, ...baseHeaders(ex) }, text);
        return;
      }
      if (method === 'GET' && path === '/v1/models') {
        ex.status = 200;
        sendWhole(response, 200, { ...JSON_TYPE, ...baseHeaders(ex) }, JSON.stringify(models()));
        return;
      }
      if (method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/messages'))
        throw new ApiError(
          404,
          'not_found',
          `no route for ${method} ${path}: POST /v1/chat/completions, POST /v1/messages, GET /v1/models, GET /healthz, GET /metrics`,
        );
      const client = ex.keyIndex === undefined ? ex.client : `key#${ex.keyIndex}`;
      const running = perClient.get(client) ?? 0;
      if (running >= config.serve.maxConcurrentPerClient)
        throw new ApiError(
          429,
          'rate_limit',
          `too many requests in flight for this client (${running}; the limit is ${config.serve.maxConcurrentPerClient})`,
          1,
        );
      perClient.set(client, running + 1);
      counted = client;
      await chat(dialect, request, response, ex);
    } catch (error) {
      fail(error, dialect, response, ex);
    } finally {
      if (counted !== undefined) {
        const left = (perClient.get(counted) ?? 1) - 1;
        if (left > 0) perClient.set(counted, left);
        else perClient.delete(counted);
      }
      inFlight--;
      metrics.inFlight.dec();
      finish(ex);
      if (draining && inFlight === 0) drained?.();
    }
  };

  const server = createServer({ keepAlive: true }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A last resort: handle() answers its own errors.
      if (!response.headersSent) {
        sendWhole(
          response,
          500,
          JSON_TYPE,
          openAIErrorBody(new ApiError(500, 'upstream', (error as Error).message)),
        );
      } else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  return {
    server,
    metrics,
    inFlight: () => inFlight,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    shutdown: async (deadlineMs) => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0)
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref()),
        ]);
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
