import Database from 'better-sqlite3';
import { ImportError, type Importer, type ImportedRow } from './imported-row.js';
import { redactUrl } from '../../ledger/pg/ledger-url.js';

/** A fleet's ledger on PostgreSQL, named by its URL in place of a file. */
export function isLedgerUrl(file: string): boolean {
  return /^postgres(ql)?:\/\//.test(file);
}

/**
 * hybridllm's own usage ledger (SQLite, src/ledger/ledger-db.ts): one row per request in `requests`, each
 * attempt in `attempts`. With `ledger.store_text` the first attempt keeps the prompt and the answering
 * attempt its answer. A request's row is its place in time order (the "line" errors name).
 */
const QUERY = `
  SELECT r.request_id, r.ts_ms, r.action, r.input_tokens, r.output_tokens, r.final_model,
         (SELECT a.prompt FROM attempts a WHERE a.request_id = r.request_id ORDER BY a.step LIMIT 1) AS prompt,
         (SELECT a.response FROM attempts a WHERE a.request_id = r.request_id AND a.model = r.final_model
           ORDER BY a.step DESC LIMIT 1) AS response,
         (SELECT a.cached_tokens FROM attempts a WHERE a.request_id = r.request_id AND a.model = r.final_model
           ORDER BY a.step DESC LIMIT 1) AS cached_tokens
  FROM requests r ORDER BY r.ts_ms, r.rowid`;

/** The same on PostgreSQL, a page at a time in (ts_ms, request_id) order. */
const PG_PAGE = `
  SELECT r.request_id, r.ts_ms, r.action, r.input_tokens, r.output_tokens, r.final_model,
         (SELECT a.prompt FROM attempts a WHERE a.request_id = r.request_id ORDER BY a.step LIMIT 1) AS prompt,
         (SELECT a.response FROM attempts a WHERE a.request_id = r.request_id AND a.model = r.final_model
           ORDER BY a.step DESC LIMIT 1) AS response,
         (SELECT a.cached_tokens FROM attempts a WHERE a.request_id = r.request_id AND a.model = r.final_model
           ORDER BY a.step DESC LIMIT 1) AS cached_tokens
  FROM requests r WHERE (r.ts_ms, r.request_id) > ($1, $2) ORDER BY r.ts_ms, r.request_id LIMIT 1000`;

interface LedgerRow {
  request_id: string;
  ts_ms: number | string | null;
  action: string | null;
  input_tokens: number;
  output_tokens: number;
  final_model: string | null;
  prompt: string | null;
  response: string | null;
  cached_tokens: number | null;
}

function rowOf(row: LedgerRow, line: number): ImportedRow {
  const ts = Number(row.ts_ms);
  if (row.ts_ms === null || typeof row.ts_ms === 'string' || !Number.isFinite(ts))
    throw new ImportError(
      line,
      `ts_ms: expected milliseconds since 1970, found ${JSON.stringify(row.ts_ms)}`,
    );
  return {
    raw: {
      timestamp: new Date(ts).toISOString(),
      ...(row.action ? { action: row.action } : {}),
      ...(row.prompt ? { prompt: row.prompt } : {}),
      input_tokens: String(row.input_tokens),
      output_tokens: String(row.output_tokens),
      ...(row.cached_tokens ? { cached_tokens: String(row.cached_tokens) } : {}),
      ...(row.final_model ? { model: row.final_model } : {}),
      ...(row.response ? { answer: row.response } : {}),
    },
    line,
    id: row.request_id,
    ...(row.final_model ? { model: row.final_model } : {}),
    ...(row.response ? { answer: row.response } : {}),
  };
}

async function* pgRows(url: string): AsyncGenerator<ImportedRow> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new ImportError(
      0,
      `cannot reach the ledger at ${redactUrl(url)}: ${(error as Error).message.replace(url, redactUrl(url))}`,
    );
  }
  try {
    let after: [number, string] = [-Infinity, ''];
    let line = 0;
    for (;;) {
      const { rows } = await client.query<LedgerRow>(PG_PAGE, after);
      for (const row of rows) yield rowOf(row, ++line);
      if (rows.length < 1000) return;
      const last = rows[rows.length - 1]!;
      after = [Number(last.ts_ms), last.request_id];
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(
      0,
      `not a hybridllm usage ledger at ${redactUrl(url)}: ${(error as Error).message}`,
    );
  } finally {
    await client.end();
  }
}

export const ledgerImporter: Importer = {
  name: 'ledger',
  label: "hybridllm's usage ledger",
  detect: (head) => head.startsWith('SQLite format 3\u0000'),
  async *rows(file) {
    if (isLedgerUrl(file)) {
      yield* pgRows(file);
      return;
    }
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.prepare('SELECT request_id, ts_ms FROM requests LIMIT 1').get();
    } catch (error) {
      throw new ImportError(
        0,
        `not a hybridllm usage ledger (no requests table it can read): ${(error as Error).message}`,
      );
    }
    try {
      let line = 0;
      for (const row of db.prepare(QUERY).iterate() as IterableIterator<LedgerRow>) {
        yield rowOf(row, ++line);
      }
    } finally {
      db.close();
    }
  },
};
