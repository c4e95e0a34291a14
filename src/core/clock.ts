/** Time source injected into the router and backends: real in production and bench, virtual in simulation. */
export interface Clock {
  /** Milliseconds since the epoch (fractional allowed). */
  now(): number;
  /** Waits `ms`; a virtual clock advances instantly. Rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly virtual: boolean;
}

/** Wall-clock time with sub-millisecond resolution. */
export function createRealClock(): Clock {
  const origin = performance.timeOrigin;
  return {
    virtual: false,
    now: () => origin + performance.now(),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

/** A clock the simulation moves: `sleep` advances it at once, `set` jumps to a request's arrival time. */
export interface VirtualClock extends Clock {
  set(ms: number): void;
}

const resolved = Promise.resolve();

export function createVirtualClock(startMs = 0): VirtualClock {
  let time = startMs;
  return {
    virtual: true,
    now: () => time,
    set: (ms) => {
      time = ms;
    },
    sleep: (ms) => {
      time += ms;
      return resolved;
    },
  };
}
