import type { AttemptRow, LedgerItem, RequestRow } from '../ledger-sink.js';
import type { PgPool } from './pg-ledger-db.js';

type Queryable = Pick<PgPool, 'query'>;

/** A ledger item as the fleet stores it: the SQLite row plus the instance that routed it. */
export type FleetItem = LedgerItem & { instance?: string | null };

const ATTEMPT_COLUMNS: [keyof AttemptRow | 'instance', string][] = [
  ['ts_ms', 'float8'],
  ['request_id', 'text'],
  ['step', 'int4'],
  ['action', 'text'],
  ['complexity', 'text'],
  ['tier', 'text'],
  ['model', 'text'],
  ['provider', 'text'],
  ['input_tokens', 'int4'],
  ['output_tokens', 'int4'],
  ['cached_tokens', 'int4'],
  ['cost_usd', 'float8'],
  ['ttft_ms', 'float8'],
  ['latency_ms', 'float8'],
  ['confidence', 'float8'],
  ['checks', 'text'],
  ['outcome', 'text'],
  ['budget_limited', 'int4'],
  ['prompt', 'text'],
  ['response', 'text'],
  ['instance', 'text'],
];
const REQUEST_COLUMNS: [keyof RequestRow | 'instance', string][] = [
  ['request_id', 'text'],
  ['ts_ms', 'float8'],
  ['action', 'text'],
  ['complexity', 'text'],
  ['start_tier', 'text'],
  ['final_tier', 'text'],
  ['final_model', 'text'],
  ['passed', 'int4'],
  ['confidence', 'float8'],
  ['attempts', 'int4'],
  ['cost_usd', 'float8'],
  ['input_tokens', 'int4'],
  ['output_tokens', 'int4'],
  ['latency_ms', 'float8'],
  ['budget_limited', 'int4'],
  ['instance', 'text'],
];

/** An INSERT … SELECT FROM unnest(arrays): a batch of any size is one statement per table. */
function insertSql(table: string, columns: [string, string][], first: number, conflict: string): string {
  const names = columns.map(([c]) => c).join(', ');
  const arrays = columns.map(([, type], i) => `$${first + i}::${type}[]`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${conflict}`;
}
/**
 * Both tables in one statement, so one atomic round trip with no transaction held open on a connection (a
 * database that goes away mid-batch takes nothing half-written with it).
 */
const INSERT_ITEMS = `WITH added AS (${insertSql('attempts', ATTEMPT_COLUMNS, 1, 'ON CONFLICT (request_id, step) DO NOTHING RETURNING 1')}),
  requests_added AS (${insertSql('requests', REQUEST_COLUMNS, ATTEMPT_COLUMNS.length + 1, 'ON CONFLICT (request_id) DO NOTHING RETURNING 1')})
  SELECT (SELECT COUNT(*) FROM added)::int AS added`;

function columnsOf<R>(rows: readonly R[], columns: [string, string][]): unknown[][] {
  return columns.map(([name]) => rows.map((row) => (row as Record<string, unknown>)[name] ?? null));
}

/**
 * Writes requests with their attempts atomically. Idempotent: an attempt already there (same request
 * and step) and a request already there are left as they are, so a spool replayed twice or a migration run
 * again adds nothing. Returns the attempts actually added.
 */
export async function writeItems(pool: PgPool, items: readonly FleetItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const attempts = items.flatMap((item) =>
    item.attempts.map((a) => ({ ...a, instance: item.instance ?? null })),
  );
  const requests = items.map((item) => ({ ...item.request, instance: item.instance ?? null }));
  const { rows } = await pool.query<{ added: number }>(INSERT_ITEMS, [
    ...columnsOf(attempts, ATTEMPT_COLUMNS),
    ...columnsOf(requests, REQUEST_COLUMNS),
  ]);
  return rows[0]!.added;
}

/** Rows counted the way the tests and `usage` count them. */
export async function countRows(pool: Queryable): Promise<{ attempts: number; requests: number }> {
  const { rows } = await pool.query<{ attempts: number; requests: number }>(
    'SELECT (SELECT COUNT(*) FROM attempts)::int AS attempts, (SELECT COUNT(*) FROM requests)::int AS requests',
  );
  return rows[0]!;
}
