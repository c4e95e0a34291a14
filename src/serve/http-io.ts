import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-errors.js';

/* The HTTP plumbing of `serve`: authentication, a JSON body within a limit, whole answers, request ids. */

export const JSON_TYPE = { 'content-type': 'application/json' };
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * Checks a request's key (`Authorization: Bearer` or `x-api-key`) against the configured ones in constant
 * time: the index of the matching key, undefined when none is configured; throws 401 otherwise.
 */
export function createAuthenticator(
  apiKeys: readonly string[],
): (request: IncomingMessage) => number | undefined {
  const keys = apiKeys.map((k) => Buffer.from(k));
  return (request) => {
    if (keys.length === 0) return undefined;
    const auth = request.headers['authorization'];
    const given =
      (typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined) ??
      (request.headers['x-api-key'] as string | undefined);
    if (given) {
      const candidate = Buffer.from(given);
      const index = keys.findIndex((k) => k.length === candidate.length && timingSafeEqual(k, candidate));
      if (index >= 0) return index;
    }
    throw new ApiError(
      401,
      'authentication',
      given ? 'invalid API key' : 'missing API key: send Authorization: Bearer <key> or x-api-key',
    );
  };
}

/** The request body parsed as JSON; 413 past `maxBytes` (declared or sent), 400 when it is not JSON. */
export function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      request.resume();
      return reject(tooLarge(maxBytes));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge(maxBytes));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch (error) {
        reject(
          new ApiError(400, 'invalid_request', `the body is not valid JSON: ${(error as Error).message}`),
        );
      }
    });
  });
}

/** A whole answer with its length: a body known in advance needs no chunked encoding. */
export function sendWhole(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    'request_too_large',
    `the request body is larger than serve.max_body_bytes (${limit} bytes)`,
  );
}

let counter = 0;
const prefix = randomBytes(4).toString('hex');
/** A request id: unique per process start, cheap to make. */
export function newRequestId(): string {
  return `${prefix}${(++counter).toString(36)}`;
}
