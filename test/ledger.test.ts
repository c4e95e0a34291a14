import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealBackends } from '../src/backends/real-backends.js';
import { withEndpoint } from '../src/config/endpoint-override.js';
import { parseConfig } from '../src/config/load-config.js';
import type { RouterConfig } from '../src/config/router-config.js';
import { startMockServer, type MockServer } from '../src/fakes/mock-server.js';
import { createMemoryBudgetGuard, isoWeek } from '../src/ledger/budget-guard.js';
import { openLedger } from '../src/ledger/ledger-db.js';
import { LedgerSink } from '../src/ledger/ledger-sink.js';
import { createSqliteBudgetGuard } from '../src/ledger/sqlite-budget-guard.js';
import { openUsageLedger } from '../src/ledger/usage-ledger.js';
import { exportUsage, usageReport } from '../src/ledger/usage-query.js';
import { createRouter } from '../src/router/router.js';
import { createRealClock } from '../src/core/clock.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

const CONFIG_FILE = new URL('./fixtures/budget-config.yaml', import.meta.url).pathname;
const BURST = new URL('./fixtures/ledger-burst.ts', import.meta.url).pathname;
const OPEN = new URL('./fixtures/open-ledger.ts', import.meta.url).pathname;
const ENV = { ANTHROPIC_API_KEY: 'k', OPENAI_API_KEY: 'k' };

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  patch: Partial<RouterConfig> = {},
): Promise<{ config: RouterConfig; ledgerPath: string }> {
  const base = parseConfig(readFileSync(CONFIG_FILE, 'utf8'), CONFIG_FILE);
  server = await startMockServer({ config: base, timeScale: 0.2 });
  return { config: { ...withEndpoint(base, server.url), ...patch }, ledgerPath: join(tempDir(), 'usage.db') };
}

function routerWith(config: RouterConfig, ledger: ReturnType<typeof openUsageLedger>) {
  return createRouter(config, {
    backends: createRealBackends({ clock: createRealClock(), configFile: CONFIG_FILE, env: ENV }),
    clock: createRealClock(),
    sinks: [ledger.sink],
    budget: ledger.budget,
  });
}

const spentOnDay = (path: string): number => {
  const db = openLedger(path, { readonly: true });
  try {
    return (db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS s FROM attempts').get() as { s: number }).s;
  } finally {
    db.close();
  }
};

function runBurst(url: string, ledger: string, count: number, batch = 50, loop = false) {
  return spawn(
    process.execPath,
    ['--import', 'tsx', BURST, url, ledger, String(count), String(batch), ...(loop ? ['loop'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

const exited = (child: ReturnType<typeof spawn>): Promise<number | null> =>
  new Promise((resolve) => child.on('exit', (code) => resolve(code)));

/** Everything a child process printed, once it has exited. */
const output = (
  child: ReturnType<typeof spawn>,
): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });

describe('usage ledger', () => {
  it('records every attempt of a routed request with its fields', async () => {
    const { config, ledgerPath } = await setup();
    server!.faults.script('claude-sonnet-4-6', 'server_error');
    const ledger = openUsageLedger(
      { ...config, retry: { ...config.retry, maxRetries: 1, baseDelayMs: 1 } },
      { path: ledgerPath },
    );
    const result = await routerWith(
      { ...config, retry: { ...config.retry, maxRetries: 1, baseDelayMs: 1 } },
      ledger,
    ).route({ id: 'r1', action: 'orchestration', prompt: 'Plan it', expects: 'json', maxTokens: 100 });
    ledger.close();
    const db = openLedger(ledgerPath, { readonly: true });
    const rows = db.prepare('SELECT * FROM attempts ORDER BY step').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      request_id: 'r1',
      step: 0,
      action: 'orchestration',
      complexity: 'COMPLEX',
      tier: 'API_FALLBACK',
      model: 'claude-sonnet-4-6',
      provider: 'anthropic',
      outcome: 'TransientError',
      cost_usd: 0,
      prompt: null,
      response: null,
    });
    const ok = result.attempts[1]!;
    expect(rows[1]).toMatchObject({
      step: 1,
      outcome: 'pass',
      input_tokens: ok.inputTokens,
      output_tokens: ok.outputTokens,
      cost_usd: ok.costUsd,
      confidence: ok.confidence,
    });
    expect(JSON.parse(rows[1]!['checks'] as string)).toEqual({ format: 1, completeness: 1, coherence: 1 });
    expect(db.prepare('SELECT * FROM requests').get()).toMatchObject({
      request_id: 'r1',
      attempts: 2,
      passed: 1,
      final_model: 'claude-sonnet-4-6',
    });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('200 concurrent requests against the fake Anthropic server never overspend the daily budget (local_only)', async () => {
    const { config, ledgerPath } = await setup();
    const ledger = openUsageLedger(config, { path: ledgerPath });
    const router = routerWith(config, ledger);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        router.route({
          id: `c${i}`,
          action: 'orchestration',
          prompt: 'Plan the release',
          expects: 'json',
          maxTokens: 100,
        }),
      ),
    );
    ledger.close();
    const spent = spentOnDay(ledgerPath);
    expect(spent).toBeLessThanOrEqual(0.2);
    expect(spent).toBeGreaterThan(0.1);
    const limited = results.filter((r) => r.budgetLimited);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) expect(r.model).toBe('phi3:mini'); // served from the best local tier, marked
  });

  it('two processes sharing one ledger file never overspend it together', async () => {
    const { ledgerPath } = await setup();
    const runs = await Promise.all([
      output(runBurst(server!.url, ledgerPath, 150)),
      output(runBurst(server!.url, ledgerPath, 150)),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    // Neither process fell back to a budget of its own (which would let the two spend twice the cap).
    for (const run of runs) expect(run.err).not.toMatch(/usage ledger|instead/);
    const spent = spentOnDay(ledgerPath);
    expect(spent).toBeLessThanOrEqual(0.2);
    expect(spent).toBeGreaterThan(0.1);
    const db = openLedger(ledgerPath, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n).toBe(300);
    db.close();
  }, 60_000);

  it('several processes creating the same new ledger at once all open it: one migrates, none falls back', async () => {
    for (let round = 0; round < 3; round++) {
      const path = join(tempDir(), 'fresh.db');
      const startMs = String(Date.now() + 1500);
      const opened = await Promise.all(
        Array.from({ length: 3 }, () =>
          output(
            spawn(process.execPath, ['--import', 'tsx', OPEN, path, startMs], {
              stdio: ['ignore', 'pipe', 'pipe'],
            }),
          ),
        ),
      );
      expect(opened.map((o) => o.out.trim())).toEqual(['ok', 'ok', 'ok']);
    }
  }, 60_000);

  it('reject: a request that needs the API when the budget is spent fails with BudgetExhaustedError', async () => {
    const { config, ledgerPath } = await setup({ onBudgetExhausted: 'reject', dailyBudgetUsd: 0.0001 });
    const ledger = openUsageLedger(config, { path: ledgerPath });
    await expect(
      routerWith(config, ledger).route({
        action: 'orchestration',
        prompt: 'Plan',
        expects: 'json',
        maxTokens: 100,
      }),
    ).rejects.toMatchObject({ name: 'BudgetExhaustedError' });
    ledger.close();
  });

  it('days roll over at midnight in the configured time zone; weekly caps and one alert per window', () => {
    const db = openLedger(join(tempDir(), 'tz.db'));
    const alerts: string[] = [];
    const guard = createSqliteBudgetGuard(db, {
      dailyUsd: 1,
      weeklyUsd: 1.5,
      alertThreshold: 0.8,
      timeZone: 'America/New_York',
      onAlert: (m) => alerts.push(m),
    });
    const lateFeb28 = Date.parse('2026-03-01T04:59:00Z'); // 23:59 on Feb 28 in New York
    const r1 = guard.reserve(0.9, lateFeb28)!;
    guard.settle(r1, 0.9);
    expect(guard.reserve(0.2, lateFeb28)).toBeUndefined(); // that day is spent
    const r2 = guard.reserve(0.2, Date.parse('2026-03-01T05:01:00Z')); // 00:01 on Mar 1 in New York: a new day
    expect(r2?.windows).toEqual(['d:2026-03-01', 'w:2026-W09']);
    guard.settle(r2!, 0.2);
    expect(guard.reserve(0.5, Date.parse('2026-03-01T12:00:00Z'))).toBeUndefined(); // the weekly cap (1.5) holds
    expect(alerts).toEqual(['daily budget (2026-02-28): $0.90 of $1.00 committed (90%, alert at 80%)']);
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    db.close();
    // the in-memory guard of the simulator follows the same rule
    const memory = createMemoryBudgetGuard({ dailyUsd: 1, timeZone: 'Asia/Tokyo' });
    expect(memory.reserve(1, Date.parse('2026-01-01T14:59:00Z'))).toBeDefined();
    expect(memory.reserve(0.5, Date.parse('2026-01-01T14:59:30Z'))).toBeUndefined();
    expect(memory.reserve(0.5, Date.parse('2026-01-01T15:00:00Z'))).toBeDefined(); // midnight in Tokyo
  });

  it('batched: reservations asked together share one transaction, granted in the order asked up to the cap', async () => {
    const path = join(tempDir(), 'batch.db');
    const db = openLedger(path);
    const guard = createSqliteBudgetGuard(db, { dailyUsd: 1 }, undefined, { batch: true });
    const at = Date.parse('2026-05-01T12:00:00Z');
    const asked = Array.from({ length: 10 }, () => guard.reserve(0.15, at));
    expect(asked.every((a) => a instanceof Promise)).toBe(true);
    const granted = await Promise.all(asked);
    expect(granted.map((g) => g !== undefined)).toEqual([...Array(6).fill(true), ...Array(4).fill(false)]);
    expect(guard.committed(at)).toBeCloseTo(0.9, 12);
    // Another process on the same file sees the batch's reservations: the cap holds across processes.
    const other = createSqliteBudgetGuard(openLedger(path), { dailyUsd: 1 });
    expect(other.reserve(0.15, at)).toBeUndefined();
    expect(other.reserve(0.1, at)).toBeDefined();
    for (const g of granted) if (g) guard.settle(g, 0.05);
    guard.flush?.();
    expect(guard.committed(at)).toBeCloseTo(0.3 + 0.1, 12);
    db.close();
  });

  it('exports round-trip: CSV and JSONL parse back to the same rows', async () => {
    const { config, ledgerPath } = await setup();
    const ledger = openUsageLedger(config, { path: ledgerPath });
    const router = routerWith(config, ledger);
    for (let i = 0; i < 5; i++)
      await router.route({
        id: `e${i}`,
        action: i % 2 ? 'tag' : 'orchestration',
        prompt: 'Do it',
        expects: 'json',
        maxTokens: 100,
      });
    ledger.close();
    const db = openLedger(ledgerPath, { readonly: true });
    const window = { sinceMs: 0, untilMs: Date.now() + 1000 };
    const stored = db.prepare('SELECT * FROM attempts ORDER BY ts_ms, request_id, step').all() as Record<
      string,
      unknown
    >[];
    const csvFile = join(tempDir(), 'usage.csv');
    expect(await exportUsage(db, window, csvFile)).toBe(stored.length);
    const fromCsv = parse(readFileSync(csvFile, 'utf8'), {
      columns: true,
      cast: (value, context) =>
        context.header || value === ''
          ? value === ''
            ? null
            : value
          : /^-?\d+(\.\d+)?(e-?\d+)?$/.test(value)
            ? Number(value)
            : value,
    }) as Record<string, unknown>[];
    expect(fromCsv).toEqual(stored.map(({ id: _id, ...row }) => row));
    const jsonlFile = join(tempDir(), 'usage.jsonl');
    await exportUsage(db, window, jsonlFile);
    expect(
      readFileSync(jsonlFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(stored.map(({ id: _id, ...row }) => row));
    const report = usageReport(db, window, 'model', 10);
    expect(report.requests).toBe(5);
    expect(report.groups.rows.map((r) => r.key).sort()).toEqual(['claude-sonnet-4-6', 'phi3:mini']);
    db.close();
  });

  it('a process killed with SIGKILL mid-burst leaves a readable ledger with every committed row whole', async () => {
    const { ledgerPath } = await setup();
    const child = runBurst(server!.url, ledgerPath, 20, 5, true);
    const deadline = Date.now() + 20_000;
    let rows = 0;
    while (rows < 40 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const db = openLedger(ledgerPath, { readonly: true });
        rows = (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
        db.close();
      } catch {
        rows = 0;
      }
    }
    child.kill('SIGKILL');
    await exited(child);
    expect(rows).toBeGreaterThanOrEqual(40);
    const db = openLedger(ledgerPath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const { requests, attempts, expected } = db
      .prepare(
        'SELECT (SELECT COUNT(*) FROM requests) AS requests, (SELECT COUNT(*) FROM attempts) AS attempts, (SELECT SUM(attempts) FROM requests) AS expected',
      )
      .get() as { requests: number; attempts: number; expected: number };
    expect(requests).toBeGreaterThanOrEqual(rows);
    expect(attempts).toBe(expected); // a request and its attempts commit together
    db.close();
  }, 60_000);

  it('a corrupt ledger file gets a clear warning; the router keeps serving and usage goes to a fallback JSONL, importable later', async () => {
    const { config, ledgerPath } = await setup();
    writeFileSync(ledgerPath, 'this is not a database, just text '.repeat(200));
    const warnings: string[] = [];
    const ledger = openUsageLedger(config, { path: ledgerPath, onWarning: (m) => warnings.push(m) });
    const result = await routerWith(config, ledger).route({
      id: 'x1',
      action: 'tag',
      prompt: 'Tag it',
      expects: 'json',
    });
    expect(result.passed).toBe(true);
    ledger.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /usage\.db: cannot use the usage ledger: the file is not a valid SQLite database \(corrupt, or not a ledger\)\. .*usage is written to .*usage\.db\.fallback\.jsonl instead/,
    );
    const fallback = `${ledgerPath}.fallback.jsonl`;
    expect(readFileSync(fallback, 'utf8').trim().split('\n')).toHaveLength(1);
    const fresh = join(tempDir(), 'fresh.db');
    const { code, stdout } = await runCli([
      'usage',
      '--ledger',
      fresh,
      '--import',
      fallback,
      '--config',
      CONFIG_FILE,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/imported 1 request\(s\)/);
  });

  it('a locked ledger falls back too: nothing is dropped', async () => {
    const { config, ledgerPath } = await setup();
    const holder = openLedger(ledgerPath);
    holder.exec('BEGIN EXCLUSIVE');
    const warnings: string[] = [];
    const sink = new LedgerSink({
      path: ledgerPath,
      db: openLedger(ledgerPath, { busyTimeoutMs: 50 }),
      batchSize: 1,
      onWarning: (m) => warnings.push(m),
    });
    const router = createRouter(config, {
      backends: createRealBackends({ clock: createRealClock(), configFile: CONFIG_FILE, env: ENV }),
      clock: createRealClock(),
      sinks: [sink],
    });
    await router.route({ id: 'l1', action: 'tag', prompt: 'Tag it', expects: 'json' });
    sink.close();
    holder.exec('ROLLBACK');
    holder.close();
    expect(warnings[0]).toMatch(/cannot write the usage ledger: database is locked/);
    expect(sink.fallbackRows).toBe(1);
  });

  it('hybridllm usage prints the weekly review and --json', async () => {
    const { config, ledgerPath } = await setup();
    const ledger = openUsageLedger(config, { path: ledgerPath });
    const router = routerWith(config, ledger);
    for (let i = 0; i < 4; i++)
      await router.route({
        id: `u${i}`,
        action: i < 3 ? 'tag' : 'orchestration',
        prompt: 'Do it',
        expects: 'json',
        maxTokens: 100,
      });
    ledger.close();
    const text = await runCli(['usage', '--ledger', ledgerPath, '--config', CONFIG_FILE, '--by', 'model']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/4 requests, 4 calls/);
    expect(text.stdout).toMatch(/local share 75\.0%/);
    expect(text.stdout).toMatch(/SPEND PER DAY \(budget \$0\.20\)/);
    const json = JSON.parse(
      (await runCli(['usage', '--ledger', ledgerPath, '--config', CONFIG_FILE, '--json'])).stdout,
    ) as { requests: number; groups: { by: string } };
    expect(json).toMatchObject({ requests: 4, groups: { by: 'tier' } });
    const bad = await runCli([
      'usage',
      '--ledger',
      ledgerPath,
      '--config',
      CONFIG_FILE,
      '--since',
      'last tuesday',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since last tuesday: expected a duration like 7d/);
  });
});

describe('usage days', () => {
  it('are calendar days in the budget time zone', async () => {
    const { batchWriter } = await import('../src/ledger/ledger-sink.js');
    const db = openLedger(join(tempDir(), 'tz-usage.db'));
    const request = (id: string, ts: number) => ({
      attempts: [],
      request: {
        request_id: id,
        ts_ms: ts,
        action: 'tag',
        complexity: 'SIMPLE',
        start_tier: 'API_FALLBACK',
        final_tier: 'API_FALLBACK',
        final_model: 'm',
        passed: 1,
        confidence: 1,
        attempts: 1,
        cost_usd: 1,
        input_tokens: 1,
        output_tokens: 1,
        latency_ms: 1,
        budget_limited: 0,
      },
    });
    batchWriter(db)([
      request('a', Date.parse('2026-03-01T04:30:00Z')),
      request('b', Date.parse('2026-03-01T05:30:00Z')),
    ]);
    const window = { sinceMs: 0, untilMs: Date.parse('2027-01-01') };
    expect(usageReport(db, window, 'tier', 10, 'America/New_York').perDay.map((d) => d.day)).toEqual([
      '2026-02-28',
      '2026-03-01',
    ]);
    expect(usageReport(db, window, 'tier', 10, 'UTC').perDay.map((d) => d.day)).toEqual(['2026-03-01']);
    db.close();
  });
});

describe('report --from-ledger', () => {
  it('renders the savings report from real usage, and beside a simulation with --against', async () => {
    const { config, ledgerPath } = await setup();
    const ledger = openUsageLedger({ ...config, dailyBudgetUsd: 100 }, { path: ledgerPath });
    const router = routerWith({ ...config, dailyBudgetUsd: 100 }, ledger);
    for (let i = 0; i < 6; i++)
      await router.route({
        id: `f${i}`,
        action: i < 4 ? 'tag' : 'orchestration',
        prompt: 'Do it',
        expects: 'json',
        maxTokens: 100,
      });
    ledger.close();
    const out = join(tempDir(), 'usage.html');
    const { code, stderr } = await runCli([
      'report',
      '--from-ledger',
      '--ledger',
      ledgerPath,
      '--config',
      CONFIG_FILE,
      '--out',
      out,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Real usage from the ledger: 6 requests');
    expect(html).toContain('pure-API quality cannot be measured from usage');
    // what pure API would have cost for the same tokens, at the API model's prices
    const db = openLedger(ledgerPath, { readonly: true });
    const { tokens } = db
      .prepare('SELECT SUM(input_tokens * 3 + output_tokens * 15) / 1e6 AS tokens FROM requests')
      .get() as { tokens: number };
    db.close();
    const { simulate } = await import('../src/sim/simulate.js');
    const { runDir } = await simulate({
      configFile: CONFIG_FILE,
      scenario: 'light',
      days: 2,
      out: tempDir(),
      parallel: false,
    });
    const both = join(tempDir(), 'both.html');
    expect(
      (
        await runCli([
          'report',
          '--from-ledger',
          '--ledger',
          ledgerPath,
          '--config',
          CONFIG_FILE,
          '--against',
          runDir!,
          '--out',
          both,
        ])
      ).code,
    ).toBe(0);
    const comparison = readFileSync(both, 'utf8');
    expect(comparison).toContain('Every scenario against every API-only alternative');
    expect(comparison).toMatch(/real usage[\s\S]*light/);
    const { summaryFromLedger, sqliteLedgerRows } = await import('../src/ledger/ledger-summary.js');
    const ledgerDb = openLedger(ledgerPath, { readonly: true });
    const summary = await summaryFromLedger(
      sqliteLedgerRows(ledgerDb),
      { sinceMs: 0, untilMs: Date.now() + 1 },
      parseConfig(readFileSync(CONFIG_FILE, 'utf8'), CONFIG_FILE),
      'test',
    );
    ledgerDb.close();
    expect(summary.cost.pureApi.usd).toBeCloseTo(tokens, 10);
  });

  it('a ledger nothing has written yet is named as such, by usage and report alike', async () => {
    const missing = join(tempDir(), 'never-written.db');
    for (const args of [
      ['usage', '--ledger', missing],
      ['report', '--from-ledger', '--ledger', missing],
    ]) {
      const { code, stderr } = await runCli([...args, '--config', CONFIG_FILE]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `error: ${missing}: no usage ledger here yet. It is written by hybridllm serve and route --backend real (at ledger.path in the config); pass --ledger FILE to read another.\n`,
      );
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('says to use --ledger when the ledger file is given as --from-ledger FILE', async () => {
    const { config, ledgerPath } = await setup();
    openUsageLedger({ ...config, dailyBudgetUsd: 100 }, { path: ledgerPath }).close();
    const { code, stderr } = await runCli(['report', '--from-ledger', ledgerPath, '--config', CONFIG_FILE]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `error: --from-ledger takes no value: to read the SQLite ledger ${ledgerPath}, pass it as --ledger ${ledgerPath}\n`,
    );
  });
});
