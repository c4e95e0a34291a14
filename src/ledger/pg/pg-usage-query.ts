import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { ConfigError } from '../../config/config-error.js';
import type { LedgerRows } from '../ledger-summary.js';
import type { AttemptRow, RequestRow } from '../ledger-sink.js';
import {
  assembleUsageReport,
  EXPORT_COLUMNS,
  type DayRow,
  type GroupRow,
  type UsageGrouping,
  type UsageReport,
  type UsageTotals,
  type UsageWindow,
} from '../usage-query.js';
import type { PgPool } from './pg-ledger-db.js';

/** The calendar day of ts_ms in the budget's time zone, as the SQLite ledger computes it. */
const DAY = `to_char(to_timestamp(ts_ms / 1000.0) AT TIME ZONE $3, 'YYYY-MM-DD')`;
const LOCAL = `CASE WHEN final_tier IN ('LOCAL_FAST', 'LOCAL_QUALITY') THEN 1 ELSE 0 END`;
const PASS = `AVG(CASE WHEN outcome = 'pass' THEN 1.0 ELSE 0.0 END)::float8`;

const GROUP_SQL: Record<UsageGrouping, string> = {
  day: `SELECT ${DAY} AS key, COUNT(*)::int AS calls, COUNT(DISTINCT request_id)::int AS requests, SUM(cost_usd)::float8 AS cost, ${PASS} AS pass FROM attempts WHERE ts_ms >= $1 AND ts_ms < $2 GROUP BY key`,
  model: `SELECT model AS key, COUNT(*)::int AS calls, COUNT(DISTINCT request_id)::int AS requests, SUM(cost_usd)::float8 AS cost, ${PASS} AS pass FROM attempts WHERE ts_ms >= $1 AND ts_ms < $2 AND $3::text IS NOT NULL GROUP BY key`,
  tier: `SELECT tier AS key, COUNT(*)::int AS calls, COUNT(DISTINCT request_id)::int AS requests, SUM(cost_usd)::float8 AS cost, ${PASS} AS pass FROM attempts WHERE ts_ms >= $1 AND ts_ms < $2 AND $3::text IS NOT NULL GROUP BY key`,
  action: `SELECT COALESCE(action, '(none)') AS key, COUNT(*)::int AS calls, COUNT(DISTINCT request_id)::int AS requests, SUM(cost_usd)::float8 AS cost, ${PASS} AS pass FROM attempts WHERE ts_ms >= $1 AND ts_ms < $2 AND $3::text IS NOT NULL GROUP BY key`,
  instance: `SELECT COALESCE(instance, '(none)') AS key, COUNT(*)::int AS calls, COUNT(DISTINCT request_id)::int AS requests, SUM(cost_usd)::float8 AS cost, ${PASS} AS pass FROM attempts WHERE ts_ms >= $1 AND ts_ms < $2 AND $3::text IS NOT NULL GROUP BY key`,
};

/** Byte order, as SQLite sorts text (a database's own collation may not). */
const binary = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const GROUP_ORDER: Record<UsageGrouping, (a: GroupRow, b: GroupRow) => number> = {
  day: (a, b) => binary(a.key, b.key),
  model: (a, b) => b.cost - a.cost || binary(a.key, b.key),
  tier: (a, b) => binary(a.key, b.key),
  action: (a, b) => b.calls - a.calls || binary(a.key, b.key),
  instance: (a, b) => binary(a.key, b.key),
};

/** `usage` from the shared ledger: the same report, to the same figures, as the SQLite ledger gives. */
export async function pgUsageReport(
  pool: PgPool,
  window: UsageWindow,
  by: UsageGrouping,
  dailyBudgetUsd: number,
  timeZone = 'UTC',
): Promise<UsageReport> {
  const args = [window.sinceMs, window.untilMs];
  const { rows: totalRows } = await pool.query<UsageTotals>(
    `SELECT COUNT(*)::int AS requests, COALESCE(SUM(attempts), 0)::int AS attempts, COALESCE(SUM(cost_usd), 0)::float8 AS cost,
            COALESCE(SUM(${LOCAL}), 0)::int AS local, COALESCE(SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END), 0)::int AS fallbacks,
            COALESCE(SUM(passed), 0)::int AS passed, COALESCE(AVG(confidence), 0)::float8 AS confidence
     FROM requests WHERE ts_ms >= $1 AND ts_ms < $2`,
    args,
  );
  const totals = totalRows[0]!;
  const percentile = async (q: number): Promise<number> => {
    if (totals.requests === 0) return 0;
    const offset = Math.min(totals.requests - 1, Math.floor(q * (totals.requests - 1)));
    const { rows } = await pool.query<{ v: number }>(
      'SELECT latency_ms AS v FROM requests WHERE ts_ms >= $1 AND ts_ms < $2 ORDER BY latency_ms LIMIT 1 OFFSET $3',
      [...args, offset],
    );
    return rows[0]?.v ?? 0;
  };
  const { rows: days } = await pool.query<DayRow>(
    `SELECT ${DAY} AS day, COUNT(*)::int AS requests, SUM(cost_usd)::float8 AS cost
     FROM requests WHERE ts_ms >= $1 AND ts_ms < $2 GROUP BY day`,
    [...args, timeZone],
  );
  const { rows: groups } = await pool.query<GroupRow>(GROUP_SQL[by], [...args, timeZone]);
  const latency = { p50: await percentile(0.5), p95: await percentile(0.95) };
  return assembleUsageReport(
    window,
    by,
    dailyBudgetUsd,
    totals,
    latency,
    days.sort((x, y) => binary(x.day, y.day)),
    groups.sort(GROUP_ORDER[by]),
  );
}

/** Pages through attempts in the window in export order, a page at a time (constant memory). */
export async function* pgAttempts(
  pool: PgPool,
  window: UsageWindow,
  pageSize = 5_000,
): AsyncGenerator<AttemptRow & { instance: string | null }> {
  let after: [number, string, number] = [-Infinity, '', -1];
  for (;;) {
    const { rows } = await pool.query<AttemptRow & { instance: string | null }>(
      `SELECT ${EXPORT_COLUMNS.join(', ')} FROM attempts
       WHERE ts_ms >= $1 AND ts_ms < $2 AND (ts_ms, request_id COLLATE "C", step) > ($3, $4 COLLATE "C", $5)
       ORDER BY ts_ms, request_id COLLATE "C", step LIMIT $6`,
      [window.sinceMs, window.untilMs, after[0], after[1], after[2], pageSize],
    );
    yield* rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = [last.ts_ms, last.request_id, last.step];
  }
}

/** `usage --export` from the shared ledger: the SQLite export's columns and order. */
export async function pgExportUsage(pool: PgPool, window: UsageWindow, file: string): Promise<number> {
  const format = /\.jsonl$|\.ndjson$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : undefined;
  if (!format) throw new ConfigError(`--export ${file}: expected a file ending in .csv or .jsonl.`);
  const out = createWriteStream(file);
  const csv = format === 'csv' ? stringify({ header: true, columns: EXPORT_COLUMNS }) : undefined;
  csv?.pipe(out);
  let count = 0;
  for await (const row of pgAttempts(pool, window)) {
    count++;
    const ok = csv ? csv.write(row) : out.write(`${JSON.stringify(row)}\n`);
    if (!ok) await once(csv ?? out, 'drain');
  }
  if (csv) csv.end();
  else out.end();
  await once(out, 'finish');
  return count;
}

/** The shared ledger as summary rows for `report --from-ledger`: requests a page at a time with their attempts. */
export function pgLedgerRows(pool: PgPool, pageSize = 2_000): LedgerRows {
  return {
    firstRequestMs: async (window) =>
      (
        await pool.query<{ t: number | null }>(
          'SELECT MIN(ts_ms) AS t FROM requests WHERE ts_ms >= $1 AND ts_ms < $2',
          [window.sinceMs, window.untilMs],
        )
      ).rows[0]?.t ?? undefined,
    meanPassLatency: async (model, window) =>
      (
        await pool.query<{ l: number | null }>(
          `SELECT AVG(latency_ms)::float8 AS l FROM attempts WHERE model = $1 AND outcome = 'pass' AND ts_ms >= $2 AND ts_ms < $3`,
          [model, window.sinceMs, window.untilMs],
        )
      ).rows[0]?.l ?? undefined,
    async *requests(window) {
      let after: [number, string] = [-Infinity, ''];
      for (;;) {
        const { rows } = await pool.query<RequestRow>(
          `SELECT * FROM requests WHERE ts_ms >= $1 AND ts_ms < $2 AND (ts_ms, request_id COLLATE "C") > ($3, $4 COLLATE "C")
           ORDER BY ts_ms, request_id COLLATE "C" LIMIT $5`,
          [window.sinceMs, window.untilMs, after[0], after[1], pageSize],
        );
        if (rows.length === 0) return;
        const { rows: attempts } = await pool.query<AttemptRow>(
          'SELECT * FROM attempts WHERE request_id = ANY($1) ORDER BY request_id, step',
          [rows.map((r) => r.request_id)],
        );
        const byRequest = new Map<string, AttemptRow[]>();
        for (const a of attempts) byRequest.set(a.request_id, [...(byRequest.get(a.request_id) ?? []), a]);
        for (const request of rows) yield { request, attempts: byRequest.get(request.request_id) ?? [] };
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        after = [last.ts_ms, last.request_id];
      }
    },
  };
}
