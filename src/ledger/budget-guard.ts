import type { RouterConfig } from '../config/router-config.js';

/** A hold on part of the budget for one API attempt, settled with the actual cost afterwards. */
export interface Reservation {
  /** The budget windows it counts against, e.g. `d:2026-01-01`, `w:2026-W01`, `m:2026-01`. */
  readonly windows: readonly string[];
  readonly amountUsd: number;
  /** Row id when the reservation is stored (SQLite guard: a number; PostgreSQL guard: a UUID). */
  readonly id?: number | string;
  /** Held in the shared database (true) or locally while it was unreachable (false). PostgreSQL guard. */
  readonly shared?: boolean;
}

/** Keeps API spend within its caps: reserve the worst case before a call, settle the actual cost after. */
export interface BudgetGuard {
  /**
   * Reserves `worstCaseUsd` at `atMs`, or returns undefined when any cap would be exceeded. A guard over a
   * network database answers with a promise; the others answer at once.
   */
  reserve(worstCaseUsd: number, atMs: number): Reservation | undefined | Promise<Reservation | undefined>;
  /** Replaces the reservation by the actual cost (0 when the call failed unbilled). */
  settle(reservation: Reservation, actualUsd: number): void;
  /** Spent plus reserved on the day of `atMs`. */
  committed(atMs: number): number;
  readonly dailyBudgetUsd: number;
  /** Writes settlements still held back (a guard that batches them); call before closing its store. */
  flush?(): void | Promise<void>;
}

/** A guard that answers at once: memory, or SQLite in this process. */
export interface LocalBudgetGuard extends BudgetGuard {
  reserve(worstCaseUsd: number, atMs: number): Reservation | undefined;
}

export interface BudgetCaps {
  dailyUsd: number;
  weeklyUsd?: number;
  monthlyUsd?: number;
  /** Warn once per window when spend reaches this share of a cap (0–1). */
  alertThreshold?: number;
  /** IANA zone whose calendar the windows follow. @default 'UTC' */
  timeZone?: string;
  /** Receives the one-time alert per window. @default a warning on stderr */
  onAlert?: (message: string) => void;
}

/**
 * Maps an instant to its calendar day in a time zone. UTC is plain arithmetic; other zones ask Intl once
 * per hour of time and cache it (time-zone offsets change on hour boundaries in every real zone).
 */
export function createDayKeyer(timeZone: string): (ms: number) => string {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    let lastDay = NaN;
    let lastKey = '';
    return (ms) => {
      const day = Math.floor(ms / 86_400_000);
      if (day !== lastDay) {
        lastDay = day;
        lastKey = new Date(day * 86_400_000).toISOString().slice(0, 10);
      }
      return lastKey;
    };
  }
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const cache = new Map<number, string>();
  return (ms) => {
    const hour = Math.floor(ms / 3_600_000);
    let key = cache.get(hour);
    if (key === undefined) {
      key = format.format(new Date(ms));
      if (cache.size > 10_000) cache.clear();
      cache.set(hour, key);
    }
    return key;
  };
}

/** ISO week of a calendar day (YYYY-MM-DD): `2026-W01` (weeks start on Monday; week 1 holds a Thursday). */
export function isoWeek(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The windows and caps a reservation at `ms` counts against. */
export function createWindowing(
  caps: BudgetCaps,
): (ms: number) => { key: string; cap: number; label: string }[] {
  const dayOf = createDayKeyer(caps.timeZone ?? 'UTC');
  let lastDay = '';
  let last: { key: string; cap: number; label: string }[] = [];
  return (ms) => {
    const day = dayOf(ms);
    if (day !== lastDay) {
      lastDay = day;
      last = [{ key: `d:${day}`, cap: caps.dailyUsd, label: `daily budget (${day})` }];
      if (caps.weeklyUsd !== undefined)
        last.push({
          key: `w:${isoWeek(day)}`,
          cap: caps.weeklyUsd,
          label: `weekly budget (${isoWeek(day)})`,
        });
      if (caps.monthlyUsd !== undefined)
        last.push({
          key: `m:${day.slice(0, 7)}`,
          cap: caps.monthlyUsd,
          label: `monthly budget (${day.slice(0, 7)})`,
        });
    }
    return last;
  };
}

/** Warns once per window when committed spend crosses the alert threshold. */
export function createAlerter(
  caps: BudgetCaps,
): (key: string, label: string, committed: number, cap: number) => void {
  const alerted = new Set<string>();
  const threshold = caps.alertThreshold;
  const onAlert = caps.onAlert ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  return (key, label, committed, cap) => {
    if (threshold === undefined || cap <= 0 || alerted.has(key) || committed < threshold * cap) return;
    alerted.add(key);
    onAlert(
      `${label}: $${committed.toFixed(2)} of $${cap.toFixed(2)} committed (${Math.round((committed / cap) * 100)}%, alert at ${Math.round(threshold * 100)}%)`,
    );
  };
}

/** The budget caps a config sets. */
export function budgetCaps(config: RouterConfig): BudgetCaps {
  return {
    dailyUsd: config.dailyBudgetUsd,
    ...(config.weeklyBudgetUsd === undefined ? {} : { weeklyUsd: config.weeklyBudgetUsd }),
    ...(config.monthlyBudgetUsd === undefined ? {} : { monthlyUsd: config.monthlyBudgetUsd }),
    alertThreshold: config.budgetAlertThreshold,
    timeZone: config.budgetTimezone,
  };
}

/** The budget guard for one process (simulation, tests, library use without a ledger): totals in memory. */
export function createMemoryBudgetGuard(caps: BudgetCaps | number, timeZone = 'UTC'): LocalBudgetGuard {
  const settings: BudgetCaps = typeof caps === 'number' ? { dailyUsd: caps, timeZone } : caps;
  const windowsAt = createWindowing(settings);
  const alert = createAlerter(settings);
  // Only windows still current are kept: time moves forward, and older windows can no longer be spent on.
  let committed = new Map<string, number>();
  const current = (ms: number): { key: string; cap: number; label: string }[] => {
    const windows = windowsAt(ms);
    if (windows.some((w) => !committed.has(w.key))) {
      const next = new Map<string, number>();
      for (const w of windows) next.set(w.key, committed.get(w.key) ?? 0);
      committed = next;
    }
    return windows;
  };
  return {
    dailyBudgetUsd: settings.dailyUsd,
    reserve(worstCaseUsd, atMs) {
      const windows = current(atMs);
      for (const w of windows) if (committed.get(w.key)! + worstCaseUsd > w.cap + 1e-12) return undefined;
      for (const w of windows) {
        committed.set(w.key, committed.get(w.key)! + worstCaseUsd);
        alert(w.key, w.label, committed.get(w.key)!, w.cap);
      }
      return { windows: windows.map((w) => w.key), amountUsd: worstCaseUsd };
    },
    settle(reservation, actualUsd) {
      for (const key of reservation.windows) {
        const value = committed.get(key);
        if (value !== undefined) committed.set(key, value + actualUsd - reservation.amountUsd);
      }
    },
    committed(atMs) {
      const [day] = current(atMs);
      return committed.get(day!.key) ?? 0;
    },
  };
}
