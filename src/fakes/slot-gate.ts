/**
 * A capacity-limited server's sequences: at most `max` run at once, the rest wait in arrival order (FIFO),
 * and each running sequence decodes slower the more run beside it.
 */
export class SlotGate {
  running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly max: number,
    /** Per extra sequence running, how much longer each token takes: interval × (1 + s × (n − 1)). */
    readonly slowdownPerSequence: number,
  ) {}

  /** Resolves when a slot is free; the caller must `release` it exactly once. */
  acquire(): Promise<void> {
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Frees the slot: the longest-waiting call takes it, or one fewer runs. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** The time between tokens of one sequence now, from its interval when it runs alone. */
  interval(aloneMs: number): number {
    return aloneMs * (1 + this.slowdownPerSequence * Math.max(0, this.running - 1));
  }
}
