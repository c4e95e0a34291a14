import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { monthlySeries } from '../src/report/report-model.js';
import type { Summary } from '../src/sim/summary.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

const AZURE = new URL(
  '../../shared/datasets/azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv',
  import.meta.url,
).pathname;

interface ReplaySummary {
  run: { days: number; window: { first: string; last: string; hours: number } };
  hybrid: { requests: number; costUsd: number };
  baseline: { costUsd: number };
  cost: { hybrid: { allIn: { perYear: number } }; pureApi: { perYear: number } };
}

describe('recorded replay in time order', () => {
  it('a reversed trace is refused with both rows named, and with --sort gives the period and costs of the sorted one', async () => {
    const dir = tempDir();
    const lines = readFileSync(AZURE, 'utf8').trim().split('\n');
    const header = lines[0]!;
    // The first 2,000 rows, newest first.
    const rows = lines.slice(1, 2001);
    const sorted = join(dir, 'sorted.csv');
    const reversed = join(dir, 'reversed.csv');
    writeFileSync(sorted, `${[header, ...rows].join('\n')}\n`);
    writeFileSync(reversed, `${[header, ...[...rows].reverse()].join('\n')}\n`);
    const refused = await runCli(['simulate', '--workload', reversed, '--no-write', '--no-progress']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /reversed\.csv:3: the rows are not in time order: this row arrives at .*, before line 2 .*--sort/,
    );
    const run = async (file: string, extra: string[] = []): Promise<ReplaySummary> => {
      const out = await runCli(['simulate', '--workload', file, '--no-write', '--json', ...extra]);
      expect(out.code).toBe(0);
      return JSON.parse(out.stdout) as ReplaySummary;
    };
    const a = await run(sorted);
    const b = await run(reversed, ['--sort']);
    expect(b.run.window).toEqual(a.run.window);
    expect(b.run.days).toBe(a.run.days);
    expect(b.hybrid.requests).toBe(2000);
    // Row ids follow file order, so seeded draws differ; the recorded tokens fix the pure-API bill exactly.
    expect(b.baseline.costUsd).toBeCloseTo(a.baseline.costUsd, 9);
    expect(b.cost.pureApi.perYear).toBeCloseTo(a.cost.pureApi.perYear, 6);
  });

  it('rows with no output tokens are counted, and --require-output-tokens refuses them', async () => {
    const dir = tempDir();
    const file = join(dir, 'blank.csv');
    writeFileSync(
      file,
      'timestamp,input_tokens,output_tokens\n2026-03-01T10:00:00Z,500,100\n2026-03-01T10:01:00Z,500,\n2026-03-01T10:02:00Z,600,\n',
    );
    const json = await runCli(['simulate', '--workload', file, '--no-write', '--json']);
    const summary = JSON.parse(json.stdout) as {
      run: { workload: { filledOutputRows: number; rows: number } };
    };
    expect(summary.run.workload).toMatchObject({ filledOutputRows: 2, rows: 3 });
    const text = await runCli(['simulate', '--workload', file, '--no-write', '--no-progress']);
    expect(text.stdout).toMatch(/NOTE {2}2 of 3 rows give no output tokens/);
    const strict = await runCli(['simulate', '--workload', file, '--require-output-tokens', '--no-write']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/blank\.csv:3:3: output_tokens: no output tokens recorded/);
  });

  it("the report's twelve months add up to the headline year, leap February or not", async () => {
    const dir = tempDir();
    // A short trace starting in November 2023: its twelve months include February 2024 (29 days).
    const file = join(dir, 'nov.csv');
    writeFileSync(
      file,
      `timestamp,input_tokens,output_tokens\n${Array.from({ length: 50 }, (_, i) => `${new Date(Date.UTC(2023, 10, 16) + i * 3_600_000).toISOString()},800,200`).join('\n')}\n`,
    );
    const out = await runCli(['simulate', '--workload', file, '--annualise', '--no-write', '--json']);
    const summary = JSON.parse(out.stdout) as Summary;
    const { months, projected } = monthlySeries(summary);
    expect(projected).toBe(true);
    expect(months.map((m) => m.month)).toContain('Feb 24');
    const sum = (f: (m: (typeof months)[number]) => number): number => months.reduce((s, m) => s + f(m), 0);
    expect(sum((m) => m.pureApi)).toBeCloseTo(summary.cost.pureApi.perYear, 6);
    expect(sum((m) => m.hybrid)).toBeCloseTo(summary.cost.hybrid.marginal.perYear, 6);
    expect(sum((m) => m.hybridAllIn)).toBeCloseTo(summary.cost.hybrid.allIn.perYear, 6);
  });
});
