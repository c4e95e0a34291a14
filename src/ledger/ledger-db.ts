import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Schema migrations, applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS: string[] = [
  `CREATE TABLE attempts (
     id INTEGER PRIMARY KEY,
     ts_ms REAL NOT NULL,
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
     cost_usd REAL NOT NULL,
     ttft_ms REAL NOT NULL,
     latency_ms REAL NOT NULL,
     confidence REAL NOT NULL,
     checks TEXT NOT NULL,
     outcome TEXT NOT NULL,
     budget_limited INTEGER NOT NULL DEFAULT 0,
     prompt TEXT,
     response TEXT
   );
   CREATE INDEX attempts_ts ON attempts (ts_ms);
   CREATE INDEX attempts_request ON attempts (request_id);
   CREATE TABLE requests (
     request_id TEXT PRIMARY KEY,
     ts_ms REAL NOT NULL,
     action TEXT,
     complexity TEXT NOT NULL,
     start_tier TEXT NOT NULL,
     final_tier TEXT,
     final_model TEXT,
     passed INTEGER NOT NULL,
     confidence REAL NOT NULL,
     attempts INTEGER NOT NULL,
     cost_usd REAL NOT NULL,
     input_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     latency_ms REAL NOT NULL,
     budget_limited INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX requests_ts ON requests (ts_ms);
   CREATE TABLE budget_spend (window TEXT PRIMARY KEY, spent_usd REAL NOT NULL DEFAULT 0);
   CREATE TABLE budget_reservations (
     id INTEGER PRIMARY KEY,
     windows TEXT NOT NULL,
     amount_usd REAL NOT NULL,
     created_ms REAL NOT NULL,
     pid INTEGER NOT NULL
   );`,
  // The router instance that recorded each row: a fleet's usage reads by instance, and a migrated file keeps it.
  `ALTER TABLE attempts ADD COLUMN instance TEXT;
   ALTER TABLE requests ADD COLUMN instance TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The ledger path: --ledger, then HYBRIDLLM_LEDGER, then the config's, then ~/.hybridllm/usage.db. */
export function resolveLedgerPath(
  flag?: string,
  configured?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const path = flag ?? env['HYBRIDLLM_LEDGER'] ?? configured ?? join(homedir(), '.hybridllm', 'usage.db');
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** A clear, one-paragraph problem with the ledger file. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    message: string,
    readonly path: string,
    /** The file itself is wrong (not a SQLite database, corrupt): bad input, exit code 2. */
    readonly badFile = false,
  ) {
    super(message);
  }
}

/**
 * Runs `step`, again and again while SQLite answers SQLITE_BUSY, for up to `timeoutMs`. Switching a new file
 * to WAL needs a lock that SQLite does not wait for (its busy handler is not called), so processes that
 * create the same ledger at the same moment would otherwise fail at random.
 */
function whileBusy<T>(step: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20); // a synchronous sleep; the open is synchronous too
    }
  }
}

/**
 * Opens (creating if needed) the SQLite ledger in WAL mode — readers never block the writer and a crash
 * never corrupts committed rows — and brings its schema up to date.
 */
export function openLedger(path: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      timeout: busyTimeoutMs,
    });
  } catch (error) {
    if (options.readonly && path !== ':memory:' && !existsSync(path))
      // Reading a ledger nothing has written yet: say what writes one, not what SQLite could not open.
      throw new LedgerError(
        `${path}: no usage ledger here yet. It is written by hybridllm serve and route --backend real (at ledger.path in the config); pass --ledger FILE to read another.`,
        path,
      );
    throw new LedgerError(`${path}: cannot open the usage ledger: ${(error as Error).message}.`, path);
  }
  try {
    if (!options.readonly) {
      whileBusy(() => db.pragma('journal_mode = WAL'), busyTimeoutMs);
      db.pragma('synchronous = NORMAL');
    }
    const versionOf = (): number => db.pragma('user_version', { simple: true }) as number;
    const checkVersion = (version: number): number => {
      if (version > SCHEMA_VERSION)
        throw new LedgerError(
          `${path}: the ledger has schema version ${version}, newer than this hybridllm (${SCHEMA_VERSION}); upgrade hybridllm.`,
          path,
        );
      return version;
    };
    // Several processes may open a new file at once: the version is read again inside the write lock, so
    // only the first one migrates and the others find the schema already there.
    const version = checkVersion(versionOf());
    if (!options.readonly && version < SCHEMA_VERSION)
      db.transaction(() => {
        for (let v = checkVersion(versionOf()); v < SCHEMA_VERSION; v++) {
          db.exec(MIGRATIONS[v]!);
          db.pragma(`user_version = ${v + 1}`);
        }
      }).immediate();
    return db;
  } catch (error) {
    db.close();
    if (error instanceof LedgerError) throw error;
    const code = (error as { code?: string }).code ?? '';
    const reason =
      code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
        ? 'the file is not a valid SQLite database (corrupt, or not a ledger)'
        : code === 'SQLITE_BUSY'
          ? 'the file is locked by another process'
          : (error as Error).message;
    throw new LedgerError(
      `${path}: cannot use the usage ledger: ${reason}. Move it aside or point --ledger / HYBRIDLLM_LEDGER at another file.`,
      path,
      code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT',
    );
  }
}
