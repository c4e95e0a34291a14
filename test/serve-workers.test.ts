import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCliMock, type CliMock } from './helpers/cli-mock.js';
import { startCliServe, type CliServe } from './helpers/cli-serve.js';
import { tempDir } from './helpers/temp.js';

const UPSTREAM_KEYS = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };
const started: { stop(): unknown }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
});

async function pair(
  mockArgs: string[],
  workers: number,
): Promise<{ gateway: CliServe; ledger: string; upstream: CliMock }> {
  const upstream = await startCliMock(mockArgs);
  started.push(upstream);
  const ledger = join(tempDir(), 'usage.db');
  const gateway = await startCliServe(
    ['--base-url', upstream.url, '--workers', String(workers), '--set', 'router.self_critique=false'],
    { HYBRIDLLM_LEDGER: ledger, ...UPSTREAM_KEYS },
  );
  started.push(gateway);
  return { gateway, ledger, upstream };
}

const ledgerRequests = (file: string): number =>
  (
    new Database(file, { readonly: true }).prepare('SELECT COUNT(*) AS n FROM requests').get() as {
      n: number;
    }
  ).n;

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return new RegExp(`^PPid:\\s+${pid}$`, 'm').test(readFileSync(`/proc/${name}/status`, 'utf8'));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe('hybridllm serve --workers', () => {
  it('two workers answer on one port, write one ledger, and /metrics counts them both', async () => {
    const { gateway, ledger } = await pair(['--time-scale', '0.01'], 2);
    expect(childrenOf(gateway.child.pid!)).toHaveLength(2);
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < 300) {
          const i = next++;
          const { response } = await client.chat.completions
            .create({ model: 'hybridllm/auto', messages: [{ role: 'user', content: `Tag ticket ${i}` }] })
            .withResponse();
          ids.push(response.headers.get('x-hybridllm-request-id')!);
        }
      }),
    );
    expect(new Set(ids).size).toBe(300);
    // A request id starts with its process's random prefix (8 hex digits): both workers answered.
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(2);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const answered = metrics
      .split('\n')
      .filter((line) => line.startsWith('hybridllm_requests_total{api="openai"'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(answered).toBe(300);
    expect(metrics).toMatch(/^hybridllm_budget_remaining_usd \d/m);
    expect(await gateway.stop()).toBe(0);
    expect(ledgerRequests(ledger)).toBe(300);
    expect(gateway.log()).toMatch(/stopped: every worker has exited/);
  }, 60_000);

  it('SIGTERM with 20 requests in flight: every worker finishes its own, no ledger row lost', async () => {
    const { gateway, ledger } = await pair(['--ttft', 'phi3:mini=1500', '--ttft', 'llama3:8b=1500'], 2);
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const answers = Array.from({ length: 20 }, (_, i) =>
      client.chat.completions.create({
        model: 'hybridllm/auto',
        messages: [{ role: 'user', content: `Tag ticket ${i}` }],
      }),
    );
    await new Promise((r) => setTimeout(r, 700)); // all sent, none answered (1.5 s to a first token)
    const exit = gateway.stop();
    const settled = await Promise.allSettled(answers);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(20);
    expect(await exit).toBe(0);
    expect(
      gateway.log().match(/worker \d+: stopped: every request answered, the ledger flushed/g),
    ).toHaveLength(2);
    expect(ledgerRequests(ledger)).toBe(20);
  }, 60_000);

  it('a worker that dies is replaced, and the service goes on answering', async () => {
    const { gateway } = await pair(['--time-scale', '0.01'], 2);
    const [victim, survivor] = childrenOf(gateway.child.pid!);
    process.kill(victim!, 'SIGKILL');
    let now: number[] = [];
    for (let i = 0; i < 100; i++) {
      now = childrenOf(gateway.child.pid!);
      if (now.length === 2 && !now.includes(victim!)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(now).toContain(survivor);
    expect(now).toHaveLength(2);
    expect(gateway.log()).toMatch(new RegExp(`serve worker ${victim} exited with SIGKILL; starting another`));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    for (let i = 0; i < 10; i++)
      await client.chat.completions.create({
        model: 'hybridllm/auto',
        messages: [{ role: 'user', content: `Tag ticket ${i}` }],
      });
    expect(await gateway.stop()).toBe(0);
  }, 60_000);

  it('a bad --workers is a usage error', async () => {
    const { runCli } = await import('./helpers/cli.js');
    const result = await runCli(['serve', '--workers', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--workers must be a whole number from 1 to 256, got '0'/);
  });
});
