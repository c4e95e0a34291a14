import { openLedger } from '../ledger-db.js';
import type { AttemptRow, RequestRow } from '../ledger-sink.js';
import { createPgPool, migratePg, type PgPool } from './pg-ledger-db.js';
import { writeItems, type FleetItem } from './pg-rows.js';

export interface MigrationCount {
  requests: number;
  attempts: number;
  /** Attempts that were not in the shared ledger yet (a second run adds none). */
  attemptsAdded: number;
}

/**
 * Copies a SQLite ledger into the shared one, every request with its attempts and instance, in batches of
 * `batchSize` requests a transaction. Idempotent: run it again and nothing is added twice. The SQLite
 * file is opened read-only and left as it was.
 */
export async function migrateFromSqlite(
  pool: PgPool,
  file: string,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<MigrationCount> {
  const db = openLedger(file, { readonly: true });
  try {
    const total = (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
    const attemptsOf = db.prepare<[string], AttemptRow & { instance: string | null }>(
      'SELECT * FROM attempts WHERE request_id = ? ORDER BY step',
    );
    const count: MigrationCount = { requests: 0, attempts: 0, attemptsAdded: 0 };
    let batch: FleetItem[] = [];
    const write = async (): Promise<void> => {
      count.attemptsAdded += await writeItems(pool, batch);
      count.requests += batch.length;
      options.onProgress?.(count.requests, total);
      batch = [];
    };
    // Attempts without a request row (none are written so, but a file may have been edited) come along too.
    const orphans = db
      .prepare('SELECT * FROM attempts WHERE request_id NOT IN (SELECT request_id FROM requests) ORDER BY id')
      .all() as (AttemptRow & { id?: number; instance: string | null })[];
    if (orphans.length)
      throw new Error(
        `${file}: ${orphans.length} attempt(s) have no request row; the file is not a ledger hybridllm wrote`,
      );
    for (const request of db
      .prepare('SELECT * FROM requests ORDER BY ts_ms, request_id')
      .iterate() as IterableIterator<RequestRow & { instance: string | null }>) {
      const attempts = attemptsOf.all(request.request_id).map(({ instance: _, ...a }) => {
        delete (a as { id?: number }).id;
        return a;
      });
      count.attempts += attempts.length;
      const { instance, ...row } = request;
      batch.push({ request: row, attempts, instance });
      if (batch.length >= (options.batchSize ?? 500)) await write();
    }
    await write();
    return count;
  } finally {
    db.close();
  }
}

/** `usage --migrate-from`: the database prepared, the file copied in, the pool closed. */
export async function migrateToFleet(
  url: string,
  file: string,
  onProgress?: (done: number, total: number) => void,
): Promise<MigrationCount> {
  const pool = createPgPool(url, 2);
  try {
    await migratePg(pool, url);
    return await migrateFromSqlite(pool, file, onProgress ? { onProgress } : {});
  } finally {
    await pool.end().catch(() => {});
  }
}
