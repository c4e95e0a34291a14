import type { RouterConfig } from '../config/router-config.js';
import { budgetCaps } from './budget-guard.js';
import type { BudgetGuard } from './budget-guard.js';
import { createMemoryBudgetGuard } from './budget-guard.js';
import { openLedger, resolveLedgerPath, type Db } from './ledger-db.js';
import { LedgerSink } from './ledger-sink.js';
import { createSqliteBudgetGuard } from './sqlite-budget-guard.js';

export interface UsageLedger {
  path: string;
  sink: LedgerSink;
  budget: BudgetGuard;
  /** Flushes buffered rows and closes the file. */
  close(): void;
}

/**
 * Production monitoring in one call: the SQLite ledger as a router sink and the budget guard over the same
 * file. `createRouter(config, { backends, sinks: [ledger.sink], budget: ledger.budget })`. When the file is
 * unusable the sink falls back to JSONL and the budget to memory, so the router keeps serving.
 */
export function openUsageLedger(
  config: RouterConfig,
  options: { path?: string; onWarning?: (message: string) => void } = {},
): UsageLedger {
  const path = resolveLedgerPath(options.path, config.ledger.path);
  let db: Db | undefined;
  let openError: unknown;
  try {
    db = openLedger(path);
  } catch (error) {
    openError = error;
  }
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const sink = new LedgerSink({
    path,
    storeText: config.ledger.storeText,
    batchSize: config.ledger.batchSize,
    onWarning: warn,
    ...(db ? { db } : {}),
  });
  if (openError && !db) {
    // The sink already warned and writes to its fallback; the budget holds in memory for this process.
    return { path, sink, budget: createMemoryBudgetGuard(budgetCaps(config)), close: () => sink.close() };
  }
  const budget = createSqliteBudgetGuard(db!, budgetCaps(config));
  return {
    path,
    sink,
    budget,
    close: () => {
      budget.flush?.();
      sink.close();
      db!.close();
    },
  };
}
