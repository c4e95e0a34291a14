import type { VirtualClock } from './clock.js';

/** A scheduled callback; `cancel` keeps it from running (it stays in the heap until its time comes). */
export interface Timer {
  readonly at: number;
  cancel(): void;
}

/** A coroutine parked until something on the clock wakes it (a queue's slot, say). */
export interface Parked<T> {
  readonly promise: Promise<T>;
  /** Resolves the promise; the coroutine counts as blocked until then. Later calls do nothing. */
  wake(value: T): void;
}

// Classes rather than object literals with arrow functions: the TypeScript loader would name (and so wrap)
// each arrow created per call, and these are made for every simulated call.
class Entry implements Timer {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly run: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

class ParkedCoroutine<T> implements Parked<T> {
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private woken = false;

  constructor(private readonly clock: EventClock) {
    this.promise = new Promise<T>((resolve) => {
      this.resolve = resolve;
    });
  }

  wake(value: T): void {
    if (this.woken) return;
    this.woken = true;
    this.clock.blocked--;
    this.resolve(value);
  }
}

/**
 * A virtual clock that many coroutines share, as a discrete-event simulation does: `sleep` and `park` block
 * the caller on the clock; time moves (`step`) only when every coroutine the clock knows of (`begin`/`end`)
 * is blocked, to the earliest timer, which then runs. Timers at the same time run in the order they were
 * set, and one coroutine runs at a time between steps, so a run is deterministic whatever its real I/O does.
 */
export class EventClock implements VirtualClock {
  readonly virtual = true;
  private time: number;
  private heap: Entry[] = [];
  private seq = 0;
  /** Coroutines begun and not ended. */
  active = 0;
  /** Of those, the ones waiting on the clock. */
  blocked = 0;
  private waiter: (() => void) | undefined;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Moves time without running anything; only forward once timers are pending. */
  set(ms: number): void {
    if (this.heap.length && ms < this.time) throw new Error('the event clock cannot go back in time');
    this.time = ms;
  }

  /** Runs `run` at `at` (not before now). */
  schedule(at: number, run: () => void): Timer {
    const entry = new Entry(Math.max(at, this.time), this.seq++, run);
    this.push(entry);
    return entry;
  }

  sleep(ms: number): Promise<void> {
    const parked = this.park<void>();
    this.schedule(this.time + Math.max(0, ms), () => parked.wake());
    return parked.promise;
  }

  park<T>(): Parked<T> {
    this.blocked++;
    const parked = new ParkedCoroutine<T>(this);
    this.settleCheck();
    return parked;
  }

  /** A coroutine starts: time waits for it to block or end. */
  begin(): void {
    this.active++;
  }

  end(): void {
    this.active--;
    this.settleCheck();
  }

  /** True when no coroutine can run: each is blocked on the clock. */
  get settled(): boolean {
    return this.blocked >= this.active;
  }

  /** Resolves once every coroutine is blocked on the clock (at once when they are). */
  whenSettled(): Promise<void> | undefined {
    if (this.settled) return undefined;
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Time of the earliest live timer, or undefined. */
  nextAt(): number | undefined {
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    return this.heap[0]?.at;
  }

  /** Advances to the earliest timer and runs it; false when none is left. */
  step(): boolean {
    while (this.heap.length) {
      const entry = this.pop();
      if (entry.cancelled) continue;
      this.time = entry.at;
      entry.run();
      return true;
    }
    return false;
  }

  private settleCheck(): void {
    if (this.waiter && this.settled) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Whether a clock is an event clock (coroutines may wait on it for each other). */
export function isEventClock(clock: unknown): clock is EventClock {
  return clock instanceof EventClock;
}
