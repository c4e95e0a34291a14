import type { EventClock } from '../core/event-clock.js';
import type { RouteRequest } from '../router/types.js';

export type Workload = Iterable<RouteRequest> | AsyncIterable<RouteRequest>;

export interface ReplayProgress {
  /** Requests finished. */
  done: number;
  firstArrivalMs: number | undefined;
  lastArrivalMs: number | undefined;
}

/**
 * Replays a workload as a discrete-event simulation: each request starts at its arrival time on the event
 * clock and runs through `route` beside the others still in flight, so calls overlap in virtual time as they
 * would in production (a local server's queue sees them together). Time moves only when every request in
 * flight waits on the clock; requests are pulled from the workload one ahead, so memory holds only those in
 * flight. A request that fails the run (an error other than the ones `route` turns into data) stops it.
 */
export async function replayConcurrently(
  workload: Workload,
  clock: EventClock,
  route: (request: RouteRequest) => Promise<void>,
  onDone?: (done: number) => void,
): Promise<ReplayProgress> {
  const sync = Symbol.iterator in workload;
  const iterator = sync
    ? (workload as Iterable<RouteRequest>)[Symbol.iterator]()
    : (workload as AsyncIterable<RouteRequest>)[Symbol.asyncIterator]();
  const pull = (): IteratorResult<RouteRequest> | Promise<IteratorResult<RouteRequest>> => iterator.next();
  const progress: ReplayProgress = { done: 0, firstArrivalMs: undefined, lastArrivalMs: undefined };
  let failure: { error: unknown } | undefined;
  const finish = (): void => {
    progress.done++;
    clock.end();
    onDone?.(progress.done);
  };
  const fail = (error: unknown): void => {
    failure ??= { error };
    clock.end();
  };

  let pulled = pull();
  let next = pulled instanceof Promise ? await pulled : pulled;
  for (;;) {
    const settling = clock.whenSettled();
    if (settling) await settling;
    if (failure) throw failure.error;
    const timerAt = clock.nextAt();
    if (!next.done) {
      const request = next.value;
      // Nothing in flight yet: the clock starts at the first arrival, wherever the run's clock began.
      const idle = clock.active === 0 && timerAt === undefined;
      const at = idle
        ? (request.arrivalMs ?? clock.now())
        : Math.max(request.arrivalMs ?? clock.now(), clock.now());
      // A completion due at the same moment as an arrival goes first: its slot is free for the arrival.
      if (timerAt === undefined || at < timerAt) {
        clock.set(at);
        progress.firstArrivalMs ??= at;
        progress.lastArrivalMs = at;
        clock.begin();
        route(request).then(finish, fail);
        pulled = pull();
        next = pulled instanceof Promise ? await pulled : pulled;
        continue;
      }
    }
    if (timerAt === undefined) break;
    clock.step();
  }
  if (failure) throw (failure as { error: unknown }).error;
  if (clock.active > 0)
    throw new Error(
      `the simulation stalled: ${clock.active} request(s) wait on the virtual clock with nothing scheduled to wake them`,
    );
  return progress;
}
