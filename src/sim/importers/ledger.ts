import Database from 'better-sqlite3';
import { ImportError, type Importer } from './imported-row.js';

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

interface LedgerRow {
  request_id: string;
  ts_ms: number;
  action: string | null;
  input_tokens: number;
  output_tokens: number;
  final_model: string | null;
  prompt: string | null;
  response: string | null;
  cached_tokens: number | null;
}

export const ledgerImporter: Importer = {
  name: 'ledger',
  label: "hybridllm's usage ledger (SQLite)",
  detect: (head) => head.startsWith('SQLite format 3\u0000'),
  async *rows(file) {
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
        line++;
        if (typeof row.ts_ms !== 'number' || !Number.isFinite(row.ts_ms))
          throw new ImportError(
            line,
            `ts_ms: expected milliseconds since 1970, found ${JSON.stringify(row.ts_ms)}`,
          );
        yield {
          raw: {
            timestamp: new Date(row.ts_ms).toISOString(),
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
    } finally {
      db.close();
    }
  },
};
