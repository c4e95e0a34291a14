import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { ConfigError } from '../config/config-error.js';
import { createDayKeyer } from './budget-guard.js';
import type { Db } from './ledger-db.js';
import { ATTEMPT_COLUMNS, batchWriter, type AttemptRow, type LedgerItem } from './ledger-sink.js';

export type UsageGrouping = 'day' | 'model' | 'tier' | 'action' | 'instance';

export interface UsageWindow {
  sinceMs: number;
  untilMs: number;
}

export interface UsageReport {
  window: { since: string; until: string };
  requests: number;
  attempts: number;
  costUsd: number;
  localSharePct: number;
  fallbackRatePct: number;
  passRatePct: number;
  averageConfidence: number;
  latencyMs: { p50: number; p95: number };
  dailyBudgetUsd: number;
  perDay: { day: string; requests: number; costUsd: number; budgetUsd: number; overBudget: boolean }[];
  groups: {
    by: UsageGrouping;
    rows: { key: string; calls: number; requests: number; costUsd: number; passRatePct: number }[];
  };
}

/** Parses `7d`, `12h`, an ISO date or date-time into epoch ms. */
export function parseWhen(value: string, now = Date.now(), flag = '--since'): number {
  const relative = /^(\d+)([dhm])$/.exec(value.trim());
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return now - Number(relative[1]) * unit;
  }
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms))
    throw new ConfigError(
      `${flag} ${value}: expected a duration like 7d, 24h, 30m, or a date (YYYY-MM-DD) or ISO date-time.`,
    );
  return ms;
}

/** Percentile of a column by SQL (no full load into memory). */
function percentile(db: Db, window: UsageWindow, q: number, count: number): number {
  if (count === 0) return 0;
  const offset = Math.min(count - 1, Math.floor(q * (count - 1)));
  const row = db
    .prepare(
      'SELECT latency_ms AS v FROM requests WHERE ts_ms >= ? AND ts_ms < ? ORDER BY latency_ms LIMIT 1 OFFSET ?',
    )
    .get(window.sinceMs, window.untilMs, offset) as { v: number } | undefined;
  return row?.v ?? 0;
}

/**
 * The document's weekly review, from the ledger: spend per day against budget, tiers, models, quality. Days are
 * calendar days in the budget's time zone, as the budget counts them.
 */
export function usageReport(
  db: Db,
  window: UsageWindow,
  by: UsageGrouping,
  dailyBudgetUsd: number,
  timeZone = 'UTC',
): UsageReport {
  const dayOf = createDayKeyer(timeZone);
  db.function('budget_day', { deterministic: true }, (ms: unknown) => dayOf(Number(ms)));
  const args = [window.sinceMs, window.untilMs];
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS requests, COALESCE(SUM(attempts), 0) AS attempts, COALESCE(SUM(cost_usd), 0) AS cost,
              COALESCE(SUM(final_tier IN ('LOCAL_FAST', 'LOCAL_QUALITY')), 0) AS local, COALESCE(SUM(attempts > 1), 0) AS fallbacks,
              COALESCE(SUM(passed), 0) AS passed, COALESCE(AVG(confidence), 0) AS confidence
       FROM requests WHERE ts_ms >= ? AND ts_ms < ?`,
    )
    .get(...args) as UsageTotals;
  const days = db
    .prepare(
      `SELECT budget_day(ts_ms) AS day, COUNT(*) AS requests, SUM(cost_usd) AS cost
       FROM requests WHERE ts_ms >= ? AND ts_ms < ? GROUP BY day ORDER BY day`,
    )
    .all(...args) as DayRow[];
  const groupSql: Record<UsageGrouping, string> = {
    day: `SELECT budget_day(ts_ms) AS key, COUNT(*) AS calls, COUNT(DISTINCT request_id) AS requests, SUM(cost_usd) AS cost, AVG(outcome = 'pass') AS pass FROM attempts WHERE ts_ms >= ? AND ts_ms < ? GROUP BY key ORDER BY key`,
    model: `SELECT model AS key, COUNT(*) AS calls, COUNT(DISTINCT request_id) AS requests, SUM(cost_usd) AS cost, AVG(outcome = 'pass') AS pass FROM attempts WHERE ts_ms >= ? AND ts_ms < ? GROUP BY key ORDER BY cost DESC, key`,
    tier: `SELECT tier AS key, COUNT(*) AS calls, COUNT(DISTINCT request_id) AS requests, SUM(cost_usd) AS cost, AVG(outcome = 'pass') AS pass FROM attempts WHERE ts_ms >= ? AND ts_ms < ? GROUP BY key ORDER BY key`,
    instance: `SELECT COALESCE(instance, '(none)') AS key, COUNT(*) AS calls, COUNT(DISTINCT request_id) AS requests, SUM(cost_usd) AS cost, AVG(outcome = 'pass') AS pass FROM attempts WHERE ts_ms >= ? AND ts_ms < ? GROUP BY key ORDER BY key`,
    action: `SELECT COALESCE(action, '(none)') AS key, COUNT(*) AS calls, COUNT(DISTINCT request_id) AS requests, SUM(cost_usd) AS cost, AVG(outcome = 'pass') AS pass FROM attempts WHERE ts_ms >= ? AND ts_ms < ? GROUP BY key ORDER BY calls DESC, key`,
  };
  const groups = db.prepare(groupSql[by]).all(...args) as GroupRow[];
  const latency = {
    p50: percentile(db, window, 0.5, totals.requests),
    p95: percentile(db, window, 0.95, totals.requests),
  };
  return assembleUsageReport(window, by, dailyBudgetUsd, totals, latency, days, groups);
}

/** A window's totals over its requests, as either ledger's query returns them. */
export interface UsageTotals {
  requests: number;
  attempts: number;
  cost: number;
  local: number;
  fallbacks: number;
  passed: number;
  confidence: number;
}
export type DayRow = { day: string; requests: number; cost: number };
export type GroupRow = { key: string; calls: number; requests: number; cost: number; pass: number };

/** The usage report from the figures a ledger's queries return (days and groups in report order). */
export function assembleUsageReport(
  window: UsageWindow,
  by: UsageGrouping,
  dailyBudgetUsd: number,
  totals: UsageTotals,
  latencyMs: { p50: number; p95: number },
  days: readonly DayRow[],
  groups: readonly GroupRow[],
): UsageReport {
  const pct = (x: number): number => (totals.requests ? (x / totals.requests) * 100 : 0);
  return {
    window: { since: new Date(window.sinceMs).toISOString(), until: new Date(window.untilMs).toISOString() },
    requests: totals.requests,
    attempts: totals.attempts,
    costUsd: totals.cost,
    localSharePct: pct(totals.local),
    fallbackRatePct: pct(totals.fallbacks),
    passRatePct: pct(totals.passed),
    averageConfidence: totals.confidence,
    latencyMs,
    dailyBudgetUsd,
    perDay: days.map((d) => ({
      day: d.day,
      requests: d.requests,
      costUsd: d.cost,
      budgetUsd: dailyBudgetUsd,
      overBudget: d.cost > dailyBudgetUsd + 1e-9,
    })),
    groups: {
      by,
      rows: groups.map((r) => ({
        key: r.key,
        calls: r.calls,
        requests: r.requests,
        costUsd: r.cost,
        passRatePct: r.pass * 100,
      })),
    },
  };
}

export const EXPORT_COLUMNS: (keyof AttemptRow | 'instance')[] = [...ATTEMPT_COLUMNS, 'instance'];

/** Streams the attempts of a window to CSV (csv-stringify) or JSONL; constant memory. Returns the row count. */
export async function exportUsage(db: Db, window: UsageWindow, file: string): Promise<number> {
  const format = /\.jsonl$|\.ndjson$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : undefined;
  if (!format) throw new ConfigError(`--export ${file}: expected a file ending in .csv or .jsonl.`);
  const out = createWriteStream(file);
  const rows = db
    .prepare(
      `SELECT ${EXPORT_COLUMNS.join(', ')} FROM attempts WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, request_id, step`,
    )
    .iterate(window.sinceMs, window.untilMs) as IterableIterator<AttemptRow>;
  let count = 0;
  if (format === 'jsonl') {
    for (const row of rows) {
      count++;
      if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
    }
  } else {
    const csv = stringify({ header: true, columns: EXPORT_COLUMNS as string[] });
    csv.pipe(out);
    for (const row of rows) {
      count++;
      if (!csv.write(row)) await once(csv, 'drain');
    }
    csv.end();
  }
  if (format === 'jsonl') out.end();
  await once(out, 'finish');
  return count;
}

/** Imports rows a ledger sink wrote to its fallback JSONL while the ledger was unusable. */
export function importFallback(db: Db, file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${file}: cannot read the fallback file.`);
  }
  const lines = text.split('\n').filter((l) => l.trim());
  const items = lines.map((line, i): LedgerItem => {
    try {
      return JSON.parse(line) as LedgerItem;
    } catch {
      throw new ConfigError(`${file}:${i + 1}: not a ledger row (invalid JSON).`);
    }
  });
  batchWriter(db)(items);
  return items.length;
}
