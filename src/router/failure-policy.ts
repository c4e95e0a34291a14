import { RateLimitedError, type BackendError } from '../backends/errors.js';
import type { RouterConfig } from '../config/router-config.js';
import type { Clock } from '../core/clock.js';
import { createRng, deriveSeed } from '../core/rng.js';

/**
 * What the router does after a backend error: how long to back off before retrying the same model, and which
 * models to skip for a while because they keep failing (so an outage costs one attempt per cooldown window).
 */
export class FailurePolicy {
  /** Consecutive backend errors per model, and until when a model is skipped. */
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly config: Pick<RouterConfig, 'retry' | 'cooldown'>,
    private readonly clock: Clock,
  ) {}

  coolingDown(model: string): boolean {
    const state = this.failures.get(model);
    return state !== undefined && state.until > this.clock.now();
  }

  failed(model: string): void {
    const state = this.failures.get(model) ?? { count: 0, until: 0 };
    state.count++;
    if (state.count >= this.config.cooldown.failures)
      state.until = this.clock.now() + this.config.cooldown.ms;
    this.failures.set(model, state);
  }

  succeeded(model: string): void {
    this.failures.delete(model);
  }

  /**
   * Wait before retry number `retries + 1`: exponential backoff with 50–100% jitter (seeded by the request,
   * so simulations stay deterministic), or the server's retry-after; undefined when no retry should happen.
   */
  retryDelay(error: BackendError, retries: number, requestId: string, step: number): number | undefined {
    const { maxRetries, baseDelayMs, maxDelayMs } = this.config.retry;
    if (!error.retryable || retries >= maxRetries) return undefined;
    if (error instanceof RateLimitedError && error.retryAfterSeconds !== undefined) {
      const wait = error.retryAfterSeconds * 1000;
      return wait <= maxDelayMs ? wait : undefined;
    }
    const jitter = 0.5 + 0.5 * createRng(deriveSeed(0, requestId, step, 'backoff'))();
    return Math.min(maxDelayMs, baseDelayMs * 2 ** retries) * jitter;
  }
}
