// The ledger reader's interface, apart from the SQLite and PostgreSQL readers that implement it.
import type { LedgerRows } from './ledger-summary.js';
import type { UsageGrouping, UsageReport, UsageWindow } from './usage-query.js';

/** The ledger as `usage` and `report --from-ledger` read it, from SQLite or the fleet's PostgreSQL alike. */
export interface LedgerReader {
  kind: 'sqlite' | 'postgres';
  /** The file, or the URL with any password hidden. */
  path: string;
  report(
    window: UsageWindow,
    by: UsageGrouping,
    dailyBudgetUsd: number,
    timeZone: string,
  ): Promise<UsageReport>;
  exportTo(window: UsageWindow, file: string): Promise<number>;
  rows: LedgerRows;
  /** Loads a SQLite fallback file or a fleet spool; returns the requests read. */
  importFile(file: string): Promise<number>;
  close(): Promise<void>;
}
