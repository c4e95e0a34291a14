/**
 * Rows waiting to be written together: handed over as one batch when `batchSize` are waiting, or when the
 * oldest has waited `flushMs`, or on `flush()`. The timer never keeps the process alive.
 */
export class RowBuffer<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (batch: T[]) => void,
    private readonly batchSize = 50,
    private readonly flushMs = 250,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.batchSize) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Hands over what is waiting now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.write(batch);
  }
}
