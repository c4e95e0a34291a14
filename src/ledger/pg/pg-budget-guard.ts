import { randomUUID } from 'node:crypto';
import {
  createAlerter,
  createWindowing,
  type BudgetCaps,
  type BudgetGuard,
  type Reservation,
} from '../budget-guard.js';
import { Batcher } from './batcher.js';
import { isUnreachable } from './pg-ledger-db.js';
import type { FleetLink } from './fleet-link.js';

export interface PgBudgetOptions {
  /** This instance's name: its reservations are released when it is not heard from. */
  instance: string;
  /** Share (0–1] of what remained of each cap that this instance may spend while the database is down. */
  partitionOnOutage: number;
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
 * While the database is unreachable the instance spends from a local allowance: `partitionOnOutage` of
 * what remained of each cap when it last heard from the database (1/N for N instances keeps the fleet
 * within the cap when the database is down for all of them). Its settlements are spooled and replayed.
 */
export function createPgBudgetGuard(
  link: FleetLink,
  caps: BudgetCaps,
  options: PgBudgetOptions,
): PgBudgetGuard {
  const windowsAt = createWindowing(caps);
  const alert = createAlerter(caps);
  /** Fleet-wide committed spend per window, as last read from the database. */
  const known = new Map<string, number>();
  /** Committed locally (reserved or spent) while the database was unreachable, per window. */
  const offline = new Map<string, number>();
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
  const allowance = (key: string, cap: number): number =>
    options.partitionOnOutage * Math.max(0, cap - (known.get(key) ?? 0)) - (offline.get(key) ?? 0);

  // The heartbeat (every second) keeps this instance's reservations alive (a call can outlast the timeout),
  // publishes its outage allowance, releases the reservations of instances dead for the timeout, and
  // refreshes what the fleet has committed.
  const beatEveryMs = Math.min(1_000, Math.max(100, options.reservationTimeoutMs / 4));
  // An instance silent for this long may be spending its outage allowance; one silent for the timeout is dead.
  const silentAfter = `${Math.round(beatEveryMs * 3)} milliseconds`;
  const deadAfter = `${options.reservationTimeoutMs} milliseconds`;
  const beat = async (force = false): Promise<void> => {
    if (!link.online && !force) return;
    const since = link.epoch;
    try {
      await refresh(Date.now());
      const windows = windowsAt(Date.now());
      await link.pool.query(
        `WITH seen AS (INSERT INTO budget_instances (instance, seen_at) VALUES ($1, now())
                       ON CONFLICT (instance) DO UPDATE SET seen_at = now())
         INSERT INTO budget_allowances (instance, window_key, usd) SELECT $1, * FROM unnest($2::text[], $3::float8[])
         ON CONFLICT (instance, window_key) DO UPDATE SET usd = excluded.usd`,
        [options.instance, windows.map((w) => w.key), windows.map((w) => allowance(w.key, w.cap))],
      );
      await link.pool.query('SELECT hybridllm_expire($1::interval)', [deadAfter]);
    } catch (error) {
      if (isUnreachable(error)) link.lost(error, since);
    }
  };
  const refresh = async (atMs: number): Promise<void> => {
    const keys = windowsAt(atMs).map((w) => w.key);
    const { rows } = await link.pool.query<{ window_key: string; committed: number }>(
      `SELECT window_key, spent_usd + reserved_usd + hybridllm_silent_allowance(window_key, $2, $3::interval, $4::interval) AS committed
       FROM budget_windows WHERE window_key = ANY($1)`,
      [keys, options.instance, silentAfter, deadAfter],
    );
    for (const key of keys) known.set(key, rows.find((r) => r.window_key === key)?.committed ?? 0);
  };
  const timer = setInterval(() => void beat(), beatEveryMs);
  timer.unref();
  void beat();

  const reserveLocally = (worstCaseUsd: number, atMs: number): Reservation | undefined => {
    const windows = windowsAt(atMs);
    if (windows.some((w) => worstCaseUsd > allowance(w.key, w.cap) + 1e-12)) return undefined;
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
      const { rows } = await link.pool.query<{ granted: boolean[]; committed: number[] }>(
        'SELECT granted, committed FROM hybridllm_reserve($1, $2, $3, $4, $5, $6::interval, $7::interval)',
        [
          group.map(({ ask }) => ask.id),
          options.instance,
          first.keys,
          first.caps,
          group.map(({ ask }) => ask.amount),
          silentAfter,
          deadAfter,
        ],
      );
      const { granted, committed } = rows[0]!;
      group.forEach(({ index }, i) => (answers[index] = { ok: granted[i]!, committed }));
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
      return windowsAt(atMs).map((w) => ({ key: w.key, usd: allowance(w.key, w.cap) }));
    },
    async reconnected() {
      // Calls still running on the local allowance, and calls whose settlement waits in the spool, become
      // reservations in the database before this instance is heard from again (and the others stop
      // counting its allowance); the spool's settlements then release them. One already settled there
      // is left out. Adopted in rounds: a call settled while one round is on its way is adopted in the next,
      // so none is left counted nowhere (not in the local tally and not yet in the database). No call
      // starts on the local allowance meanwhile: reserve() waits for the reconnection.
      for (;;) {
        const open = [
          ...[...localOpen].filter(([, r]) => !r.adopted),
          ...[...spooledLocal].filter(([id]) => !localOpen.has(id)),
        ];
        if (open.length === 0) break;
        await link.pool.query(
          `WITH adopted AS (INSERT INTO budget_reservations (id, instance, windows, amount_usd)
                            SELECT id, $2, string_to_array(w, '|'), a FROM unnest($1::uuid[], $3::text[], $4::float8[]) AS t(id, w, a)
                            WHERE NOT EXISTS (SELECT 1 FROM budget_settlements s WHERE s.id = t.id)
                            ON CONFLICT (id) DO NOTHING RETURNING windows, amount_usd),
                sums AS (SELECT unnest(windows) AS key, SUM(amount_usd) AS usd FROM adopted GROUP BY key)
           UPDATE budget_windows w SET reserved_usd = reserved_usd + sums.usd FROM sums WHERE w.window_key = sums.key`,
          [
            open.map(([id]) => id),
            options.instance,
            open.map(([, r]) => r.keys.join('|')),
            open.map(([, r]) => r.amount),
          ],
        );
        for (const [id, r] of open) {
          if ('adopted' in r) r.adopted = true;
          spooledLocal.delete(id);
        }
      }
      outage++;
      offline.clear();
      await beat(true);
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
    async close() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}
