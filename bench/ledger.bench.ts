/**
 * `npm run bench:ledger`: requests recorded per second, sustained at concurrency 50, into the SQLite ledger
 * and into PostgreSQL (a real server from Debian's package, started here on 127.0.0.1 and removed after),
 * side by side in one run; and the latency the budget check adds before each API call (reserve), p50/p99.
 *
 * Each request is what the router does around one API call: reserve the worst case, settle the actual cost,
 * hand the request and its attempt to the ledger sink. The upstream call itself is left out: it is the same
 * for both ledgers and would hide their difference.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { quantileSorted } from 'simple-statistics';
import { loadConfigFile } from '../src/config/load-config.js';
import type { AnyUsageLedger } from '../src/ledger/usage-ledger.js';
import { openUsageLedger } from '../src/ledger/usage-ledger.js';
import type { AttemptRecord, RouteRequest, RouteResult } from '../src/router/types.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { tempDir } from '../test/helpers/temp.js';

const CONCURRENCY = 50;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const config = loadConfigFile('llm_config.yaml', undefined, [
  'router.daily_budget_usd=1000000',
  'ledger.batch_size=50',
]);

function requestOf(i: number): { result: RouteResult; request: RouteRequest } {
  const attempt: AttemptRecord = {
    requestId: `bench-${i}`,
    step: 0,
    model: 'claude-sonnet-4-6',
    provider: 'anthropic',
    tier: 'API_FALLBACK',
    inputTokens: 420,
    outputTokens: 180,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.00396,
    ttftMs: 310,
    latencyMs: 1800,
    localBusyMs: 0,
    confidence: 0.91,
    checks: { format: { score: 1, note: '' }, completeness: { score: 0.9, note: '' } },
    passed: true,
    finishReason: 'stop',
  };
  return {
    request: { prompt: 'Plan the migration of three services to the new cluster.' },
    result: {
      id: `bench-${i}`,
      action: 'plan',
      complexity: 'COMPLEX',
      tier: 'API_FALLBACK',
      reason: 'bench',
      model: 'claude-sonnet-4-6',
      finalTier: 'API_FALLBACK',
      text: '',
      passed: true,
      confidence: 0.91,
      attempts: [attempt],
      totals: { costUsd: 0.00396, latencyMs: 1800, inputTokens: 420, outputTokens: 180, attempts: 1 },
      budgetLimited: false,
      startedAtMs: Date.now(),
    },
  };
}

interface Measured {
  requestsPerSecond: number;
  reserveMs: { p50: number; p99: number };
  requests: number;
}

async function measure(ledger: AnyUsageLedger, drain: () => Promise<void>): Promise<Measured> {
  const reserveTimes: number[] = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { result, request } = requestOf(next++);
      const t = performance.now();
      const held = ledger.budget.reserve(0.0063, Date.now());
      const reservation = held instanceof Promise ? await held : held;
      reserveTimes.push(performance.now() - t);
      if (!reservation) throw new Error('the bench budget ran out');
      ledger.budget.settle(reservation, 0.00396);
      ledger.sink.onRequest?.(result, request);
      await new Promise((r) => setImmediate(r)); // the upstream call would yield here
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await drain(); // every row written before the clock stops
  const seconds = (performance.now() - start) / 1000;
  reserveTimes.sort((a, b) => a - b);
  return {
    requestsPerSecond: next / seconds,
    reserveMs: { p50: quantileSorted(reserveTimes, 0.5), p99: quantileSorted(reserveTimes, 0.99) },
    requests: next,
  };
}

const pgServer = await startPostgres();
const dir = tempDir('hybridllm-bench-ledger-');
try {
  process.stdout.write(
    `bench:ledger — concurrency ${CONCURRENCY}, ${SECONDS} s each, one run side by side\n`,
  );
  const sqlite = openUsageLedger(config, { path: join(dir, 'usage.db'), instance: 'bench' });
  const sqliteResult = await measure({ kind: 'sqlite', ...sqlite }, async () => {
    sqlite.budget.flush?.();
    sqlite.sink.flush();
  });
  sqlite.close();
  const { openFleetLedger } = await import('../src/ledger/pg/fleet-ledger.js');
  const fleet = await openFleetLedger(
    { ...config, ledger: { ...config.ledger, spoolPath: join(dir, 'spool.jsonl') } },
    pgServer.url,
    { instance: 'bench', onWarning: (m) => process.stderr.write(`warning: ${m}\n`) },
  );
  const pgResult = await measure(fleet, async () => {
    await fleet.budget.flush();
    await fleet.sink.drain();
  });
  const { rows } = await fleet.pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM requests');
  await fleet.close();
  if (rows[0]!.n !== pgResult.requests)
    throw new Error(`PostgreSQL holds ${rows[0]!.n} requests of ${pgResult.requests} recorded`);
  const line = (name: string, m: Measured): string =>
    `  ${name.padEnd(12)} ${Math.round(m.requestsPerSecond).toLocaleString('en-US').padStart(8)} req/s   budget check p50 ${m.reserveMs.p50.toFixed(3)} ms, p99 ${m.reserveMs.p99.toFixed(3)} ms   (${m.requests.toLocaleString('en-US')} requests)`;
  process.stdout.write(
    `${line('SQLite', sqliteResult)}\n${line('PostgreSQL', pgResult)}\n` +
      `  PostgreSQL / SQLite throughput: ${(pgResult.requestsPerSecond / sqliteResult.requestsPerSecond).toFixed(2)}×\n`,
  );
} finally {
  pgServer.destroy();
  rmSync(dir, { recursive: true, force: true });
}
