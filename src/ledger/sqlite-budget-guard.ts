import type { Db } from './ledger-db.js';
import {
  createAlerter,
  createWindowing,
  type BudgetCaps,
  type BudgetGuard,
  type LocalBudgetGuard,
  type Reservation,
} from './budget-guard.js';

/**
 * Reservations older than this are from a process that died mid-call: their worst case becomes spend (the
 * call may have been billed; its settlement died with the process), and they stop being reservations.
 */
const STALE_RESERVATION_MS = 15 * 60_000;
/** Stale reservations are swept at most this often. */
const SWEEP_EVERY_MS = 1_000;
/** A settlement waits at most this long to share a transaction with the next reservation. */
const SETTLE_WITHIN_MS = 20;

/**
 * The budget guard over the ledger file: reservations and spend live in SQLite and every check-and-reserve
 * is one IMMEDIATE transaction, so concurrent requests — and several processes sharing the file — never
 * take the day past its cap, not even by one request. Settlements ride along with the next reservation.
 * With `batch`, reservations asked in the same turn of the event loop (a server's concurrent requests) share
 * one transaction, checked in the order asked; `reserve` then answers with a promise.
 */
export function createSqliteBudgetGuard(db: Db, caps: BudgetCaps, now?: () => number): LocalBudgetGuard;
export function createSqliteBudgetGuard(
  db: Db,
  caps: BudgetCaps,
  now: (() => number) | undefined,
  options: { batch: boolean },
): BudgetGuard;
export function createSqliteBudgetGuard(
  db: Db,
  caps: BudgetCaps,
  now: () => number = Date.now,
  options: { batch?: boolean } = {},
): BudgetGuard {
  const windowsAt = createWindowing(caps);
  const alert = createAlerter(caps);
  const spentOf = db.prepare<[string], { spent: number }>(
    'SELECT COALESCE((SELECT spent_usd FROM budget_spend WHERE window = ?), 0) AS spent',
  );
  const reservedOf = db.prepare<[string], { reserved: number }>(
    "SELECT COALESCE(SUM(amount_usd), 0) AS reserved FROM budget_reservations WHERE ('|' || windows || '|') LIKE '%|' || ? || '|%'",
  );
  const staleOnes = db.prepare<[number], { id: number; windows: string; amount_usd: number }>(
    'SELECT id, windows, amount_usd FROM budget_reservations WHERE created_ms < ?',
  );
  const insert = db.prepare<[string, number, number, number]>(
    'INSERT INTO budget_reservations (windows, amount_usd, created_ms, pid) VALUES (?, ?, ?, ?)',
  );
  const release = db.prepare<[number]>('DELETE FROM budget_reservations WHERE id = ?');
  const spend = db.prepare<[string, number]>(
    'INSERT INTO budget_spend (window, spent_usd) VALUES (?, ?) ON CONFLICT (window) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd',
  );
  const committedIn = (key: string): number => spentOf.get(key)!.spent + reservedOf.get(key)!.reserved;

  // Settlements are written in the next reservation's transaction (or within SETTLE_WITHIN_MS): one
  // transaction a call instead of two. Until written, the reservation's worst case still counts, so the
  // delay can only hold spend back, never let it past a cap.
  let pending: { reservation: Reservation; actualUsd: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writeSettlements = (): void => {
    const batch = pending;
    pending = [];
    for (const { reservation, actualUsd } of batch) {
      if (typeof reservation.id === 'number') release.run(reservation.id);
      if (actualUsd > 0) for (const key of reservation.windows) spend.run(key, actualUsd);
    }
  };
  const settleNow = db.transaction(writeSettlements);
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length) settleNow.immediate();
  };
  let sweptAt = -Infinity;
  const reserveIn = (worstCaseUsd: number, atMs: number): Reservation | undefined => {
    if (pending.length) writeSettlements();
    const t = now();
    if (t - sweptAt >= SWEEP_EVERY_MS) {
      // A reservation this old belongs to a process that died mid-call. The provider may well have billed
      // that call, and its settlement was lost with the process: count its worst case as spent.
      for (const stale of staleOnes.all(t - STALE_RESERVATION_MS)) {
        release.run(stale.id);
        for (const key of stale.windows.split('|')) spend.run(key, stale.amount_usd);
      }
      sweptAt = t;
    }
    const windows = windowsAt(atMs);
    const committed = windows.map((w) => committedIn(w.key));
    if (windows.some((w, i) => committed[i]! + worstCaseUsd > w.cap + 1e-12)) return undefined;
    const keys = windows.map((w) => w.key);
    const { lastInsertRowid } = insert.run(keys.join('|'), worstCaseUsd, now(), process.pid);
    windows.forEach((w, i) => alert(w.key, w.label, committed[i]! + worstCaseUsd, w.cap));
    return { windows: keys, amountUsd: worstCaseUsd, id: Number(lastInsertRowid) };
  };
  const reserve = db.transaction(reserveIn);
  const reserveAll = db.transaction((asks: readonly Ask[]) => asks.map((a) => reserveIn(a.usd, a.atMs)));
  let asked: Ask[] = [];
  const reserveAsked = (): void => {
    const asks = asked;
    asked = [];
    let granted: (Reservation | undefined)[];
    try {
      granted = reserveAll.immediate(asks);
    } catch (error) {
      for (const ask of asks) ask.reject(error);
      return;
    }
    asks.forEach((ask, i) => ask.resolve(granted[i]));
  };

  return {
    dailyBudgetUsd: caps.dailyUsd,
    reserve: options.batch
      ? (usd, atMs) =>
          new Promise<Reservation | undefined>((resolve, reject) => {
            if (asked.push({ usd, atMs, resolve, reject }) === 1) setImmediate(reserveAsked);
          })
      : (worstCaseUsd, atMs) => reserve.immediate(worstCaseUsd, atMs),
    settle: (reservation, actualUsd) => {
      pending.push({ reservation, actualUsd });
      timer ??= setTimeout(flush, SETTLE_WITHIN_MS).unref();
    },
    committed: (atMs) => {
      flush();
      return committedIn(windowsAt(atMs)[0]!.key);
    },
    flush,
  };
}

interface Ask {
  usd: number;
  atMs: number;
  resolve: (granted: Reservation | undefined) => void;
  reject: (error: unknown) => void;
}
