import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startCliMock, type CliMock } from '../helpers/cli-mock.js';
import { startCliServe, type CliServe } from '../helpers/cli-serve.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { startTcpCut } from '../helpers/tcp-cut.js';
import { tempDir } from '../helpers/temp.js';

// A fleet of `hybridllm serve` processes over one real PostgreSQL server (Debian's package, started here
// on 127.0.0.1 and removed after), against the mock's API models. Each test has a database of its own.

const UPSTREAM_KEYS = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };
let server: PostgresServer;
const started: { stop(): unknown }[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
  for (const pool of pools) await pool.end();
  server?.destroy();
});

/** A fresh database on the server: its URL and a pool to read it. */
async function database(name: string): Promise<{ url: string; db: pg.Pool }> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = server.url.replace(/\/postgres$/, `/${name}`);
  const db = new pg.Pool({ connectionString: url });
  db.on('error', () => {}); // an idle connection cut when the test stops the server
  pools.push(db);
  return { url, db };
}

async function mock(args: string[] = []): Promise<CliMock> {
  const m = await startCliMock(['--time-scale', '0.05', ...args]);
  started.push(m);
  return m;
}

interface Instance extends CliServe {
  name: string;
  spool: string;
}
/** `url` is the database for all, or one URL each (one instance's own road to it, to cut it alone). */
async function fleet(
  count: number,
  upstream: CliMock,
  url: string | string[],
  sets: string[],
): Promise<Instance[]> {
  const dir = tempDir();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `router-${String.fromCharCode(97 + i)}`;
      const spool = join(dir, `${name}.spool.jsonl`);
      const s = await startCliServe(
        [
          '--base-url',
          upstream.url,
          '--set',
          'router.self_critique=false',
          '--set',
          `ledger.spool_path=${spool}`,
          '--set',
          'ledger.batch_size=10',
          ...sets.flatMap((set) => ['--set', set]),
        ],
        {
          ...UPSTREAM_KEYS,
          HYBRIDLLM_LEDGER_URL: typeof url === 'string' ? url : url[i]!,
          HYBRIDLLM_INSTANCE: name,
        },
      );
      started.push(s);
      return Object.assign(s, { name, spool });
    }),
  );
}

/** One chat request pinned to the API tier: its worst case (300 output tokens) is reserved first. */
async function apiRequest(instance: Instance, i: number): Promise<number> {
  try {
    const response = await fetch(`${instance.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'hybridllm/API_FALLBACK',
        max_tokens: 300,
        messages: [{ role: 'user', content: `Plan the migration of service ${i} to the new cluster.` }],
      }),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // the connection died: the instance was killed
  }
}

/** Two clients per instance sending API requests back to back (a pause after a refusal) until stopped. */
function load(instances: Instance[]): {
  seen: { instance: string; status: number; at: number }[];
  stop(): Promise<void>;
} {
  const seen: { instance: string; status: number; at: number }[] = [];
  let running = true;
  let n = 0;
  const loops = instances.flatMap((s) =>
    [0, 1].map(async () => {
      while (running) {
        const status = await apiRequest(s, n++);
        seen.push({ instance: s.name, status, at: Date.now() });
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
  return {
    seen,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const one = async <T extends pg.QueryResultRow>(db: pg.Pool, sql: string, args: unknown[] = []): Promise<T> =>
  (await db.query<T>(sql, args)).rows[0]!;

/** The ledger's totals: requests and attempts, API spend in the rows and in the budget's window rows. */
async function totals(db: pg.Pool): Promise<{
  requests: number;
  attempts: number;
  stepsSum: number;
  rowSpend: number;
  spent: number;
  reserved: number;
}> {
  return one(
    db,
    `SELECT (SELECT COUNT(*) FROM requests)::int AS requests, (SELECT COUNT(*) FROM attempts)::int AS attempts,
            (SELECT COALESCE(SUM(attempts), 0) FROM requests)::int AS "stepsSum",
            (SELECT COALESCE(SUM(cost_usd), 0) FROM attempts)::float8 AS "rowSpend",
            (SELECT COALESCE(SUM(spent_usd), 0) FROM budget_windows WHERE window_key LIKE 'd:%')::float8 AS spent,
            (SELECT COALESCE(SUM(reserved_usd), 0) FROM budget_windows WHERE window_key LIKE 'd:%')::float8 AS reserved`,
  );
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a fleet of serve instances over one PostgreSQL ledger', () => {
  it('three instances, 150 concurrent requests each, one $0.20 day: the fleet spends at most $0.20', async () => {
    const { url, db } = await database('burst');
    const upstream = await mock();
    const instances = await fleet(3, upstream, url, [
      'router.daily_budget_usd=0.2',
      'router.on_budget_exhausted=reject',
    ]);
    const statuses = await Promise.all(
      instances.map((instance) =>
        Promise.all(Array.from({ length: 150 }, (_, i) => apiRequest(instance, i))),
      ),
    );
    const all = statuses.flat();
    const served = all.filter((s) => s === 200).length;
    const rejected = all.filter((s) => s === 429).length;
    expect(served + rejected).toBe(450);
    expect(rejected).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(20);
    for (const s of instances) expect(await s.stop()).toBe(0);

    const t = await totals(db);
    expect(t.rowSpend).toBeLessThanOrEqual(0.2 + 1e-9);
    expect(t.spent).toBeCloseTo(t.rowSpend, 9); // every settlement counted once
    expect(t.reserved).toBeCloseTo(0, 9);
    expect(t.requests).toBe(served);
    // Each instance's rows are its own answers.
    const perInstance = await db.query<{ instance: string; n: number }>(
      'SELECT instance, COUNT(*)::int AS n FROM requests GROUP BY instance ORDER BY instance',
    );
    expect(perInstance.rows).toEqual(
      instances
        .map((s, i) => ({ instance: s.name, n: statuses[i]!.filter((x) => x === 200).length }))
        .filter((row) => row.n > 0),
    );
    // Without the shared budget each would have had its own $0.20: the fleet would have spent far more.
    expect(served * (t.rowSpend / served) * 3).toBeGreaterThan(0.2);
    process.stdout.write(
      `fleet burst: ${served} served, ${rejected} rejected, $${t.rowSpend.toFixed(4)} spent of $0.20\n`,
    );

    // usage reads the shared ledger by instance.
    const usage = await runCli(['usage', '--by', 'instance', '--json'], {
      env: { HYBRIDLLM_LEDGER_URL: url },
    });
    expect(usage.code).toBe(0);
    const report = JSON.parse(usage.stdout) as { requests: number; groups: { rows: { key: string }[] } };
    expect(report.requests).toBe(served);
    expect(report.groups.rows.map((r) => r.key)).toEqual(perInstance.rows.map((r) => r.instance));
  }, 120_000);

  it('an instance killed mid-burst: its reservations expire, the others go on, no committed row is lost', async () => {
    const { url, db } = await database('kill');
    const upstream = await mock(['--ttft', 'claude-sonnet-4-6=60000']);
    const instances = await fleet(3, upstream, url, [
      'router.daily_budget_usd=1',
      'router.on_budget_exhausted=reject',
      'budget.reservation_timeout_s=2',
    ]);
    const [victim, ...others] = instances as [Instance, Instance, Instance];
    // Local answers first (fast), committed before the kill.
    const local = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${victim.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'hybridllm/LOCAL_FAST',
            messages: [{ role: 'user', content: `Tag ticket ${i}` }],
          }),
        }).then((r) => r.status),
      ),
    );
    expect(local.every((s) => s === 200)).toBe(true);
    await until(
      async () => (await one<{ n: number }>(db, 'SELECT COUNT(*)::int AS n FROM requests')).n === 12,
      5_000,
      'the local rows',
    );
    // API calls that take a minute: every instance holds reservations when the victim dies.
    const burst = instances.map((s) => Array.from({ length: 150 }, (_, i) => apiRequest(s, i)));
    await until(
      async () =>
        (await one<{ n: number }>(db, 'SELECT COUNT(DISTINCT instance)::int AS n FROM budget_reservations'))
          .n === 3,
      15_000,
      'reservations from all three',
    );
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const held = await one<{ n: number; usd: number }>(
      db,
      'SELECT COUNT(*)::int AS n, SUM(amount_usd)::float8 AS usd FROM budget_reservations WHERE instance = $1',
      [victim.name],
    );
    expect(held.n).toBeGreaterThan(0);
    const victimStatuses = await Promise.all(burst[0]!);
    // Cut off mid-call (or turned away by the budget before the kill: the others hold much of it).
    expect(victimStatuses.every((s) => s === 0 || s === 429)).toBe(true);
    expect(victimStatuses.filter((s) => s === 0).length).toBeGreaterThanOrEqual(held.n);

    // Within the timeout (and a heartbeat), the victim's reservations are spent at their worst case and gone.
    await until(
      async () =>
        (
          await one<{ n: number }>(
            db,
            'SELECT COUNT(*)::int AS n FROM budget_reservations WHERE instance = $1',
            [victim.name],
          )
        ).n === 0,
      10_000,
      "the victim's reservations to expire",
    );
    const expired = await one<{ n: number; usd: number }>(
      db,
      'SELECT COUNT(*)::int AS n, SUM(amount_usd)::float8 AS usd FROM budget_settlements WHERE expired',
    );
    expect(expired.n).toBeGreaterThanOrEqual(held.n);
    // The others still hold theirs (their heartbeat goes on) and can still reserve.
    const live = await one<{ n: number }>(
      db,
      'SELECT COUNT(*)::int AS n FROM budget_reservations WHERE instance <> $1',
      [victim.name],
    );
    expect(live.n).toBeGreaterThan(0);
    // The committed rows are all there.
    expect(
      (
        await one<{ n: number }>(db, 'SELECT COUNT(*)::int AS n FROM requests WHERE instance = $1', [
          victim.name,
        ])
      ).n,
    ).toBe(12);
    const window = await one<{ spent: number; reserved: number }>(
      db,
      `SELECT spent_usd AS spent, reserved_usd AS reserved FROM budget_windows WHERE window_key LIKE 'd:%'`,
    );
    expect(window.spent).toBeCloseTo(expired.usd, 9);
    expect(window.spent + window.reserved).toBeLessThanOrEqual(1 + 1e-9);
    for (const s of others) {
      s.child.kill('SIGKILL');
    }
    await Promise.all(burst.slice(1).flat());
  }, 120_000);

  it('PostgreSQL stopped for 10 s under load: each instance serves within its share, and the spool arrives once', async () => {
    const { url, db } = await database('outage');
    const upstream = await mock(['--ttft', 'claude-sonnet-4-6=300']);
    const cap = 0.8;
    const instances = await fleet(3, upstream, url, [
      `router.daily_budget_usd=${cap}`,
      'router.on_budget_exhausted=reject',
      'budget.partition_on_outage=1/3',
    ]);
    const { seen, stop: stopLoad } = load(instances);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await one<{ committed: number }>(
      db,
      `SELECT (spent_usd + reserved_usd)::float8 AS committed FROM budget_windows WHERE window_key LIKE 'd:%'`,
    );
    await db.end();
    pools.splice(pools.indexOf(db), 1);
    const stoppedAt = Date.now();
    server.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    server.start();
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    await stopLoad();
    for (const s of instances)
      await until(
        async () => !existsSync(s.spool) && !existsSync(`${s.spool}.replaying`),
        15_000,
        `${s.name}'s spool`,
      );
    for (const s of instances) {
      const exit = await s.stop();
      expect(
        exit,
        s
          .log()
          .split('\n')
          .filter((l) => !l.startsWith('{'))
          .join('\n'),
      ).toBe(0);
    }

    const during = seen.filter((x) => x.at > stoppedAt + 500 && x.at < startedAt);
    expect(during.filter((x) => x.status === 200).length).toBeGreaterThan(0);
    expect(seen.every((x) => x.status === 200 || x.status === 429)).toBe(true);
    for (const s of instances) expect(s.log()).toMatch(/PostgreSQL ledger is unreachable/);
    for (const s of instances) expect(s.log()).toMatch(/PostgreSQL ledger is back; \d+ spooled/);

    const after = new pg.Pool({ connectionString: url });
    after.on('error', () => {});
    pools.push(after);
    const t = await totals(after);
    // Exactly once: a row for every answer, and the spend of every settlement, none twice.
    expect(t.requests).toBe(seen.filter((x) => x.status === 200).length);
    expect(t.attempts).toBe(t.stepsSum);
    expect(t.spent).toBeCloseTo(t.rowSpend, 9);
    expect(t.reserved).toBeCloseTo(0, 9);
    // The fleet stays within the cap: each instance spent only its lease, which the others never touched.
    expect(t.rowSpend).toBeLessThanOrEqual(cap + 1e-9);
    process.stdout.write(`outage total: $${t.rowSpend.toFixed(6)} of the $${cap.toFixed(2)} cap\n`);
    // While the database was down, each spent at most its lease as it said when it lost the database (and
    // the calls it had reserved in the database just before, at most one per loop).
    const outageSpend = await after.query<{ instance: string; usd: number }>(
      'SELECT instance, SUM(cost_usd)::float8 AS usd FROM requests WHERE ts_ms > $1 AND ts_ms < $2 GROUP BY instance',
      [stoppedAt, startedAt],
    );
    const leaseOf = (s: Instance): number => {
      const said = /outage lease \(d:\S+ \$([\d.]+)/.exec(s.log());
      expect(said, s.log()).not.toBeNull();
      return Number(said![1]);
    };
    const leases = new Map(instances.map((s) => [s.name, leaseOf(s)]));
    process.stdout.write(
      `outage: ${during.length} answers while down (${during.filter((x) => x.status === 200).length} served), spent ${outageSpend.rows.map((r) => `${r.instance} $${r.usd.toFixed(4)} of a $${leases.get(r.instance)!.toFixed(4)} lease`).join(', ')}\n`,
    );
    for (const row of outageSpend.rows)
      expect(row.usd).toBeLessThanOrEqual(leases.get(row.instance)! + 2 * 0.0046);
    // The leases were a third each of what remained (give or take the calls between their last updates).
    for (const usd of leases.values()) expect(usd).toBeGreaterThan(((cap - before.committed) / 3) * 0.8);
  }, 120_000);

  it('one instance cut off from the database while the others spend the rest: the fleet stays within the cap', async () => {
    const { url, db } = await database('partition');
    const upstream = await mock(['--ttft', 'claude-sonnet-4-6=300']);
    const road = await startTcpCut(server.port);
    const cap = 0.6;
    const cutUrl = url.replace(`:${server.port}/`, `:${road.port}/`);
    // The default share: 'auto', one lease per live instance.
    const instances = await fleet(
      3,
      upstream,
      [url, url, cutUrl],
      [`router.daily_budget_usd=${cap}`, 'router.on_budget_exhausted=reject'],
    );
    const [, , cutOff] = instances as [Instance, Instance, Instance];
    const { seen, stop: stopLoad } = load(instances);
    await new Promise((r) => setTimeout(r, 1_200));
    const cutAt = Date.now();
    await road.cut();
    // Longer than the others would take to spend everything left: only the lease holds them off it.
    await new Promise((r) => setTimeout(r, 6_000));
    await road.mend();
    const mendedAt = Date.now();
    await new Promise((r) => setTimeout(r, 2_500));
    await stopLoad();
    await until(
      async () => !existsSync(cutOff.spool) && !existsSync(`${cutOff.spool}.replaying`),
      15_000,
      'the spool',
    );
    for (const s of instances) expect(await s.stop()).toBe(0);
    await road.close();

    expect(cutOff.log()).toMatch(/PostgreSQL ledger is unreachable/);
    for (const s of instances.slice(0, 2)) expect(s.log()).not.toMatch(/unreachable/);
    const during = seen.filter((x) => x.at > cutAt + 500 && x.at < mendedAt);
    // The cut-off instance served from its lease; the others ran into the cap meanwhile.
    expect(during.filter((x) => x.instance === cutOff.name && x.status === 200).length).toBeGreaterThan(0);
    expect(during.filter((x) => x.instance !== cutOff.name && x.status === 429).length).toBeGreaterThan(0);
    const t = await totals(db);
    expect(t.requests).toBe(seen.filter((x) => x.status === 200).length);
    expect(t.spent).toBeCloseTo(t.rowSpend, 9);
    expect(t.reserved).toBeCloseTo(0, 9);
    expect(t.rowSpend).toBeLessThanOrEqual(cap + 1e-9);
    const lease = Number(/outage lease \(d:\S+ \$([\d.]+)/.exec(cutOff.log())?.[1]);
    process.stdout.write(
      `partition: $${t.rowSpend.toFixed(6)} of the $${cap.toFixed(2)} cap; the cut-off instance's lease $${lease.toFixed(4)}, ${during.filter((x) => x.instance === cutOff.name && x.status === 200).length} answers from it while cut off\n`,
    );
  }, 120_000);

  it('usage --migrate-from copies every row of a SQLite ledger; usage then reads the same from both', async () => {
    const { url, db } = await database('migrate');
    const upstream = await mock();
    const file = join(tempDir(), 'usage.db');
    const single = await startCliServe(['--base-url', upstream.url, '--set', 'router.self_critique=false'], {
      ...UPSTREAM_KEYS,
      HYBRIDLLM_LEDGER: file,
      HYBRIDLLM_INSTANCE: 'laptop',
    });
    started.push(single);
    const prompts = [
      'Tag this ticket: invoice overdue',
      'Plan the migration of three services',
      'Is this spam? yes or no',
    ];
    for (let i = 0; i < 30; i++)
      await fetch(`${single.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: i % 5 === 0 ? 'hybridllm/API_FALLBACK' : 'hybridllm/auto',
          messages: [{ role: 'user', content: `${prompts[i % 3]} (${i})` }],
        }),
      }).then((r) => r.arrayBuffer());
    expect(await single.stop()).toBe(0);

    const env = { HYBRIDLLM_LEDGER_URL: url };
    const first = await runCli(['usage', '--migrate-from', file, '--json'], { env });
    expect(first.code).toBe(0);
    const count = JSON.parse(first.stdout) as { requests: number; attempts: number; attemptsAdded: number };
    expect(count.requests).toBe(30);
    expect(count.attemptsAdded).toBe(count.attempts);
    const again = JSON.parse((await runCli(['usage', '--migrate-from', file, '--json'], { env })).stdout) as {
      attemptsAdded: number;
    };
    expect(again.attemptsAdded).toBe(0);
    expect((await totals(db)).attempts).toBe(count.attempts);

    // Every row, every column: the exports match line for line.
    const dir = tempDir();
    await runCli(['usage', '--export', join(dir, 'sqlite.jsonl'), '--since', '1d', '--ledger', file]);
    await runCli(['usage', '--export', join(dir, 'pg.jsonl'), '--since', '1d'], { env });
    const { readFileSync } = await import('node:fs');
    const rows = (name: string): Record<string, unknown>[] =>
      readFileSync(join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const fromPg = rows('pg.jsonl');
    expect(fromPg.every((r) => r['instance'] === 'laptop')).toBe(true);
    expect(fromPg).toEqual(rows('sqlite.jsonl'));
    // And the review reads the same figures from either.
    const window = ['--since', '2020-01-01', '--until', '2099-01-01', '--json'];
    const rounded = (text: string): unknown =>
      JSON.parse(text, (_, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(9)) : v));
    for (const by of ['day', 'model', 'tier', 'action', 'instance']) {
      const sqlite = await runCli(['usage', ...window, '--by', by, '--ledger', file]);
      const shared = await runCli(['usage', ...window, '--by', by], { env });
      expect(rounded(shared.stdout)).toEqual(rounded(sqlite.stdout));
    }
  }, 120_000);
});
