import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

function hourTrace(dir: string): string {
  const file = join(dir, 'hour.csv');
  const rows = ['timestamp,input_tokens,output_tokens'];
  const start = Date.parse('2026-03-01T10:00:00Z');
  for (let minute = 0; minute <= 60; minute += 5)
    rows.push(`${new Date(start + minute * 60_000).toISOString()},500,100`);
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

interface WindowSummary {
  run: { window: { hours: number; yearScaleFactor: number; annualised: boolean } };
}

describe('a short recorded trace is not annualised unless asked', () => {
  it('a one-hour trace gives figures for its window and per hour, not per year', async () => {
    const file = hourTrace(tempDir());
    const text = await runCli(['simulate', '--workload', file, '--no-write', '--no-progress']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /Observed window 2026-03-01T10:00:00\.000Z → 2026-03-01T11:00:00\.000Z \(1\.00 hours\)\. It is under one day, so figures are for the window and per hour; --annualise scales them ×8,760/,
    );
    expect(text.stdout).toMatch(/VERDICT {2}Hybrid costs \$[\d.,]+ in the observed 1\.00 hours all-in/);
    expect(text.stdout).toMatch(/COST +per 1\.00 h +per hour/);
    // Past the window line (which names the --annualise factor), nothing is per year.
    expect(text.stdout.split('\n').slice(4).join('\n')).not.toMatch(/per year|a year|\/year/);
    const json = await runCli(['simulate', '--workload', file, '--no-write', '--json', '--no-progress']);
    const summary = JSON.parse(json.stdout) as WindowSummary;
    expect(summary.run.window.hours).toBe(1);
    expect(summary.run.window.annualised).toBe(false);
    expect(summary.run.window.yearScaleFactor).toBeCloseTo(8760, 6);
  });

  it('with --annualise it states the ×8,760 scale and warns that it extrapolates', async () => {
    const file = hourTrace(tempDir());
    const text = await runCli(['simulate', '--workload', file, '--annualise', '--no-write', '--no-progress']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/scale it ×8,760 to a year/);
    expect(text.stdout).toMatch(/WARNING {2}the window is under one day/);
    expect(text.stdout).toMatch(/VERDICT {2}Hybrid costs \$[\d.,]+ a year all-in/);
    const json = await runCli(['simulate', '--workload', file, '--annualise', '--no-write', '--json']);
    expect((JSON.parse(json.stdout) as WindowSummary).run.window.annualised).toBe(true);
    const misuse = await runCli(['simulate', '--scenario', 'light', '--annualise', '--no-write']);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toMatch(/apply to a recorded --workload only/);
  });
});

describe('numeric timestamps are read in a stated unit', () => {
  it('milliseconds from the start need --time-unit ms; without it the summary says they were read as seconds', async () => {
    const dir = tempDir();
    const file = join(dir, 'ms.jsonl');
    // Two hours in milliseconds from the start, Mooncake style.
    const lines = [];
    for (let i = 0; i <= 24; i++)
      lines.push(JSON.stringify({ timestamp: i * 300_000, input_length: 800, output_length: 50 }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const read = async (extra: string[]) => {
      const out = await runCli(['simulate', '--workload', file, '--no-write', '--json', ...extra]);
      expect(out.code).toBe(0);
      return JSON.parse(out.stdout) as WindowSummary & {
        run: { workload: { timestamps: { kind: string; unit: string; decidedBy: string } } };
      };
    };
    const assumed = await read([]);
    expect(assumed.run.workload.timestamps).toEqual({ kind: 'relative', unit: 's', decidedBy: 'assumed' });
    expect(assumed.run.window.hours).toBeCloseTo(2000, 6);
    const ms = await read(['--time-unit', 'ms']);
    expect(ms.run.workload.timestamps).toEqual({ kind: 'relative', unit: 'ms', decidedBy: 'flag' });
    expect(ms.run.window.hours).toBeCloseTo(2, 9);
    const text = await runCli(['simulate', '--workload', file, '--no-write', '--no-progress']);
    expect(text.stdout).toMatch(
      /NOTE {2}numeric timestamps counted from the trace's start were read as seconds/,
    );
  });

  it('epoch numbers are read by magnitude, and one file never mixes readings', async () => {
    const dir = tempDir();
    const file = join(dir, 'epoch.csv');
    const start = Date.parse('2026-03-01T10:00:00Z');
    // Epoch milliseconds: read as such by magnitude.
    writeFileSync(
      file,
      `timestamp,input_tokens,output_tokens\n${start},500,100\n${start + 7_200_000},500,100\n`,
    );
    const out = await runCli(['simulate', '--workload', file, '--no-write', '--json']);
    const summary = JSON.parse(out.stdout) as WindowSummary & {
      run: { workload: { timestamps: { kind: string; unit: string } } };
    };
    expect(summary.run.workload.timestamps).toMatchObject({ kind: 'epoch', unit: 'ms' });
    expect(summary.run.window.hours).toBeCloseTo(2, 9);
    // Relative seconds that cross 1e8 stay relative (no jump to 1974).
    const relative = join(dir, 'relative.csv');
    writeFileSync(
      relative,
      'timestamp,input_tokens,output_tokens\n0,500,100\n50000000,500,100\n150000000,500,100\n',
    );
    const rel = JSON.parse(
      (await runCli(['simulate', '--workload', relative, '--no-write', '--json'])).stdout,
    ) as WindowSummary;
    expect(rel.run.window.hours).toBeCloseTo(150_000_000 / 3600, 3);
  });
});

describe('a budget-capped run: the verdict is on the uncapped run, the cap is a what-if', () => {
  it('reports the capped count and where those requests went beside the uncapped verdict', async () => {
    const dir = tempDir();
    const config = join(dir, 'tight.yaml');
    writeFileSync(config, PROJECT_CONFIG_TEXT.replace('daily_budget_usd: 10', 'daily_budget_usd: 0.05'));
    const loose = join(dir, 'loose.yaml');
    writeFileSync(loose, PROJECT_CONFIG_TEXT.replace('daily_budget_usd: 10', 'daily_budget_usd: 100000'));
    const file = join(dir, 'complex.csv');
    const rows = ['timestamp,action,input_tokens,output_tokens'];
    const start = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 200; i++)
      rows.push(`${new Date(start + i * 600_000).toISOString()},orchestration,3000,500`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    type BudgetSummary = {
      hybrid: { costUsd: number; budgetLimited: number };
      asConfigured?: { stats: { costUsd: number; budgetLimited: number } };
      budget?: {
        limited: number;
        detail: { byModel: Record<string, number>; passed: number };
        uncapped: { costUsd: number; comparison: { hybrid: { allInUsd: number } } | null };
      };
      cost: { breakEvenUncapped: boolean };
    };
    const capped = JSON.parse(
      (await runCli(['simulate', '--workload', file, '--config', config, '--no-write', '--json'])).stdout,
    ) as BudgetSummary;
    const free = JSON.parse(
      (await runCli(['simulate', '--workload', file, '--config', loose, '--no-write', '--json'])).stdout,
    ) as BudgetSummary;
    const asConfigured = capped.asConfigured!.stats;
    expect(asConfigured.budgetLimited).toBeGreaterThan(50);
    expect(capped.budget!.limited).toBe(asConfigured.budgetLimited);
    // The verdict's run is the same run with no cap: what the loose config's run costs.
    expect(capped.hybrid.budgetLimited).toBe(0);
    expect(capped.hybrid.costUsd).toBeCloseTo(free.hybrid.costUsd, 9);
    const served = Object.values(capped.budget!.detail.byModel).reduce((a, b) => a + b, 0);
    expect(served).toBe(capped.budget!.limited);
    // The uncapped counterfactual is the same run without a budget: it costs what the loose config's run costs.
    expect(free.budget).toBeUndefined();
    expect(capped.budget!.uncapped.costUsd).toBeCloseTo(free.hybrid.costUsd, 9);
    expect(capped.budget!.uncapped.costUsd).toBeGreaterThan(asConfigured.costUsd);
    expect(capped.cost.breakEvenUncapped).toBe(true);
    const text = await runCli([
      'simulate',
      '--workload',
      file,
      '--config',
      config,
      '--no-write',
      '--no-progress',
    ]);
    expect(text.stdout).toMatch(
      /WHAT-IF {2}with your \$0\.05\/day cap, \d+ request\(s\) \([\d.]+%\) would have been kept from the API/,
    );
    expect(text.stdout).toMatch(
      /As configured with the cap: .* it would cost \$[\d.,]+ .*That is not a saving/,
    );
  });
});
