import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { Document } from 'yaml';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import {
  emptyReadStats,
  parseColumnMap,
  recordedWorkload,
  type RecordedWorkloadOptions,
} from '../src/sim/recorded-workload.js';
import { simulate } from '../src/sim/simulate.js';
import type { RouteRequest } from '../src/router/types.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

const SHARED = new URL('../../shared/datasets/', import.meta.url).pathname;
const AZURE = join(SHARED, 'azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv');
const GSM8K = join(SHARED, 'routellm-gsm8k/gsm8k_responses.csv');

async function read(
  options: RecordedWorkloadOptions,
): Promise<{ requests: RouteRequest[]; stats: ReturnType<typeof emptyReadStats> }> {
  const stats = emptyReadStats();
  const requests: RouteRequest[] = [];
  for await (const request of recordedWorkload(options, stats)) requests.push(request);
  return { requests, stats };
}

function file(name: string, content: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

describe('recorded workloads', () => {
  it('reads CSV with recognised column names, quoted multi-line prompts and all optional fields', async () => {
    const path = file(
      'w.csv',
      'timestamp,action_type,prompt,prompt_tokens,completion_tokens,expected_format,quality_critical\n' +
        '2026-03-01T10:00:00Z,classification,"Is this spam?",120,30,json,false\n' +
        '2026-03-01T10:00:05Z,edit_file,"Fix this:\n```py\nx=1\n```",900,,python,yes\n',
    );
    const { requests, stats } = await read({ file: path });
    expect(requests).toEqual([
      {
        id: 'row1',
        prompt: 'Is this spam?',
        inputTokens: 120,
        outputTokens: 30,
        arrivalMs: Date.parse('2026-03-01T10:00:00Z'),
        action: 'classification',
        expects: 'json',
      },
      {
        id: 'row2',
        prompt: 'Fix this:\n```py\nx=1\n```',
        inputTokens: 900,
        arrivalMs: Date.parse('2026-03-01T10:00:05Z'),
        action: 'edit_file',
        expects: 'python',
        qualityCritical: true,
      },
    ]);
    expect(stats.columns).toMatchObject({
      input_tokens: 'prompt_tokens',
      output_tokens: 'completion_tokens',
      action: 'action_type',
    });
  });

  it('maps other column names with --map', async () => {
    const path = file('w.csv', 'when,kind,n_in,n_out\n1700000000,tag,10,2\n');
    const { requests } = await read({
      file: path,
      map: parseColumnMap(['when=timestamp', 'kind=action', 'n_in=input_tokens', 'n_out=output_tokens']),
    });
    expect(requests[0]).toMatchObject({
      action: 'tag',
      inputTokens: 10,
      outputTokens: 2,
      arrivalMs: 1_700_000_000_000,
    });
    expect(() => parseColumnMap(['n_in=tokens'])).toThrow(
      /expected COLUMN=FIELD with FIELD one of timestamp, action/,
    );
  });

  it('reads JSONL', async () => {
    const path = file(
      'w.jsonl',
      '{"timestamp":"2026-01-01T00:00:00Z","action":"tag","input_tokens":5,"required_fields":["a","b"]}\n\n{"action":"list","prompt":"List the files"}\n',
    );
    const { requests, stats } = await read({ file: path });
    expect(requests[0]).toMatchObject({ action: 'tag', inputTokens: 5, requiredFields: ['a', 'b'] });
    expect(requests[1]!.inputTokens).toBeGreaterThan(0); // counted by the tokenizer
    expect(stats.tokenizedRows).toBe(1);
  });

  it('stops at a bad row with file:line:column and the reason (line numbers survive multi-line fields)', async () => {
    const path = file(
      'w.csv',
      'timestamp,prompt,input_tokens\n2026-01-01T00:00:00Z,"two\nlines",10\n2026-01-01T00:00:01Z,ok,-3\n',
    );
    const error = await read({ file: path }).catch((e: unknown) => e);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `${path}:4:3: input_tokens: expected a non-negative integer, found "-3". Fix the row or pass --skip-invalid to count and skip bad rows.`,
    );
  });

  it('reads every timestamp form to the same instant, and refuses an impossible one with its line', async () => {
    // Plain UTC ISO (read at once), and the forms that need rewriting first: a space for the T, an offset, no
    // zone, more than three fraction digits, surrounding spaces.
    const stamps = [
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.123Z',
      '2026-01-01 00:00:01.5',
      '2026-01-01T02:00:02+02:00',
      '2026-01-01T00:00:03',
      '2026-01-01T00:00:04.123456Z',
      ' 2026-01-01T00:00:05.000Z ',
      '2026-01-01T00:00:06.000Z',
    ];
    const path = file('t.csv', `timestamp,input_tokens\n${stamps.map((s) => `"${s}",10`).join('\n')}\n`);
    const { requests } = await read({ file: path });
    expect(requests.map((r) => new Date(r.arrivalMs!).toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.123Z',
      '2026-01-01T00:00:01.500Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
      '2026-01-01T00:00:04.123Z',
      '2026-01-01T00:00:05.000Z',
      '2026-01-01T00:00:06.000Z',
    ]);
    // Shaped like a plain ISO stamp, but month 13 is no date: refused as the rewriting path refuses it.
    const bad = file('b.csv', 'timestamp,input_tokens\n2026-01-01T00:00:00Z,10\n2026-13-01T00:00:00Z,10\n');
    await expect(read({ file: bad })).rejects.toThrow(
      `${bad}:3:1: timestamp: expected a date-time (ISO 8601) or epoch number, found "2026-13-01T00:00:00Z"`,
    );
  });
  it('counts and skips bad rows with --skip-invalid', async () => {
    const path = file(
      'w.csv',
      'timestamp,input_tokens,expects\nyesterday,10,json\n2026-01-01T00:00:00Z,10,yaml\n2026-01-01T00:00:00Z,10,text\n',
    );
    const { requests, stats } = await read({ file: path, skipInvalid: true });
    expect(requests).toHaveLength(1);
    expect(stats.skipped).toBe(2);
    expect(stats.skippedExamples[0]).toMatch(/w\.csv:2:1: timestamp: expected a date-time/);
    expect(stats.skippedExamples[1]).toMatch(
      /w\.csv:3:3: expects: expected one of json, python, typescript, javascript, text, found "yaml"/,
    );
  });

  it('says which column is missing when neither tokens nor prompt are there', async () => {
    const path = file('w.csv', 'a,b\n1,2\n');
    await expect(read({ file: path })).rejects.toThrow(
      /w\.csv:1: no column gives input tokens or a prompt \(header: a, b\)/,
    );
  });

  it('reports malformed CSV with its line', async () => {
    const path = file('w.csv', 'input_tokens,prompt\n10,"unclosed\n');
    await expect(read({ file: path })).rejects.toThrow(/w\.csv:\d+: the workload is not valid CSV/);
  });
});

describe.runIf(existsSync(AZURE))('the Azure LLM inference trace, as it is', () => {
  it('replays all 19,366 requests, and pure API costs exactly Σ tokens × price', async () => {
    // One API model that never fails, no budget: the pure-API run makes one attempt per row.
    const doc = parseDocument(PROJECT_CONFIG_TEXT) as Document;
    const models = doc.get('models') as {
      items: { get(k: string): unknown; set(k: string, v: unknown): void }[];
    };
    for (const model of models.items) {
      if (model.get('name') === 'gpt-4o' || model.get('name') === 'claude-haiku-4-5')
        model.set('enabled', false);
      if (model.get('name') === 'claude-sonnet-4-6')
        model.set('simulation', { latency_ms: { min: 1000, max: 3000 }, defects: {} });
    }
    doc.setIn(['router', 'daily_budget_usd'], 1_000_000);
    const configFile = file('llm_config.yaml', doc.toString());
    const { summary } = await simulate({ configFile, workload: { file: AZURE }, out: false });
    expect(summary.hybrid.requests).toBe(19_366);
    expect(summary.run.workload?.columns).toEqual({
      timestamp: 'TIMESTAMP',
      input_tokens: 'ContextTokens',
      output_tokens: 'GeneratedTokens',
    });
    let expected = 0;
    for await (const record of createReadStream(AZURE).pipe(parse({ columns: true })) as AsyncIterable<
      Record<string, string>
    >)
      expected += (Number(record['ContextTokens']) * 3 + Number(record['GeneratedTokens']) * 15) / 1e6;
    expect(summary.cost.pureApi.usd.toFixed(2)).toBe(expected.toFixed(2));
    expect(Math.abs(summary.cost.pureApi.usd - expected)).toBeLessThan(1e-6);
    expect(summary.run.days).toBeGreaterThan(0.03); // ~58 minutes
  });
});

describe.runIf(existsSync(GSM8K))('the RouteLLM GSM8K responses, as they are', () => {
  it('counts prompt tokens with the tokenizer and classifies rows from the prompt', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: GSM8K },
      out: false,
      parallel: false,
    });
    expect(summary.hybrid.requests).toBe(1_319);
    expect(summary.run.workload?.tokenizedRows).toBe(1_319);
    expect(summary.hybrid.byAction['(none)']?.requests).toBe(1_319);
  });
});
