import type { RouterConfig } from '../config/router-config.js';
import { budgetCaps } from './budget-guard.js';
import type { BudgetGuard } from './budget-guard.js';
import { createMemoryBudgetGuard } from './budget-guard.js';
import { openLedger, resolveLedgerPath, type Db } from './ledger-db.js';
import { LedgerSink } from './ledger-sink.js';
import { createSqliteBudgetGuard } from './sqlite-budget-guard.js';
import { resolveLedgerUrl } from './pg/ledger-url.js';
import { resolveInstance } from './instance-name.js';
import type { RouterSink } from '../router/router.js';

export interface UsageLedger {
  path: string;
  sink: LedgerSink;
  budget: BudgetGuard;
  /** Flushes buffered rows and closes the file. */
  close(): void;
}

export interface LedgerOptions {
  /** The SQLite file; given, it wins over a configured PostgreSQL URL. */
  path?: string;
  /** This router's name in a shared ledger. */
  instance?: string;
  onWarning?: (message: string) => void;
  /** Reservations asked together share a transaction (a server's concurrent requests). */
  batchReservations?: boolean;
}

/** Either ledger, as a command uses it: its name, the router's sink and budget, and how to close it. */
export interface AnyUsageLedger {
  kind: 'sqlite' | 'postgres';
  /** The file, or the PostgreSQL URL with any password hidden. */
  path: string;
  /** This router's name in a shared ledger (PostgreSQL). */
  instance?: string;
  sink: RouterSink;
  budget: BudgetGuard;
  close(): void | Promise<void>;
}

/**
 * The ledger a config names: PostgreSQL when $HYBRIDLLM_LEDGER_URL or ledger.url is set (shared by a fleet),
 * else the SQLite file (--ledger, $HYBRIDLLM_LEDGER, ledger.path, ~/.hybridllm/usage.db).
 */
export async function openConfiguredLedger(
  config: RouterConfig,
  options: LedgerOptions = {},
): Promise<AnyUsageLedger> {
  const url = options.path ? undefined : resolveLedgerUrl(config);
  const named = { ...options, instance: options.instance ?? resolveInstance(config) };
  if (url) {
    const { openFleetLedger } = await import('./pg/fleet-ledger.js');
    return openFleetLedger(config, url, named);
  }
  return { kind: 'sqlite', ...openUsageLedger(config, named) };
}

/**
 * Production monitoring in one call: the SQLite ledger as a router sink and the budget guard over the same
 * file. `createRouter(config, { backends, sinks: [ledger.sink], budget: ledger.budget })`. When the file is
 * unusable the sink falls back to JSONL and the budget to memory, so the router keeps serving.
 */
export function openUsageLedger(config: RouterConfig, options: LedgerOptions = {}): UsageLedger {
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
    ...(options.instance ? { instance: options.instance } : {}),
  });
  if (openError && !db) {
    // The sink already warned and writes to its fallback; the budget holds in memory for this process.
    return { path, sink, budget: createMemoryBudgetGuard(budgetCaps(config)), close: () => sink.close() };
  }
  const budget = options.batchReservations
    ? createSqliteBudgetGuard(db!, budgetCaps(config), undefined, { batch: true })
    : createSqliteBudgetGuard(db!, budgetCaps(config));
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
