import type { Db } from './ledger-db.js';
import {
  createAlerter,
  createWindowing,
  type BudgetCaps,
  type BudgetGuard,
  type Reservation,
} from './budget-guard.js';

/** Reservations older than this are from a process that died mid-call; they stop counting. */
const STALE_RESERVATION_MS = 15 * 60_000;

/**
 * The budget guard over the ledger file: reservations and spend live in SQLite and every check-and-reserve
 * is one IMMEDIATE transaction, so concurrent requests — and several processes sharing the file — never
 * take the day past its cap, not even by one request.
 */
export function createSqliteBudgetGuard(db: Db, caps: BudgetCaps, now: () => number = Date.now): BudgetGuard {
  const windowsAt = createWindowing(caps);
  const alert = createAlerter(caps);
  const spentOf = db.prepare<[string], { spent: number }>(
    'SELECT COALESCE((SELECT spent_usd FROM budget_spend WHERE window = ?), 0) AS spent',
  );
  const reservedOf = db.prepare<[string], { reserved: number }>(
    "SELECT COALESCE(SUM(amount_usd), 0) AS reserved FROM budget_reservations WHERE ('|' || windows || '|') LIKE '%|' || ? || '|%'",
  );
  const expire = db.prepare<[number]>('DELETE FROM budget_reservations WHERE created_ms < ?');
  const insert = db.prepare<[string, number, number, number]>(
    'INSERT INTO budget_reservations (windows, amount_usd, created_ms, pid) VALUES (?, ?, ?, ?)',
  );
  const release = db.prepare<[number]>('DELETE FROM budget_reservations WHERE id = ?');
  const spend = db.prepare<[string, number]>(
    'INSERT INTO budget_spend (window, spent_usd) VALUES (?, ?) ON CONFLICT (window) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd',
  );
  const committedIn = (key: string): number => spentOf.get(key)!.spent + reservedOf.get(key)!.reserved;

  const reserve = db.transaction((worstCaseUsd: number, atMs: number): Reservation | undefined => {
    expire.run(now() - STALE_RESERVATION_MS);
    const windows = windowsAt(atMs);
    const committed = windows.map((w) => committedIn(w.key));
    if (windows.some((w, i) => committed[i]! + worstCaseUsd > w.cap + 1e-12)) return undefined;
    const keys = windows.map((w) => w.key);
    const { lastInsertRowid } = insert.run(keys.join('|'), worstCaseUsd, now(), process.pid);
    windows.forEach((w, i) => alert(w.key, w.label, committed[i]! + worstCaseUsd, w.cap));
    return { windows: keys, amountUsd: worstCaseUsd, id: Number(lastInsertRowid) };
  });
  const settle = db.transaction((reservation: Reservation, actualUsd: number): void => {
    if (reservation.id !== undefined) release.run(reservation.id);
    if (actualUsd > 0) for (const key of reservation.windows) spend.run(key, actualUsd);
  });

  return {
    dailyBudgetUsd: caps.dailyUsd,
    reserve: (worstCaseUsd, atMs) => reserve.immediate(worstCaseUsd, atMs),
    settle: (reservation, actualUsd) => settle.immediate(reservation, actualUsd),
    committed: (atMs) => committedIn(windowsAt(atMs)[0]!.key),
  };
}
