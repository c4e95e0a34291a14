import type { EventClock, Parked, Timer } from '../../core/event-clock.js';
import { QuantileSketch } from '../../core/quantile-sketch.js';
import { rateAt, wakeAfter, type CapacityProfile, type Rates } from './capacity-rates.js';
import type { Admission, CapacityStats, Demand, ServeCall } from './capacity-types.js';
import { HourlyTally } from './hourly-tally.js';

export * from './capacity-rates.js';
export type * from './capacity-types.js';

const HOUR_MS = 3_600_000;
/** A phase this close to its end (in ms at its current rate) is done: keeps float rounding from looping. */
const DONE_MS = 1e-3;

const WAITING = 0;
const WAKE = 4;
const PREFILL = 1;
const DECODE = 2;
const FINISHED = 3;

/** One model's slots, queue and demand on the item's machines. */
interface ModelLane {
  maxConcurrency: number;
  /** Sequences of this model running per machine. */
  running: number[];
  waiting: Job[];
  waitingHead: number;
  /** Full-batch service time asked for per hour (slot-ms), for the demand figures. */
  demandHourly: HourlyTally;
  demandMs: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

interface Job {
  lane: ModelLane;
  arrivalMs: number;
  startMs: number;
  ttftMs: number;
  state: number;
  /** Tokens left in the current phase. */
  left: number;
  inputTokens: number;
  outputTokens: number;
  rates: Rates;
  wakeDraw: number;
  batch: number;
  machine: number;
  shareMs: number;
  parked: Parked<Admission>;
  timeout: Timer | undefined;
}

/**
 * A hardware item's machines (`servers` identical ones) as a queue on an event clock, the way continuous
 * batching serves. Each model placed on the item has its own sequence slots on every machine (as Ollama runs a
 * runner per loaded model, `max_concurrency` sequences each): a call waits in its model's FIFO queue for a free
 * slot (on the least busy machine), then prefills its prompt and decodes its answer at its model's
 * per-sequence rates for the number of sequences running on the machine, rates that change whenever a call
 * joins or leaves. A call whose client times out leaves at the timeout (the server cancels it), freeing its
 * slot. Memory holds the calls in flight, a wait sketch and a few numbers per hour.
 */
export class CapacityQueue {
  private readonly running: Job[][];
  private readonly updatedAt: number[];
  private readonly nextEvent: (Timer | undefined)[];
  /** When each machine last ran nothing (−∞: never ran; its first call is cold). */
  private readonly idleSince: number[];
  private readonly lanes = new Map<string, ModelLane>();
  private waitingCount = 0;
  private readonly waits = new QuantileSketch();
  /** Machine-busy milliseconds per hour since the first call (all machines); one number per hour simulated. */
  private readonly hourly = new HourlyTally();
  private originMs: number | undefined;
  private firstArrivalMs = NaN;
  private lastEndMs = NaN;
  calls = 0;
  timedOut = 0;
  /** Of them, those that gave up before they got a slot. */
  timedOutWaiting = 0;
  busyMs = 0;
  /** Most calls waiting for a slot at once. */
  maxWaiting = 0;
  /** Time any machine had a sequence running, summed over machines. */
  machineBusyMs = 0;

  constructor(
    readonly profile: CapacityProfile,
    readonly servers: number,
    private readonly clock: EventClock,
  ) {
    if (!(profile.maxConcurrency >= 1)) throw new Error('max_concurrency must be at least 1');
    const machines = Math.max(1, servers);
    this.running = Array.from({ length: machines }, () => []);
    this.updatedAt = Array.from({ length: machines }, () => 0);
    this.nextEvent = Array.from({ length: machines }, () => undefined);
    this.idleSince = Array.from({ length: machines }, () => -Infinity);
  }

  private laneOf(call: ServeCall): ModelLane {
    const key = call.model ?? '';
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        maxConcurrency: Math.max(1, call.maxConcurrency ?? this.profile.maxConcurrency),
        running: this.running.map(() => 0),
        waiting: [],
        waitingHead: 0,
        demandHourly: new HourlyTally(),
        demandMs: 0,
        firstArrivalMs: this.clock.now(),
        lastArrivalMs: this.clock.now(),
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Serves one call arriving now; resolves on the clock when it answers or times out. */
  serve(call: ServeCall): Promise<Admission> {
    const now = this.clock.now();
    // Hours count from the first call, so a trace shorter than an hour has one peak hour: all of it.
    this.originMs ??= now;
    if (Number.isNaN(this.firstArrivalMs)) this.firstArrivalMs = now;
    const lane = this.laneOf(call);
    const rates = call.rates ?? this.profile;
    // What the call asks of a slot when the server runs full batches: the demand figures' unit.
    const full = lane.maxConcurrency;
    const demand =
      (Math.max(0, call.inputTokens) / rateAt(rates.prefill, full) +
        Math.max(0, call.outputTokens - 1) / rateAt(rates.decode, full)) *
      1000;
    lane.demandMs += demand;
    lane.lastArrivalMs = now;
    const hour = Math.floor((now - this.originMs) / HOUR_MS);
    lane.demandHourly.add(hour, demand);
    const job: Job = {
      lane,
      arrivalMs: now,
      startMs: NaN,
      ttftMs: 0,
      state: WAITING,
      left: 0,
      inputTokens: Math.max(0, call.inputTokens),
      outputTokens: Math.max(0, call.outputTokens),
      rates,
      wakeDraw: call.wakeDraw ?? 0,
      batch: 0,
      machine: -1,
      shareMs: 0,
      parked: this.clock.park<Admission>(),
      timeout: undefined,
    };
    this.calls++;
    const timeoutMs = call.timeoutMs ?? Infinity;
    if (Number.isFinite(timeoutMs))
      job.timeout = this.clock.schedule(now + timeoutMs, () => this.expire(job));
    const machine = this.freeMachine(lane);
    if (machine >= 0) {
      this.advance(machine);
      this.begin(job, machine);
      this.settle(machine);
    } else {
      lane.waiting.push(job);
      if (++this.waitingCount > this.maxWaiting) this.maxWaiting = this.waitingCount;
    }
    return job.parked.promise;
  }

  /** The machine with a free slot for the lane and the fewest sequences running (the first on a tie), or -1. */
  private freeMachine(lane: ModelLane): number {
    let best = -1;
    for (let m = 0; m < this.running.length; m++)
      if (
        lane.running[m]! < lane.maxConcurrency &&
        (best < 0 || this.running[m]!.length < this.running[best]!.length)
      )
        best = m;
    return best;
  }

  /** Puts a call on a machine (already advanced to now). */
  private begin(job: Job, machine: number): void {
    const now = this.clock.now();
    job.machine = machine;
    job.startMs = now;
    this.waits.add(now - job.arrivalMs);
    const running = this.running[machine]!;
    const wake =
      running.length === 0 ? wakeAfter(job.rates, now - this.idleSince[machine]!, job.wakeDraw) : 0;
    if (wake > 0) {
      job.state = WAKE;
      job.left = wake;
    } else {
      job.state = PREFILL;
      job.left = job.inputTokens;
    }
    running.push(job);
    job.lane.running[machine]!++;
    job.batch = running.length;
  }

  /** Moves every running call on a machine forward to now at the rates of the batch it has run in. */
  private advance(machine: number): void {
    const now = this.clock.now();
    const dt = now - this.updatedAt[machine]!;
    this.updatedAt[machine] = now;
    if (dt <= 0) return;
    const running = this.running[machine]!;
    const n = running.length;
    if (n > 0) this.recordBusy(now - dt, dt);
    for (const job of running) {
      job.left -= (rateOf(job, n) * dt) / 1000;
      job.shareMs += dt / n;
    }
  }

  /**
   * Finishes the phases that are done on a machine (prefill → decode → answered), fills freed slots from
   * the queue, and schedules the machine's next phase end.
   */
  private settle(machine: number): void {
    const running = this.running[machine]!;
    const now = this.clock.now();
    for (;;) {
      let changed = false;
      const n = running.length;
      for (let i = 0; i < running.length; i++) {
        const job = running[i]!;
        if ((job.left / rateOf(job, n)) * 1000 > DONE_MS) continue;
        if (job.state === WAKE) {
          job.state = PREFILL;
          job.left = job.inputTokens;
          if ((job.left / rateOf(job, n)) * 1000 > DONE_MS) continue;
        }
        if (job.state === PREFILL) {
          job.ttftMs = now - job.arrivalMs;
          job.state = DECODE;
          // Prefill ends with the first token; the others follow one decode step each (so TPOT is the
          // time per token after the first, as bench measures it).
          job.left = Math.max(0, job.outputTokens - 1);
          if ((job.left / rateOf(job, n)) * 1000 > DONE_MS) continue;
        }
        running.splice(i--, 1);
        job.lane.running[machine]!--;
        if (running.length === 0) this.idleSince[machine] = now;
        this.finish(job, false);
        changed = true;
      }
      // Freed slots take the longest-waiting calls of their models, oldest first.
      for (;;) {
        const next = this.oldestWaiting(machine);
        if (!next) break;
        this.begin(next, machine);
        changed = true;
      }
      if (!changed) break;
    }
    this.nextEvent[machine]?.cancel();
    this.nextEvent[machine] = undefined;
    const n = running.length;
    if (n === 0) return;
    let soonest = Infinity;
    for (const job of running) soonest = Math.min(soonest, (job.left / rateOf(job, n)) * 1000);
    this.nextEvent[machine] = this.clock.schedule(now + soonest, () => {
      this.nextEvent[machine] = undefined;
      this.advance(machine);
      this.settle(machine);
    });
  }

  /** Takes the longest-waiting call whose model has a free slot on the machine. */
  private oldestWaiting(machine: number): Job | undefined {
    if (this.waitingCount === 0) return undefined;
    let best: ModelLane | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.running[machine]! >= lane.maxConcurrency) continue;
      const head = headOf(lane);
      if (head && (!best || head.arrivalMs < headOf(best)!.arrivalMs)) best = lane;
    }
    if (!best) return undefined;
    const job = best.waiting[best.waitingHead++]!;
    if (best.waitingHead > 1024 && best.waitingHead * 2 > best.waiting.length) {
      best.waiting = best.waiting.slice(best.waitingHead);
      best.waitingHead = 0;
    }
    this.waitingCount--;
    return job;
  }

  /** The client gave up: a waiting call leaves the queue, a running one is cancelled and frees its slot. */
  private expire(job: Job): void {
    if (job.state === FINISHED) return;
    if (job.state === WAITING) {
      // It leaves its lane's queue (skipped when it comes up).
      this.waitingCount--;
      this.waits.add(this.clock.now() - job.arrivalMs);
      this.finish(job, true);
      return;
    }
    const machine = job.machine;
    this.advance(machine);
    const running = this.running[machine]!;
    running.splice(running.indexOf(job), 1);
    job.lane.running[machine]!--;
    if (running.length === 0) this.idleSince[machine] = this.clock.now();
    this.finish(job, true);
    this.settle(machine);
  }

  private finish(job: Job, timedOut: boolean): void {
    const wasWaiting = job.state === WAITING;
    job.state = FINISHED;
    job.timeout?.cancel();
    const now = this.clock.now();
    if (!(now <= this.lastEndMs)) this.lastEndMs = now;
    if (timedOut) {
      this.timedOut++;
      if (wasWaiting) this.timedOutWaiting++;
    }
    if (!wasWaiting) this.busyMs += now - job.startMs;
    job.parked.wake({
      waitMs: (wasWaiting ? now : job.startMs) - job.arrivalMs,
      ttftMs: timedOut && job.ttftMs === 0 ? 0 : job.ttftMs,
      latencyMs: now - job.arrivalMs,
      batch: job.batch,
      timedOut,
      busyMs: job.shareMs,
    });
  }

  /** Spreads a machine's busy time (a sequence or more running) over the hours it covers. */
  private recordBusy(startMs: number, busyMs: number): void {
    this.machineBusyMs += busyMs;
    this.hourly.spread(startMs, busyMs, this.originMs!);
  }

  /**
   * Utilisation: the share of time the machines had a sequence running (what draws busy power), from the
   * first arrival to the last answer and in the busiest hour (at most 100%); the demand each model offers its
   * slots (above 100% when more is asked than they can serve); queue waits; timeouts.
   */
  stats(): CapacityStats {
    let perMachine = 0;
    for (const lane of this.lanes.values()) perMachine += lane.maxConcurrency;
    perMachine ||= this.profile.maxConcurrency;
    // Averages over the time the calls spanned (a model's arrivals for its demand, first arrival to last
    // answer for busy); the peak hour is the busiest clock hour, or the whole span when shorter than an hour.
    const servedMs = Math.max(1000, (this.lastEndMs || 0) - (this.firstArrivalMs || 0));
    const [peak, peakHour] = this.hourly.busiest();
    const demand: Record<string, Demand> = {};
    for (const [model, lane] of [...this.lanes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const laneSlots = lane.maxConcurrency * this.running.length;
      const arrivedMs = Math.max(1000, lane.lastArrivalMs - lane.firstArrivalMs);
      const average = lane.demandMs / (arrivedMs * laneSlots);
      demand[model] = {
        maxConcurrency: lane.maxConcurrency,
        average,
        peakHour: arrivedMs < HOUR_MS ? average : lane.demandHourly.busiest()[0] / (HOUR_MS * laneSlots),
      };
    }
    const machines = this.running.length;
    const averageUtilisation = this.machineBusyMs / (servedMs * machines);
    return {
      servers: this.servers,
      maxConcurrency: perMachine,
      demand,
      calls: this.calls,
      timedOut: this.timedOut,
      timedOutWaiting: this.timedOutWaiting,
      maxWaiting: this.maxWaiting,
      busyMs: this.busyMs,
      machineBusyMs: this.machineBusyMs,
      averageUtilisation,
      peakHourUtilisation: servedMs < HOUR_MS ? averageUtilisation : peak / (HOUR_MS * machines),
      peakHourStartMs: (this.originMs ?? 0) + peakHour * HOUR_MS,
      waitMs: this.waits.summary(),
    };
  }
}

function headOf(lane: ModelLane): Job | undefined {
  while (lane.waitingHead < lane.waiting.length) {
    const job = lane.waiting[lane.waitingHead]!;
    if (job.state === WAITING) return job;
    lane.waitingHead++;
  }
  return undefined;
}

function rateOf(job: Job, sequences: number): number {
  // Waking counts down in milliseconds: 1,000 a second.
  if (job.state === WAKE) return 1000;
  return rateAt(job.state === PREFILL ? job.rates.prefill : job.rates.decode, sequences);
}
