import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  emptyReadStats,
  recordedEntries,
  type RecordedWorkloadOptions,
} from '../src/sim/recorded-workload.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';
import {
  REQUESTS,
  writeLangfuse,
  writeLedger,
  writeLiteLlm,
  writeOpenAiBatch,
  writeOtel,
  writePlainCsv,
} from './fixtures/log-exports.js';

/** What a replay takes from a row: arrival, tokens, cache, text, action; and what shadow takes: model, answer. */
async function read(options: RecordedWorkloadOptions) {
  const stats = emptyReadStats();
  const rows = [];
  for await (const { request, model, answer } of recordedEntries(options, stats))
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

async function expectSameAsCsv(file: string, format: string, options: Partial<RecordedWorkloadOptions> = {}) {
  const dir = tempDir();
  const plain = await read({
    file: writePlainCsv(dir, { action: options.format !== 'openai-batch' && format !== 'openai-batch' }),
  });
  const detected = await read({ file, ...options });
  expect(detected.stats.format?.name).toBe(format);
  expect(detected.rows).toEqual(plain.rows);
  expect(detected.stats).toMatchObject({
    rows: REQUESTS.length,
    textRows: REQUESTS.length,
    tokenRows: REQUESTS.length,
    timestampRows: REQUESTS.length,
    answerRows: REQUESTS.length,
  });
  // --format names it as detection does.
  expect(
    (await read({ file, ...options, format: format as RecordedWorkloadOptions['format'] })).rows,
  ).toEqual(plain.rows);
  return detected;
}

/** A bad record stops the CLI with the file, the line and what was expected, exit 2, no stack. */
async function expectBadRow(file: string, line: number, pattern: RegExp, extra: string[] = []) {
  const { code, stderr } = await runCli(['simulate', '--workload', file, '--no-write', ...extra]);
  expect(code).toBe(2);
  expect(stderr).toContain(`${file}:${line}`);
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('log exports read as workloads, detected by content', () => {
  it('OpenTelemetry GenAI spans (OTLP JSON lines), current and deprecated attribute names', async () => {
    const dir = tempDir();
    await expectSameAsCsv(writeOtel(dir), 'otel');
    await expectBadRow(
      writeOtel(tempDir(), { truncateSecond: true }),
      2,
      /not valid JSON \(a truncated line\?\)/,
    );
    await expectBadRow(
      writeOtel(tempDir(), { badTokens: true }),
      3,
      /gen_ai\.usage\.input_tokens: expected a non-negative whole number/,
    );
  });

  it('LiteLLM spend logs as CSV and as JSON', async () => {
    await expectSameAsCsv(writeLiteLlm(tempDir()), 'litellm');
    await expectSameAsCsv(writeLiteLlm(tempDir(), { json: true }), 'litellm');
    await expectBadRow(
      writeLiteLlm(tempDir(), { truncateSecond: true }),
      3,
      /expected 14 columns as in the header, found 5/,
    );
    // A pretty-printed JSON array names the line its element starts on.
    const bad = writeLiteLlm(tempDir(), { json: true, badTokens: true });
    const { stderr } = await runCli(['simulate', '--workload', bad, '--no-write']);
    expect(stderr).toMatch(
      /spend_logs\.json:\d+: prompt_tokens: expected a non-negative whole number of tokens, found -3/,
    );
  });

  it('a Langfuse observations export (GENERATION observations only)', async () => {
    const { stats } = await expectSameAsCsv(writeLangfuse(tempDir()), 'langfuse');
    expect(stats.rows).toBe(3);
    const bad = writeLangfuse(tempDir(), { badTokens: true });
    const { code, stderr } = await runCli(['simulate', '--workload', bad, '--no-write']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /observations\.json:\d+: usageDetails\.input: expected a non-negative whole number of tokens, found "lots"/,
    );
  });

  it('OpenAI Batch API output paired with its input by custom_id; a failed request is left out and counted', async () => {
    const { input, output } = writeOpenAiBatch(tempDir());
    const { stats } = await expectSameAsCsv(output, 'openai-batch', { pairedFile: input });
    expect(stats.failedRows).toBe(1);
    // The output alone has tokens, times and answers but no prompts.
    const alone = await read({ file: output });
    expect(alone.rows.map((r) => r.inputTokens)).toEqual(REQUESTS.map((r) => r.inputTokens));
    expect(alone.stats.textRows).toBe(0);
    const truncated = writeOpenAiBatch(tempDir(), { truncateSecond: true });
    await expectBadRow(truncated.output, 2, /not valid JSON/, ['--batch-input', truncated.input]);
  });

  it("hybridllm's own SQLite ledger kept with store_text", async () => {
    await expectSameAsCsv(writeLedger(tempDir()), 'ledger');
    // A row whose time is not a number: its place in time order is the "line" named.
    const bad = writeLedger(tempDir());
    const db = new Database(bad);
    db.prepare(`UPDATE requests SET ts_ms = 'yesterday' WHERE request_id = 'r2'`).run();
    db.close();
    await expectBadRow(bad, 3, /ts_ms: expected milliseconds since 1970, found "yesterday"/);
  });

  it("one pretty-printed OTLP document: a span's line is where its spanId stands", async () => {
    const dir = tempDir();
    const lines = readFileSync(writeOtel(dir), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceSpans: unknown[] });
    const merged = { resourceSpans: lines.flatMap((l) => l.resourceSpans) };
    const file = join(dir, 'traces.json');
    writeFileSync(file, JSON.stringify(merged, null, 2));
    await expectSameAsCsv(file, 'otel');
    writeFileSync(file, JSON.stringify(merged, null, 2).replace(/"intValue": "300"/, '"intValue": "3x0"'));
    const { code, stderr } = await runCli(['simulate', '--workload', file, '--no-write']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /traces\.json:\d+: gen_ai\.usage\.input_tokens: expected a non-negative whole number/,
    );
  });

  it('says which format it read, and how many rows had text, tokens and timestamps', async () => {
    const { code, stdout } = await runCli([
      'simulate',
      '--workload',
      writeLangfuse(tempDir()),
      '--no-write',
      '--no-progress',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Read as Langfuse observations export (--format langfuse): 3 rows; 3 with prompt text, 3 with input token counts, 3 with timestamps, 3 with the answer.',
    );
  });

  it('an unknown --format is refused with the list of formats', async () => {
    const { code, stderr } = await runCli([
      'simulate',
      '--workload',
      writePlainCsv(tempDir()),
      '--format',
      'helicone',
      '--no-write',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/otel.*litellm.*langfuse.*openai-batch.*ledger/);
  });
});
