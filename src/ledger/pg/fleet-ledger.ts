import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolveInstance } from '../instance-name.js';
import { dirname, join } from 'node:path';
import type { RouterConfig } from '../../config/router-config.js';
import { budgetCaps } from '../budget-guard.js';
import { createPgBudgetGuard, type PgBudgetGuard } from './pg-budget-guard.js';
import { FleetLink } from './fleet-link.js';
import { redactUrl } from './ledger-url.js';
import { createPgPool, migratePg, type PgPool } from './pg-ledger-db.js';
import { PgLedgerSink } from './pg-ledger-sink.js';

export interface FleetLedger {
  kind: 'postgres';
  /** The URL with any password hidden. */
  path: string;
  instance: string;
  pool: PgPool;
  link: FleetLink;
  sink: PgLedgerSink;
  budget: PgBudgetGuard;
  close(): Promise<void>;
}

/**
 * The shared PostgreSQL ledger for one instance of a fleet: schema brought up to date, the sink and the
 * budget guard over one pool, and the link that spools while the database is unreachable. It must be
 * reachable at start (a fleet member that starts blind would not know what the others have spent).
 */
export async function openFleetLedger(
  config: RouterConfig,
  url: string,
  options: { instance?: string; onWarning?: (message: string) => void; poolSize?: number } = {},
): Promise<FleetLedger> {
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const instance = options.instance ?? resolveInstance(config);
  // A serving instance's queries are small (a batch of rows, a reservation): 15 s means the link is dead.
  const pool = createPgPool(url, options.poolSize ?? 20, 15_000);
  try {
    await migratePg(pool, url);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const spoolPath =
    config.ledger.spoolPath ??
    join(homedir(), '.hybridllm', `spool-${instance.replace(/[^\w.-]+/g, '_')}.jsonl`);
  mkdirSync(dirname(spoolPath), { recursive: true });
  const guard: { budget?: PgBudgetGuard } = {};
  const link = new FleetLink(pool, {
    spoolPath,
    onWarning: warn,
    onReconnect: () => guard.budget?.reconnected(),
    describeOutage: () =>
      `API calls spend only this instance's outage lease (${(guard.budget?.outageAllowance(Date.now()) ?? []).map((l) => `${l.key} $${l.usd.toFixed(6)}`).join(', ')})`,
  });
  const budget = (guard.budget = createPgBudgetGuard(link, budgetCaps(config), {
    instance,
    partitionOnOutage: config.budget.partitionOnOutage,
    reservationTimeoutMs: config.budget.reservationTimeoutMs,
    onWarning: warn,
  }));
  const sink = new PgLedgerSink(link, {
    instance,
    storeText: config.ledger.storeText,
    batchSize: config.ledger.batchSize,
    onWarning: warn,
  });
  return {
    kind: 'postgres',
    path: redactUrl(url),
    instance,
    pool,
    link,
    sink,
    budget,
    close: async () => {
      // Each step on its own: a database gone at shutdown leaves the rows in the spool, never an error.
      const warnOf = (step: string) => (error: unknown) =>
        warn(`closing the PostgreSQL ledger (${step}): ${(error as Error).message}`);
      await sink.drain().catch(warnOf('rows'));
      await budget.close().catch(warnOf('budget'));
      await link.close().catch(warnOf('spool'));
      await pool.end().catch(() => {});
    },
  };
}
