/**
 * Errors a backend call can end in, classified once so the router decides from the class, not from strings.
 * `retryable` says whether the same model may be tried again later.
 */
export class BackendError extends Error {
  override name = 'BackendError';
  readonly retryable: boolean = false;
  constructor(
    message: string,
    readonly model: string,
    readonly status?: number,
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is BackendError {
    return error instanceof BackendError;
  }
}

/** 5xx / 529 overloaded: worth retrying. */
export class TransientError extends BackendError {
  override name = 'TransientError';
  override readonly retryable = true;
}

/** 429 with an optional retry-after. */
export class RateLimitedError extends BackendError {
  override name = 'RateLimitedError';
  override readonly retryable = true;
  constructor(
    message: string,
    model: string,
    status?: number,
    /** Seconds the server asked us to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, model, status);
  }
}

export class TimeoutError extends BackendError {
  override name = 'TimeoutError';
  override readonly retryable = true;
}

export class ConnectionError extends BackendError {
  override name = 'ConnectionError';
  override readonly retryable = true;
}

/** 401 / 403, or an API key that is not set. */
export class AuthError extends BackendError {
  override name = 'AuthError';
}

/** 404: the server does not have this model. */
export class ModelNotFoundError extends BackendError {
  override name = 'ModelNotFoundError';
}

/** 400 / 413 / 422: the server refused the request as sent; trying again will not help. */
export class BadRequestError extends BackendError {
  override name = 'BadRequestError';
}

/** The server answered something we could not understand, or a stream ended early. */
export class BadResponseError extends BackendError {
  override name = 'BadResponseError';
  override readonly retryable = true;
}

/** The daily budget cannot cover the next API call and `on_budget_exhausted` is `reject`. */
export class BudgetExhaustedError extends Error {
  override readonly name = 'BudgetExhaustedError';
  constructor(
    message: string,
    readonly spentUsd: number,
    readonly budgetUsd: number,
  ) {
    super(message);
  }
}

/**
 * A streamed answer failed after some of it reached the client: nothing can be retried invisibly, so the
 * client must be told (an error event), never shown a clean finish. Carries the attempts made.
 */
export class AnswerInterruptedError extends Error {
  override readonly name = 'AnswerInterruptedError';
  constructor(
    message: string,
    readonly model: string,
    override readonly cause: Error,
  ) {
    super(message);
  }
}

/** A request named a model that is not configured (or not enabled). */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  constructor(readonly model: string) {
    super(`no enabled model named '${model}' is configured`);
  }
}
