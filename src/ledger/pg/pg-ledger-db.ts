import pg from 'pg';
import { LedgerError } from '../ledger-db.js';
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
   CREATE TABLE budget_windows (
     window_key TEXT PRIMARY KEY,
     spent_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
     reserved_usd DOUBLE PRECISION NOT NULL DEFAULT 0
   );
   CREATE TABLE budget_instances (instance TEXT PRIMARY KEY, seen_at TIMESTAMPTZ NOT NULL);
   -- What each instance could spend on its own if it lost the database now (its outage share of what
   -- remains), written with its heartbeat. While an instance is silent (lost the database, or dead until
   -- its timeout) the others count its allowance as committed: its offline spend is not here yet.
   CREATE TABLE budget_allowances (
     instance TEXT NOT NULL,
     window_key TEXT NOT NULL,
     usd DOUBLE PRECISION NOT NULL,
     PRIMARY KEY (instance, window_key)
   );
   CREATE TABLE budget_reservations (
     id UUID PRIMARY KEY,
     instance TEXT NOT NULL,
     windows TEXT[] NOT NULL,
     amount_usd DOUBLE PRECISION NOT NULL,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE INDEX budget_reservations_instance ON budget_reservations (instance);
   CREATE TABLE budget_settlements (
     id UUID PRIMARY KEY,
     windows TEXT[] NOT NULL,
     amount_usd DOUBLE PRECISION NOT NULL,
     settled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     expired BOOLEAN NOT NULL DEFAULT false
   );
   -- Check and reserve in one call, atomically: the windows' rows are locked (in key order, so two
   -- instances never deadlock), checked against their caps and charged, or nothing happens.
   CREATE FUNCTION hybridllm_silent_allowance(p_window TEXT, p_instance TEXT, p_silent INTERVAL, p_dead INTERVAL)
   RETURNS DOUBLE PRECISION LANGUAGE sql STABLE AS $$
     SELECT COALESCE(SUM(a.usd), 0) FROM budget_allowances a JOIN budget_instances i ON i.instance = a.instance
      WHERE a.window_key = p_window AND a.instance <> p_instance
        AND i.seen_at < now() - p_silent AND i.seen_at >= now() - p_dead
   $$;
   -- Check and reserve a batch of calls at once, atomically: the windows' rows are locked (in key order, so
   -- two instances never deadlock), each call is granted in turn while every cap still holds it, and the
   -- granted ones are charged and recorded; the others get nothing.
   CREATE FUNCTION hybridllm_reserve(p_ids UUID[], p_instance TEXT, p_windows TEXT[], p_caps DOUBLE PRECISION[], p_amounts DOUBLE PRECISION[], p_silent INTERVAL, p_dead INTERVAL)
   RETURNS TABLE (granted BOOLEAN[], committed DOUBLE PRECISION[]) LANGUAGE plpgsql AS $$
   DECLARE
     v_committed DOUBLE PRECISION[];
     v_granted BOOLEAN[] := '{}';
     v_total DOUBLE PRECISION := 0;
     v_fits BOOLEAN;
   BEGIN
     INSERT INTO budget_windows (window_key) SELECT unnest(p_windows) ON CONFLICT DO NOTHING;
     PERFORM 1 FROM budget_windows WHERE window_key = ANY(p_windows) ORDER BY window_key FOR UPDATE;
     SELECT array_agg(w.spent_usd + w.reserved_usd + hybridllm_silent_allowance(k.key, p_instance, p_silent, p_dead) ORDER BY k.i)
       INTO v_committed
       FROM unnest(p_windows) WITH ORDINALITY AS k(key, i) JOIN budget_windows w ON w.window_key = k.key;
     FOR j IN 1 .. coalesce(array_length(p_amounts, 1), 0) LOOP
       v_fits := true;
       FOR k IN 1 .. array_length(p_windows, 1) LOOP
         IF v_committed[k] + v_total + p_amounts[j] > p_caps[k] + 1e-12 THEN v_fits := false; END IF;
       END LOOP;
       IF v_fits THEN v_total := v_total + p_amounts[j]; END IF;
       v_granted := v_granted || v_fits;
     END LOOP;
     UPDATE budget_windows SET reserved_usd = reserved_usd + v_total WHERE window_key = ANY(p_windows);
     INSERT INTO budget_reservations (id, instance, windows, amount_usd)
       SELECT g.id, p_instance, p_windows, g.amount FROM unnest(p_ids, p_amounts, v_granted) AS g(id, amount, ok) WHERE g.ok;
     INSERT INTO budget_instances (instance, seen_at) VALUES (p_instance, now())
       ON CONFLICT (instance) DO UPDATE SET seen_at = now();
     RETURN QUERY SELECT v_granted, (SELECT array_agg(c + v_total ORDER BY o) FROM unnest(v_committed) WITH ORDINALITY AS t(c, o));
   END $$;
   -- Settle a batch once each: a reservation still held is released and the actual cost spent. A settlement
   -- that arrives again (a replayed spool) or after its reservation expired finds its id taken and changes
   -- nothing. p_windows holds each settlement's windows joined by '|'.
   CREATE FUNCTION hybridllm_settle(p_ids UUID[], p_windows TEXT[], p_actual DOUBLE PRECISION[])
   RETURNS INTEGER LANGUAGE plpgsql AS $$
   DECLARE
     v_n INTEGER;
   BEGIN
     INSERT INTO budget_windows (window_key)
       SELECT DISTINCT unnest(string_to_array(w, '|')) FROM unnest(p_windows) AS w ON CONFLICT DO NOTHING;
     PERFORM 1 FROM budget_windows
       WHERE window_key IN (SELECT unnest(string_to_array(w, '|')) FROM unnest(p_windows) AS w)
       ORDER BY window_key FOR UPDATE;
     WITH input AS (SELECT * FROM unnest(p_ids, p_windows, p_actual) AS t(id, windows, actual)),
     fresh AS (INSERT INTO budget_settlements (id, windows, amount_usd)
               SELECT id, string_to_array(windows, '|'), actual FROM input ON CONFLICT (id) DO NOTHING
               RETURNING id, windows, amount_usd),
     released AS (DELETE FROM budget_reservations r USING fresh f WHERE r.id = f.id RETURNING r.windows, r.amount_usd),
     deltas AS (SELECT key, SUM(spend) AS spend, SUM(release) AS release FROM (
                  SELECT unnest(windows) AS key, amount_usd AS spend, 0::float8 AS release FROM fresh
                  UNION ALL SELECT unnest(windows), 0::float8, amount_usd FROM released) d GROUP BY key)
     UPDATE budget_windows w SET spent_usd = spent_usd + d.spend, reserved_usd = GREATEST(reserved_usd - d.release, 0)
       FROM deltas d WHERE w.window_key = d.key;
     GET DIAGNOSTICS v_n = ROW_COUNT;
     RETURN v_n;
   END $$;
   -- A reservation whose instance has not been heard from for p_timeout becomes spend at its worst case (the
   -- provider may have billed the call; its settlement died with the instance) and is released.
   CREATE FUNCTION hybridllm_expire(p_timeout INTERVAL) RETURNS INTEGER LANGUAGE plpgsql AS $$
   DECLARE
     r RECORD;
     n INTEGER := 0;
   BEGIN
     FOR r IN SELECT b.id, b.windows, b.amount_usd FROM budget_reservations b
              LEFT JOIN budget_instances i ON i.instance = b.instance
              WHERE COALESCE(i.seen_at, b.created_at) < now() - p_timeout
              FOR UPDATE OF b SKIP LOCKED LOOP
       PERFORM 1 FROM budget_windows WHERE window_key = ANY(r.windows) ORDER BY window_key FOR UPDATE;
       DELETE FROM budget_reservations WHERE id = r.id;
       INSERT INTO budget_settlements (id, windows, amount_usd, expired) VALUES (r.id, r.windows, r.amount_usd, true)
         ON CONFLICT (id) DO NOTHING;
       UPDATE budget_windows SET reserved_usd = GREATEST(reserved_usd - r.amount_usd, 0),
                                 spent_usd = spent_usd + r.amount_usd
         WHERE window_key = ANY(r.windows);
       n := n + 1;
     END LOOP;
     RETURN n;
   END $$;`,
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
