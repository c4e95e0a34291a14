import { randomUUID } from 'node:crypto';
import {
  createAlerter,
  createWindowing,
  type BudgetCaps,
  type BudgetGuard,
  type Reservation,
} from '../budget-guard.js';
import { Batcher } from './batcher.js';
import { LeaseBelief } from './lease-belief.js';
import { isUnreachable } from './pg-ledger-db.js';
import type { FleetLink } from './fleet-link.js';

export interface PgBudgetOptions {
  /** This instance's name: its reservations are released when it is not heard from. */
  instance: string;
  /**
   * Share (0–1] of what remains of each cap that this instance holds as its outage lease, or 'auto': one
   * share per live instance.
   */
  partitionOnOutage: number | 'auto';
  /** An instance not heard from for this long has its reservations counted as spent and released, ms. */
  reservationTimeoutMs: number;
  onWarning: (message: string) => void;
}

export interface PgBudgetGuard extends BudgetGuard {
  reserve(worstCaseUsd: number, atMs: number): Promise<Reservation | undefined>;
  /** Settlements still on their way to the database. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** What this instance may still spend of each window while the database is unreachable. */
  outageAllowance(atMs: number): { key: string; usd: number }[];
  /** The database is back and the spool replayed: read the fleet's figures again, drop the local tally. */
  reconnected(): Promise<void>;
}

/**
 * The fleet's budget in PostgreSQL. Each reservation is one call to `hybridllm_reserve`, which locks the
 * budget windows' rows (`SELECT … FOR UPDATE`), checks every cap and charges the worst case, atomically:
 * instances sharing the database never overspend together. Each settlement is one call to
 * `hybridllm_settle`, keyed by the reservation's UUID, so it counts once however often it arrives.
 *
 * Each instance holds an outage lease in the database (its share of what remains, set aside from the
 * others' reservations; see pg-budget-schema.ts). While the database is unreachable it spends from that
 * lease alone, so the fleet stays within the cap whichever instances lose the database and for how long,
 * until the reservation timeout, after which the lease may go back to the others and it stops. Its usage
 * and settlements are spooled and replayed.
 */
export function createPgBudgetGuard(
  link: FleetLink,
  caps: BudgetCaps,
  options: PgBudgetOptions,
): PgBudgetGuard {
  const windowsAt = createWindowing(caps);
  const alert = createAlerter(caps);
  /** Fleet-wide spent plus reserved per window, as last read from the database. */
  const known = new Map<string, number>();
  /** Committed locally (reserved or spent) while the database was unreachable, per window. */
  const offline = new Map<string, number>();
  const lease = new LeaseBelief(Date.now());
  /** Instances live at the last answer: the 'auto' share is one of them. */
  let live = 1;
  /** When the last call that the database answered (and so saw this instance alive) was sent. */
  let heardAt = -Infinity;
  let warnedLate = false;
  let warnedShare = false;
  /** Outages so far: a local reservation settled after its outage ended only goes to the spool. */
  let outage = 0;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => {});
    return promise;
  };
  const remember = (keys: readonly string[], committed: readonly number[]): void => {
    keys.forEach((key, i) => known.set(key, committed[i]!));
  };

  // The heartbeat (every second) keeps this instance's reservations alive (a call can outlast the timeout),
  // moves its lease toward its share, releases what instances dead for the timeout held, and refreshes
  // what the fleet has committed. The first beat only says the instance is here: leases are taken from
  // the second, once the instances starting together have all been counted.
  const beatEveryMs = Math.min(1_000, Math.max(100, options.reservationTimeoutMs / 4));
  const deadAfter = `${options.reservationTimeoutMs} milliseconds`;
  let leasingFrom = Infinity;
  /** The share asked for now: 0 before leasing starts, null for 'auto' (the database counts the live). */
  const askedShare = (): number | null =>
    performance.now() < leasingFrom
      ? 0
      : options.partitionOnOutage === 'auto'
        ? null
        : options.partitionOnOutage;
  /** Lowest each call may take the lease: this instance's share of what remains, from what it last read. */
  const floorsOf = (windows: readonly { key: string; cap: number }[]): Map<string, number> => {
    const share = askedShare() ?? 1 / Math.max(1, live);
    return new Map(windows.map((w) => [w.key, share * Math.max(0, w.cap - (known.get(w.key) ?? 0))]));
  };
  const heard = (sentAt: number, answer: { live: number }): void => {
    heardAt = Math.max(heardAt, sentAt);
    live = answer.live;
    const share = options.partitionOnOutage;
    if (share !== 'auto' && share * live > 1 + 1e-9 && !warnedShare) {
      warnedShare = true;
      options.onWarning(
        `budget.partition_on_outage is ${+share.toFixed(4)} with ${live} live instances: their leases cannot all be that large, so the later ones hold less (set it to 1/${live} or 'auto')`,
      );
    }
  };
  const beat = async (force = false): Promise<void> => {
    if (!link.online && !force) return;
    const since = link.epoch;
    const windows = windowsAt(Date.now());
    const call = lease.begin(floorsOf(windows));
    const sentAt = performance.now();
    let answered = false;
    try {
      const { rows } = await link.pool.query<{
        committed: number[] | null;
        lease: number[];
        seq: string;
        live: number;
      }>('SELECT committed, lease, seq, live FROM hybridllm_beat($1, $2, $3, $4, $5, $6::interval, $7)', [
        options.instance,
        windows.map((w) => w.key),
        windows.map((w) => w.cap),
        windows.map((w) => call.floors.get(w.key)!),
        askedShare(),
        deadAfter,
        call.generation,
      ]);
      const row = rows[0]!;
      answered = true;
      if (row.committed) {
        lease.end(call, {
          seq: Number(row.seq),
          lease: new Map(windows.map((w, i) => [w.key, row.lease[i]!])),
        });
        remember(
          windows.map((w) => w.key),
          row.committed,
        );
        heard(sentAt, row);
        if (leasingFrom === Infinity) leasingFrom = performance.now() + beatEveryMs;
      } else lease.end(call);
      await link.pool.query('SELECT hybridllm_expire($1::interval)', [deadAfter]);
    } catch (error) {
      // Only a beat left unanswered keeps its floor (one answered, then the expiry failing, does not).
      if (!answered) lease.end(call);
      if (isUnreachable(error)) link.lost(error, since);
    }
  };
  const timer = setInterval(() => void beat(), beatEveryMs);
  timer.unref();
  void beat();

  /** What this instance may still spend of a window on its own. */
  const allowance = (key: string): number => {
    // Cut off for the timeout, the others may take its lease back: it stops spending.
    if (performance.now() - heardAt > options.reservationTimeoutMs - beatEveryMs) return 0;
    return lease.holds(key) - (offline.get(key) ?? 0);
  };
  const reserveLocally = (worstCaseUsd: number, atMs: number): Reservation | undefined => {
    const windows = windowsAt(atMs);
    if (windows.some((w) => worstCaseUsd > allowance(w.key) + 1e-12)) {
      if (!warnedLate && performance.now() - heardAt > options.reservationTimeoutMs - beatEveryMs) {
        warnedLate = true;
        options.onWarning(
          `the PostgreSQL ledger has been unreachable for budget.reservation_timeout_s (${options.reservationTimeoutMs / 1000} s): this instance's lease may go back to the others, so it spends no more until the database is back`,
        );
      }
      return undefined;
    }
    for (const w of windows) offline.set(w.key, (offline.get(w.key) ?? 0) + worstCaseUsd);
    const id = randomUUID();
    const keys = windows.map((w) => w.key);
    localOpen.set(id, { epoch: outage, keys, amount: worstCaseUsd, adopted: false });
    return { windows: keys, amountUsd: worstCaseUsd, id, shared: false };
  };
  /** Local reservations not settled yet; when the database is back they are adopted by it as reservations. */
  const localOpen = new Map<string, { epoch: number; keys: string[]; amount: number; adopted: boolean }>();
  /** Local reservations settled into the spool during this outage: until replayed, adopted at their cost. */
  const spooledLocal = new Map<string, { keys: string[]; amount: number }>();

  type Ask = { id: string; keys: string[]; caps: number[]; amount: number };
  type Answer = { ok: boolean; committed: number[] };
  // Reservations made while one batch is on its way go together in the next: one locked round trip each.
  const reserveBatch = async (asks: Ask[]): Promise<Answer[]> => {
    const answers = new Array<Answer>(asks.length);
    // A batch shares its windows; asks across a day's boundary (rare) go in a call of their own.
    const groups = new Map<string, { ask: Ask; index: number }[]>();
    asks.forEach((ask, index) => {
      const key = ask.keys.join('|');
      groups.set(key, [...(groups.get(key) ?? []), { ask, index }]);
    });
    for (const group of groups.values()) {
      const first = group[0]!.ask;
      const windows = first.keys.map((key, i) => ({ key, cap: first.caps[i]! }));
      const call = lease.begin(floorsOf(windows));
      const sentAt = performance.now();
      type Row = {
        granted: boolean[];
        committed: number[] | null;
        lease: number[];
        seq: string;
        live: number;
      };
      let row: Row;
      try {
        const { rows } = await link.pool.query<Row>(
          'SELECT granted, committed, lease, seq, live FROM hybridllm_reserve($1, $2, $3, $4, $5, $6, $7, $8::interval, $9)',
          [
            group.map(({ ask }) => ask.id),
            options.instance,
            first.keys,
            first.caps,
            group.map(({ ask }) => ask.amount),
            first.keys.map((key) => call.floors.get(key)!),
            askedShare(),
            deadAfter,
            call.generation,
          ],
        );
        row = rows[0]!;
      } catch (error) {
        lease.end(call);
        throw error;
      }
      const committed = row.committed ?? first.keys.map((key) => known.get(key) ?? 0);
      if (row.committed) {
        lease.end(call, {
          seq: Number(row.seq),
          lease: new Map(first.keys.map((key, i) => [key, row.lease[i]!])),
        });
        heard(sentAt, row);
      } else lease.end(call); // from before the lease was last given up: refused whole
      group.forEach(({ index }, i) => (answers[index] = { ok: row.granted[i]!, committed }));
    }
    return answers;
  };
  const reservations = new Batcher<Ask, Answer>(reserveBatch);
  type Settlement = { id: string; windows: string[]; usd: number };
  const settlements = new Batcher<Settlement, void>(async (lines) => {
    await link.pool.query('SELECT hybridllm_settle($1, $2, $3)', [
      lines.map((l) => l.id),
      lines.map((l) => l.windows.join('|')),
      lines.map((l) => l.usd),
    ]);
    return lines.map(() => undefined);
  });

  const settleShared = async (reservation: Reservation, actualUsd: number): Promise<void> => {
    const line = { id: String(reservation.id), windows: [...reservation.windows], usd: actualUsd };
    if (!link.online) return link.spool({ settle: line });
    const since = link.epoch;
    try {
      await settlements.submit(line);
    } catch (error) {
      if (isUnreachable(error)) link.lost(error, since);
      else options.onWarning(`budget settlement failed: ${(error as Error).message}; spooled for a retry`);
      link.spool({ settle: line });
    }
  };

  return {
    dailyBudgetUsd: caps.dailyUsd,
    async reserve(worstCaseUsd, atMs) {
      const windows = windowsAt(atMs);
      // The database is back and the spool on its way in: ask it, rather than spend locally unseen.
      if (link.reconnecting) await link.reconnecting;
      if (link.online) {
        const id = randomUUID();
        const since = link.epoch;
        try {
          const { ok, committed } = await track(
            reservations.submit({
              id,
              keys: windows.map((w) => w.key),
              caps: windows.map((w) => w.cap),
              amount: worstCaseUsd,
            }),
          );
          remember(
            windows.map((w) => w.key),
            committed,
          );
          if (!ok) return undefined;
          windows.forEach((w, i) => alert(w.key, w.label, committed[i]!, w.cap));
          return { windows: windows.map((w) => w.key), amountUsd: worstCaseUsd, id, shared: true };
        } catch (error) {
          if (!isUnreachable(error)) throw error;
          link.lost(error, since);
          // Whether that reservation reached the database is unknown. A settlement of nothing is spooled
          // for it: if it did, the replay releases it; if not, the replay records a settlement of $0.
          link.spool({ settle: { id, windows: windows.map((w) => w.key), usd: 0 } });
        }
      }
      return reserveLocally(worstCaseUsd, atMs);
    },
    settle(reservation, actualUsd) {
      if (reservation.shared === false) {
        // Spent from the local allowance: the worst case is replaced by the actual cost here, and the
        // settlement is spooled for the database (it was never reserved there).
        const open = localOpen.get(String(reservation.id));
        localOpen.delete(String(reservation.id));
        if (open?.adopted) return void track(settleShared(reservation, actualUsd));
        if (open?.epoch === outage) {
          for (const key of reservation.windows)
            offline.set(key, (offline.get(key) ?? 0) - reservation.amountUsd + actualUsd);
          spooledLocal.set(String(reservation.id), { keys: [...reservation.windows], amount: actualUsd });
        }
        link.spool({
          settle: { id: String(reservation.id), windows: [...reservation.windows], usd: actualUsd },
        });
        return;
      }
      void track(settleShared(reservation, actualUsd));
    },
    committed(atMs) {
      const key = windowsAt(atMs)[0]!.key;
      return (known.get(key) ?? 0) + (link.online ? 0 : (offline.get(key) ?? 0));
    },
    outageAllowance(atMs) {
      return windowsAt(atMs).map((w) => ({ key: w.key, usd: Math.max(0, allowance(w.key)) }));
    },
    async reconnected() {
      // Calls still running on the lease, and calls whose settlement waits in the spool, become reservations
      // in the database, and the lease they were spent from is given up (the spool's settlements then
      // release them; one already settled there is left out). Adopted in rounds: a call settled while one
      // round is on its way is adopted in the next, so none is left counted nowhere (not in the local tally
      // and not yet in the database). No call starts on the lease meanwhile: reserve() waits for the
      // reconnection. The next beat takes a lease again.
      const generation = lease.clear();
      for (let round = 0; ; round++) {
        const open = [
          ...[...localOpen].filter(([, r]) => !r.adopted),
          ...[...spooledLocal].filter(([id]) => !localOpen.has(id)),
        ];
        if (open.length === 0 && round > 0) break;
        await link.pool.query('SELECT hybridllm_adopt($1, $2, $3, $4, $5)', [
          options.instance,
          open.map(([id]) => id),
          open.map(([, r]) => r.keys.join('|')),
          open.map(([, r]) => r.amount),
          generation,
        ]);
        for (const [id, r] of open) {
          if ('adopted' in r) r.adopted = true;
          spooledLocal.delete(id);
        }
      }
      outage++;
      offline.clear();
      warnedLate = false;
      await beat(true);
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
    async close() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      // A clean stop gives the lease back at once (a dead instance's goes back after the timeout).
      if (link.online)
        await link.pool.query('SELECT hybridllm_leave($1)', [options.instance]).catch(() => {});
    },
  };
}
