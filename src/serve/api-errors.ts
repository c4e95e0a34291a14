/** What went wrong, in the gateway's terms; each API renders it in its own format. */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'not_found'
  | 'model_not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'budget_exhausted'
  | 'upstream'
  | 'unavailable';

/** An error the gateway answers with: an HTTP status, a kind and a message for the client. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
    /** Seconds after which a retry may succeed (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`. */
export function openAIErrorBody(error: ApiError): string {
  const type =
    error.kind === 'authentication'
      ? 'invalid_request_error'
      : error.kind === 'rate_limit' || error.kind === 'budget_exhausted'
        ? 'rate_limit_error'
        : error.kind === 'upstream' || error.kind === 'unavailable'
          ? 'api_error'
          : 'invalid_request_error';
  const code =
    error.kind === 'authentication'
      ? 'invalid_api_key'
      : error.kind === 'model_not_found'
        ? 'model_not_found'
        : error.kind === 'budget_exhausted'
          ? 'budget_exhausted'
          : error.kind === 'rate_limit'
            ? 'rate_limit_exceeded'
            : null;
  return JSON.stringify({ error: { message: error.message, type, param: null, code } });
}

/** Anthropic's error body: `{"type": "error", "error": {"type", "message"}, "request_id"}`. */
export function anthropicErrorBody(error: ApiError, requestId: string): string {
  return JSON.stringify({
    type: 'error',
    error: { type: anthropicType(error), message: error.message },
    request_id: requestId,
  });
}

export function anthropicType(error: ApiError): string {
  switch (error.kind) {
    case 'authentication':
      return 'authentication_error';
    case 'not_found':
    case 'model_not_found':
      return 'not_found_error';
    case 'request_too_large':
      return 'request_too_large';
    case 'rate_limit':
    case 'budget_exhausted':
      return 'rate_limit_error';
    case 'unavailable':
      return 'overloaded_error';
    case 'upstream':
      return 'api_error';
    default:
      return 'invalid_request_error';
  }
}
