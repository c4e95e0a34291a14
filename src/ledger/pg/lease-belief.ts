/** What one instance may believe it holds of its outage lease, per budget window. */
export interface LeaseAnswer {
  /** The database's order of lease changes: the newest answer is the lease held. */
  seq: number;
  lease: ReadonlyMap<string, number>;
}

/** One call on its way to the database, which may lower the lease down to its floors. */
export interface LeaseCall {
  readonly floors: ReadonlyMap<string, number>;
  readonly generation: number;
}

/**
 * The instance's side of the outage lease. The database lowers a lease no further than the floor each call
 * carries, so while calls are on their way the instance believes at most their floors. A call that gets no
 * answer may still be applied, even after later ones, so its floor caps the belief until the lease is given
 * up at the next reconnection. The belief is therefore never above what the database holds for this
 * instance, whatever answers are lost, which is what makes spending it during an outage safe.
 */
export class LeaseBelief {
  private readonly lease = new Map<string, number>();
  /** Floors of calls that got no answer. */
  private readonly caps = new Map<string, number>();
  private readonly inFlight = new Set<LeaseCall>();
  private seq = -1;

  /**
   * @param generation where this process starts counting; the database refuses calls from a generation
   *   older than the newest it has seen, so each process starts from the clock (above any before it).
   */
  constructor(private generation: number) {}

  /** Notes a call on its way; from now on the belief is at most its floors. */
  begin(floors: ReadonlyMap<string, number>): LeaseCall {
    const call = { floors, generation: this.generation };
    this.inFlight.add(call);
    return call;
  }

  /** The call is over: with the database's answer, or without one (its floors stay). */
  end(call: LeaseCall, answer?: LeaseAnswer): void {
    this.inFlight.delete(call);
    if (call.generation !== this.generation) return; // begun before the lease was given up
    if (answer) {
      // An older answer than one already had describes a state since changed: the newer one stands.
      if (answer.seq > this.seq) {
        this.seq = answer.seq;
        for (const [key, usd] of answer.lease) this.lease.set(key, usd);
      }
      return;
    }
    for (const [key, floor] of call.floors) this.caps.set(key, Math.min(this.caps.get(key) ?? floor, floor));
  }

  /** What the instance may spend of `key` on its own: the lease, capped by the floors on their way. */
  holds(key: string): number {
    let usd = Math.min(this.lease.get(key) ?? 0, this.caps.get(key) ?? Infinity);
    for (const call of this.inFlight) {
      const floor = call.floors.get(key);
      if (floor !== undefined && call.generation === this.generation) usd = Math.min(usd, floor);
    }
    return Math.max(0, usd);
  }

  /**
   * The lease is given up: the database is told so with the new generation, and refuses calls from before
   * (whose answers are ignored here too).
   */
  clear(): number {
    this.generation = Math.max(this.generation + 1, Date.now());
    this.lease.clear();
    this.caps.clear();
    return this.generation;
  }
}
