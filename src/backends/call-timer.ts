import type { Clock } from '../core/clock.js';

/** Measures one call on the injected clock: time to first token and total latency. */
export class CallTimer {
  private readonly start: number;
  private first: number | undefined;

  constructor(private readonly clock: Clock) {
    this.start = clock.now();
  }

  /** Marks the first content token (only the first call counts). */
  token(): void {
    this.first ??= this.clock.now();
  }

  get ttftMs(): number {
    return (this.first ?? this.clock.now()) - this.start;
  }

  get latencyMs(): number {
    return this.clock.now() - this.start;
  }
}

/** An AbortSignal that fires when either fires. */
export function anySignal(...signals: (AbortSignal | undefined | null)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => Boolean(s));
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
