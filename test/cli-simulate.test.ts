import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

describe('hybridllm simulate', () => {
  it('prints the summary, the scorecard and the run folder', async () => {
    const out = tempDir();
    const { code, stdout, stderr } = await runCli([
      'simulate',
      '--scenario',
      'heavy',
      '--days',
      '7',
      '--out',
      out,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/SIMULATION: heavy — 500 iterations\/day × 7 days/);
    expect(stdout).toMatch(/Tier 1 LOCAL_FAST/);
    expect(stdout).toMatch(/Pure API \(same load\)/);
    expect(stdout).toMatch(/Break-even volume/);
    expect(stdout).toMatch(/SUCCESS METRICS/);
    expect(stdout).toMatch(/[✓✗] Average confidence/);
    const [runDir] = readdirSync(out);
    expect(runDir).toMatch(/^\d{8}-\d{6}-heavy-s33$/);
    expect(stdout).toContain(`Run folder: ${join(out, runDir!)}`);
  });

  it('--json prints the summary as JSON and nothing else', async () => {
    const { code, stdout } = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '3',
      '--no-write',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      run: { scenario: string };
      cost: unknown;
      scorecard: unknown[];
      runDir: null;
    };
    expect(summary.run.scenario).toBe('light');
    expect(summary.scorecard).toHaveLength(7);
    expect(summary.runDir).toBeNull();
  });

  it('compares several scenarios', async () => {
    const { code, stdout } = await runCli([
      'simulate',
      '--scenario',
      'light,medium,heavy',
      '--days',
      '2',
      '--no-write',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/COMPARISON[\s\S]*light[\s\S]*medium[\s\S]*heavy/);
  });

  it('--runs gives a Monte Carlo interval', async () => {
    const { stdout } = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '2',
      '--runs',
      '3',
      '--no-write',
    ]);
    expect(stdout).toMatch(/MONTE CARLO over 3 seeds \(11…13\)/);
  });

  it('a bad scenario gets file:line:column and exit 2', async () => {
    const dir = tempDir();
    const file = join(dir, 'mine.yaml');
    writeFileSync(file, 'name: mine\niterations_per_day: -5\nactions: {}\n');
    const { code, stderr } = await runCli(['simulate', '--scenario', file, '--no-write']);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: ${file}:2:21: iterations_per_day: expected a value > 0; found -5.\n`);
  });

  it('a fault on an unknown model points at the scenario', async () => {
    const dir = tempDir();
    const file = join(dir, 'mine.yaml');
    writeFileSync(
      file,
      "name: mine\niterations_per_day: 5\nactions:\n  tag: { share: 1, input_tokens: { mean: 10 }, output_tokens: { mean: 5 } }\nfaults: { 'phi-3': 0.1 }\n",
    );
    const { code, stderr } = await runCli(['simulate', '--scenario', file, '--no-write']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/mine\.yaml:5:11: faults\.phi-3: no model named 'phi-3'/);
  });

  it('an unknown scenario name says what exists', async () => {
    const { code, stderr } = await runCli(['simulate', '--scenario', 'huge', '--no-write']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no such scenario\. Use light, medium, heavy/);
  });
});

describe('hybridllm estimate', () => {
  it("prints the design document's figures", async () => {
    const { code, stdout } = await runCli(['estimate', '--scenario', 'design-doc']);
    expect(code).toBe(0);
    expect(stdout).toContain('PURE API  $0.45/day = $13.50/month = $162.00/year');
    expect(stdout).toContain('HYBRID    $0.135/day = $4.05/month = $48.60/year');
    expect(stdout).toMatch(/SAVINGS vs api-premium {2}\$113\.40\/year on API fees \(70\.0%\)/);
  });
});
