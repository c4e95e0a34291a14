/** A hold on part of the day's budget for one API attempt, settled with the actual cost afterwards. */
export interface Reservation {
  readonly dayKey: string;
  readonly amountUsd: number;
}

/** Keeps API spend within a daily cap: reserve the worst case before a call, settle the actual cost after. */
export interface BudgetGuard {
  /** Reserves `worstCaseUsd` on the day of `atMs`, or returns undefined when it would exceed the budget. */
  reserve(worstCaseUsd: number, atMs: number): Reservation | undefined;
  /** Replaces the reservation by the actual cost (which may be 0 when the call failed unbilled). */
  settle(reservation: Reservation, actualUsd: number): void;
  /** Spent plus reserved on the day of `atMs`. */
  committed(atMs: number): number;
  readonly dailyBudgetUsd: number;
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

/** The budget guard for one process (simulation, tests): per-day totals in memory. */
export function createMemoryBudgetGuard(dailyBudgetUsd: number, timeZone = 'UTC'): BudgetGuard {
  const dayKey = createDayKeyer(timeZone);
  let currentDay = '';
  let committed = 0;
  // Only the current day is kept: time moves forward, and older days can no longer be spent on.
  const roll = (day: string): void => {
    if (day !== currentDay) {
      currentDay = day;
      committed = 0;
    }
  };
  return {
    dailyBudgetUsd,
    reserve(worstCaseUsd, atMs) {
      const day = dayKey(atMs);
      roll(day);
      if (committed + worstCaseUsd > dailyBudgetUsd + 1e-12) return undefined;
      committed += worstCaseUsd;
      return { dayKey: day, amountUsd: worstCaseUsd };
    },
    settle(reservation, actualUsd) {
      if (reservation.dayKey === currentDay) committed += actualUsd - reservation.amountUsd;
    },
    committed(atMs) {
      return dayKey(atMs) === currentDay ? committed : 0;
    },
  };
}
