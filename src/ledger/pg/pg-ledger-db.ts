import pg from 'pg';
import { LedgerError } from '../ledger-db.js';
import { BUDGET_SCHEMA } from './pg-budget-schema.js';
import { redactUrl } from './ledger-url.js';

export type PgPool = pg.Pool;

/**
 * The SQLite ledger's schema in PostgreSQL's dialect, with the same columns (an attempt is unique by request
 * and step, which makes spool replays and migrations idempotent), plus the fleet budget: one row per budget
 * window (day, week, month) locked while a reservation is checked, reservations held by a live instance,
 * and one settlement per reservation, written once.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE attempts (
     id BIGSERIAL PRIMARY KEY,
     ts_ms DOUBLE PRECISION NOT NULL,
     request_id TEXT NOT NULL,
     step INTEGER NOT NULL,
     action TEXT,
     complexity TEXT NOT NULL,
     tier TEXT NOT NULL,
     model TEXT NOT NULL,
     provider TEXT NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cached_tokens INTEGER NOT NULL,
     cost_usd DOUBLE PRECISION NOT NULL,
     ttft_ms DOUBLE PRECISION NOT NULL,
     latency_ms DOUBLE PRECISION NOT NULL,
     confidence DOUBLE PRECISION NOT NULL,
     checks TEXT NOT NULL,
     outcome TEXT NOT NULL,
     budget_limited INTEGER NOT NULL DEFAULT 0,
     prompt TEXT,
     response TEXT,
     instance TEXT,
     UNIQUE (request_id, step)
   );
   CREATE INDEX attempts_ts ON attempts (ts_ms);
   CREATE TABLE requests (
     request_id TEXT PRIMARY KEY,
     ts_ms DOUBLE PRECISION NOT NULL,
     action TEXT,
     complexity TEXT NOT NULL,
     start_tier TEXT NOT NULL,
     final_tier TEXT,
     final_model TEXT,
     passed INTEGER NOT NULL,
     confidence DOUBLE PRECISION NOT NULL,
     attempts INTEGER NOT NULL,
     cost_usd DOUBLE PRECISION NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     latency_ms DOUBLE PRECISION NOT NULL,
     budget_limited INTEGER NOT NULL DEFAULT 0,
     instance TEXT
   );
   CREATE INDEX requests_ts ON requests (ts_ms);
   ${BUDGET_SCHEMA}`,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * A pool over the ledger database; idle clients that lose their connection are dropped, not fatal.
 * `queryTimeoutMs` bounds each query on the client's side, so a connection that died without a word (a
 * half-open socket) fails like an unreachable database instead of holding its caller forever.
 */
export function createPgPool(url: string, max = 10, queryTimeoutMs?: number): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 2_000,
    ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs } : {}),
    idleTimeoutMillis: 30_000,
    application_name: 'hybridllm',
  });
  pool.on('error', () => {}); // an idle client's connection died; the next query reconnects
  return pool;
}

/** Brings the schema up to date; several instances starting at once migrate once (an advisory lock). */
export async function migratePg(pool: PgPool, url: string): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new LedgerError(
      `${redactUrl(url)}: cannot reach the PostgreSQL ledger: ${(error as Error).message || (error as { code?: string }).code}. Start PostgreSQL (see the README's fleet section) or check ledger.url / HYBRIDLLM_LEDGER_URL.`,
      redactUrl(url),
    );
  }
  client.on('error', () => {}); // a connection cut mid-migration fails the query below instead
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(7244186137)');
    await client.query('CREATE TABLE IF NOT EXISTS hybridllm_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM hybridllm_schema');
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO hybridllm_schema (version) VALUES (0)');
    if (version > PG_SCHEMA_VERSION)
      throw new LedgerError(
        `${redactUrl(url)}: the ledger has schema version ${version}, newer than this hybridllm (${PG_SCHEMA_VERSION}); upgrade hybridllm.`,
        redactUrl(url),
      );
    for (; version < PG_SCHEMA_VERSION; version++) await client.query(MIGRATIONS[version]!);
    await client.query('UPDATE hybridllm_schema SET version = $1', [version]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      `${redactUrl(url)}: cannot prepare the PostgreSQL ledger: ${(error as Error).message}.`,
      redactUrl(url),
    );
  } finally {
    client.release();
  }
}

/** Whether an error means the database cannot be reached now (as opposed to a bad query). */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? '';
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENOTFOUND',
      '57P01',
      '57P02',
      '57P03',
    ].includes(code) ||
    code.startsWith('08') ||
    /timeout|terminat|Connection|not queryable|ended/i.test(message)
  );
}
