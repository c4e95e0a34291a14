import type { RouterConfig } from '../config/router-config.js';
import { openLedger, resolveLedgerPath } from './ledger-db.js';
import { sqliteLedgerRows } from './ledger-summary.js';
import type { LedgerReader } from './ledger-reader-types.js';
import { resolveLedgerUrl } from './pg/ledger-url.js';
import { exportUsage, importFallback, usageReport } from './usage-query.js';

export type { LedgerReader } from './ledger-reader-types.js';

/**
 * Opens the ledger a config names for reading (and importing): PostgreSQL when $HYBRIDLLM_LEDGER_URL or
 * ledger.url is set and no --ledger file is given, else the SQLite file.
 */
export async function openLedgerReader(
  config: RouterConfig,
  options: { file?: string; write?: boolean } = {},
): Promise<LedgerReader> {
  const url = options.file ? undefined : resolveLedgerUrl(config);
  if (url) {
    const { openPgLedgerReader } = await import('./pg/pg-ledger-reader.js');
    return openPgLedgerReader(url);
  }
  const path = resolveLedgerPath(options.file, config.ledger.path);
  const db = openLedger(path, { readonly: !options.write });
  return {
    kind: 'sqlite',
    path,
    report: async (window, by, budget, timeZone) => usageReport(db, window, by, budget, timeZone),
    exportTo: (window, file) => exportUsage(db, window, file),
    rows: sqliteLedgerRows(db),
    importFile: async (file) => importFallback(db, file),
    close: async () => {
      db.close();
    },
  };
}
