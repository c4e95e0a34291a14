import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgPool, migratePg } from '../../src/ledger/pg/pg-ledger-db.js';
import { emptyReadStats, recordedEntries } from '../../src/sim/recorded-workload.js';
import { REQUESTS, writePlainCsv } from '../fixtures/log-exports.js';
import { runCli } from '../helpers/cli.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/temp.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.destroy());

async function read(file: string) {
  const stats = emptyReadStats();
  const rows = [];
  for await (const { request, model, answer } of recordedEntries({ file }, stats))
    rows.push({
      arrivalMs: request.arrivalMs,
      inputTokens: request.inputTokens,
      outputTokens: request.outputTokens,
      recordedCache: request.recordedCache,
      prompt: request.prompt,
      action: request.action,
      model,
      answer,
    });
  return { rows, stats };
}

describe("a fleet's PostgreSQL ledger as a workload", () => {
  it('reads into the same rows as the plain CSV, and a wrong-typed row names its place and exits 2', async () => {
    const pool = createPgPool(server.url);
    await migratePg(pool, server.url);
    await pool.end();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (const [i, r] of REQUESTS.entries()) {
        const ts = Date.parse(r.at);
        await client.query(
          `INSERT INTO requests (request_id, ts_ms, action, complexity, start_tier, final_tier, final_model, passed, confidence, attempts, cost_usd, input_tokens, output_tokens, latency_ms)
           VALUES ($1, $2, $3, 'SIMPLE', 'LOCAL_FAST', 'API_FALLBACK', $4, 1, 0.9, 1, 0.001, $5, $6, 500)`,
          [`r${i}`, ts, r.action, r.model, r.inputTokens, r.outputTokens],
        );
        await client.query(
          `INSERT INTO attempts (ts_ms, request_id, step, action, complexity, tier, model, provider, input_tokens, output_tokens, cached_tokens, cost_usd, ttft_ms, latency_ms, confidence, checks, outcome, prompt, response)
           VALUES ($1, $2, 0, $3, 'SIMPLE', 'API_FALLBACK', $4, 'openai', $5, $6, $7, 0.001, 100, 500, 0.9, '{}', 'passed', $8, $9)`,
          [
            ts,
            `r${i}`,
            r.action,
            r.model,
            r.inputTokens,
            r.outputTokens,
            r.cachedTokens ?? 0,
            r.prompt,
            r.answer,
          ],
        );
      }
      const plain = await read(writePlainCsv(tempDir()));
      const fromPg = await read(server.url);
      expect(fromPg.stats.format?.name).toBe('ledger');
      expect(fromPg.rows).toEqual(plain.rows);
      // Through the CLI: the summary names the format, and no password reaches the output.
      const withPassword = server.url.replace('hybridllm@', 'hybridllm:s3cret@');
      const { code, stdout } = await runCli(['simulate', '--workload', withPassword, '--no-write', '--json']);
      expect(code).toBe(0);
      expect(stdout).not.toContain('s3cret');
      expect((JSON.parse(stdout) as { run: { workload: { rows: number } } }).run.workload.rows).toBe(3);
      // A request whose tokens are negative: its place in time order is named.
      await client.query(`UPDATE requests SET input_tokens = -5 WHERE request_id = 'r1'`);
      const bad = await runCli(['simulate', '--workload', withPassword, '--no-write']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(
        /postgres:\/\/hybridllm:\*\*\*@\S+:2:1: input_tokens: expected a non-negative integer, found "-5"/,
      );
      expect(bad.stderr).not.toContain('s3cret');
    } finally {
      await client.end();
    }
  });
});
