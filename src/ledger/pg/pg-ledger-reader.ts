import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config/config-error.js';
import type { LedgerReader } from '../ledger-reader-types.js';
import type { LedgerItem } from '../ledger-sink.js';
import { replaySpoolFile } from './fleet-link.js';
import { redactUrl } from './ledger-url.js';
import { createPgPool, migratePg, type PgPool } from './pg-ledger-db.js';
import { writeItems } from './pg-rows.js';
import { pgExportUsage, pgLedgerRows, pgUsageReport } from './pg-usage-query.js';

/**
 * A file to load into the shared ledger: a fleet spool (`{"usage": …}` / `{"settle": …}` lines) is replayed
 * as an instance would replay it; a SQLite fallback file (`{"attempts": …, "request": …}` lines) is written
 * as rows. Both are idempotent.
 */
async function importInto(pool: PgPool, file: string): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${file}: cannot read the file to import.`);
  }
  const first = text.split('\n').find((l) => l.trim());
  if (first === undefined) return 0;
  if (/^\{"(usage|settle)"/.test(first)) return (await replaySpoolFile(pool, file)).requests;
  const items = text
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .map(({ line, i }): LedgerItem => {
      try {
        return JSON.parse(line) as LedgerItem;
      } catch {
        throw new ConfigError(`${file}:${i + 1}: not a ledger row (invalid JSON).`);
      }
    });
  for (let i = 0; i < items.length; i += 500) await writeItems(pool, items.slice(i, i + 500));
  return items.length;
}

export async function openPgLedgerReader(url: string): Promise<LedgerReader> {
  const pool = createPgPool(url, 4);
  try {
    await migratePg(pool, url);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return {
    kind: 'postgres',
    path: redactUrl(url),
    report: (window, by, budget, timeZone) => pgUsageReport(pool, window, by, budget, timeZone),
    exportTo: (window, file) => pgExportUsage(pool, window, file),
    rows: pgLedgerRows(pool),
    importFile: (file) => importInto(pool, file),
    close: () => pool.end(),
  };
}
