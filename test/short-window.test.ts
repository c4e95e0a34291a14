import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

describe('a short recorded trace says how far its yearly figures are scaled', () => {
  it('a one-hour trace states its window and the ×8,760 scale, with a warning', async () => {
    const dir = tempDir();
    const file = join(dir, 'hour.csv');
    const rows = ['timestamp,input_tokens,output_tokens'];
    const start = Date.parse('2026-03-01T10:00:00Z');
    for (let minute = 0; minute <= 60; minute += 5)
      rows.push(`${new Date(start + minute * 60_000).toISOString()},500,100`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    const text = await runCli(['simulate', '--workload', file, '--no-write', '--no-progress']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /Observed window 2026-03-01T10:00:00\.000Z → 2026-03-01T11:00:00\.000Z \(1\.00 hours\)/,
    );
    expect(text.stdout).toMatch(/scale it ×8,760 to a year/);
    expect(text.stdout).toMatch(/WARNING {2}the window is under one day/);
    const json = await runCli(['simulate', '--workload', file, '--no-write', '--json', '--no-progress']);
    const summary = JSON.parse(json.stdout) as {
      run: { window: { hours: number; yearScaleFactor: number } };
    };
    expect(summary.run.window.hours).toBe(1);
    expect(summary.run.window.yearScaleFactor).toBeCloseTo(8760, 6);
  });
});
