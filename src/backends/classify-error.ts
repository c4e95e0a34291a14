import {
  AuthError,
  BackendError,
  BadRequestError,
  BadResponseError,
  ConnectionError,
  ModelNotFoundError,
  RateLimitedError,
  TimeoutError,
  TransientError,
} from './errors.js';

interface ErrorLike {
  name?: string;
  message?: string;
  status?: number;
  status_code?: number;
  headers?: { get?(name: string): string | null } | Record<string, string>;
  cause?: unknown;
  code?: string;
  type?: string;
  error?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Removes secrets from a message: the given values, bearer tokens and key-shaped strings. */
export function redact(message: string, secrets: readonly string[] = []): string {
  let out = message;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]')
    .replace(/\b(sk|sk-ant|sk-proj)-[A-Za-z0-9_-]{6,}/g, '[redacted]');
}

function header(error: ErrorLike, name: string): string | undefined {
  const headers = error.headers;
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

function codeOf(error: unknown): string | undefined {
  for (
    let current = error as ErrorLike | undefined, depth = 0;
    current && depth < 5;
    current = current.cause as ErrorLike, depth++
  )
    if (typeof current.code === 'string') return current.code;
  return undefined;
}

/**
 * Classifies any failure of a backend call — an SDK's API error, a fetch failure, an abort, an in-stream
 * error — into our error classes, once, so the router decides from the class. Messages are redacted.
 */
export function classifyError(
  error: unknown,
  model: string,
  options: {
    secrets?: readonly string[];
    timedOut?: boolean;
    timeoutMs?: number;
    streamStarted?: boolean;
    /** The server the call went to, named when it cannot be reached. */
    endpoint?: string;
  } = {},
): BackendError {
  if (BackendError.isInstance(error)) return error;
  const e = (error ?? {}) as ErrorLike;
  const clean = (text: string): string => redact(text, options.secrets);
  const message = clean(e.message ?? String(error));
  if (options.timedOut || e.name === 'TimeoutError' || e.name === 'APIConnectionTimeoutError')
    return new TimeoutError(`no complete answer within ${options.timeoutMs ?? '?'} ms`, model);
  if (e.name === 'AbortError' || e.name === 'APIUserAbortError')
    return new TimeoutError(`the call was aborted: ${message}`, model);
  const status =
    typeof e.status === 'number' ? e.status : typeof e.status_code === 'number' ? e.status_code : undefined;
  if (status !== undefined) {
    const text = `HTTP ${status}: ${message}`;
    if (status === 429) {
      const retryAfter = Number(header(e, 'retry-after'));
      return new RateLimitedError(
        text,
        model,
        status,
        Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
      );
    }
    if (status === 401 || status === 403) return new AuthError(text, model, status);
    if (status === 404) return new ModelNotFoundError(text, model, status);
    if (status === 408) return new TimeoutError(text, model, status);
    if (status >= 500) return new TransientError(text, model, status);
    return new BadRequestError(text, model, status);
  }
  const code = codeOf(error);
  // Once the response has begun, a dropped connection is a stream cut short, not an unreachable server.
  if (
    options.streamStarted &&
    (e.name === 'APIConnectionError' ||
      (code && CONNECTION_CODES.has(code)) ||
      /terminated|other side closed|socket/i.test(message))
  )
    return new BadResponseError(`the stream was cut short: ${message}`, model);
  if (
    e.name === 'APIConnectionError' ||
    (code && CONNECTION_CODES.has(code)) ||
    /fetch failed|ECONNREFUSED|socket hang up|other side closed/i.test(message)
  ) {
    const reason =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'connection reset'
          : message;
    return new ConnectionError(`cannot reach ${shownEndpoint(options.endpoint)}: ${reason}`, model);
  }
  if (
    /terminated|premature close|Did not receive done|stream ended|aborted/i.test(message) ||
    code === 'ERR_STREAM_PREMATURE_CLOSE'
  )
    return new BadResponseError(`the stream was cut short: ${message}`, model);
  if (e.name === 'SyntaxError' || /JSON/i.test(message))
    return new BadResponseError(`malformed response: ${message}`, model);
  // An error event inside a 200 stream (Ollama's {"error"} line, Anthropic's event: error, OpenAI's data: {error}).
  return new TransientError(`error during the stream: ${message}`, model);
}

/** A server's address for a message: scheme, host, port and path, never credentials or a query. */
function shownEndpoint(endpoint: string | undefined): string {
  if (!endpoint) return 'the server';
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return 'the server';
  }
}
