/**
 * A capacity-limited server's sequences: at most `max` run at once, the rest wait in arrival order (FIFO),
 * and each running sequence decodes slower the more run beside it.
 */
export class SlotGate {
  running = 0;
  private readonly waiting: (() => void)[] = [];
  /** When the last sequence left (−∞ before the first: a fresh server starts cold). */
  private idleSince = -Infinity;

  constructor(
    readonly max: number,
    /** Per extra sequence running, how much longer each token takes: interval × (1 + s × (n − 1)). */
    readonly slowdownPerSequence: number,
    /** A call that finds the server idle at least `afterMs` waits `ms` more for its first token. */
    readonly wake: { ms: number; afterMs: number } = { ms: 0, afterMs: 0 },
  ) {}

  /**
   * Resolves when a slot is free, with the wake the call pays (a cold server's extra time to first token);
   * the caller must `release` it exactly once.
   */
  acquire(): Promise<number> {
    if (this.running < this.max) {
      const wake =
        this.running === 0 && performance.now() - this.idleSince >= this.wake.afterMs ? this.wake.ms : 0;
      this.running++;
      return Promise.resolve(wake);
    }
    return new Promise((resolve) => this.waiting.push(() => resolve(0)));
  }

  /** Frees the slot: the longest-waiting call takes it, or one fewer runs. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else if (--this.running === 0) this.idleSince = performance.now();
  }

  /** The time between tokens of one sequence now, from its interval when it runs alone. */
  interval(aloneMs: number): number {
    return aloneMs * (1 + this.slowdownPerSequence * Math.max(0, this.running - 1));
  }
}
