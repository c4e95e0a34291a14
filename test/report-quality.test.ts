import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/sim/simulate.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { handBuiltFiles } from './helpers/hand-built-answers.js';
import { tempDir } from './helpers/temp.js';

describe('the report says where quality comes from', () => {
  it('a simulated run: expected accuracy from assumed rates, never "measured"', async () => {
    const { runDir } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 2,
      out: tempDir(),
    });
    const html = readFileSync(join(runDir!, 'report.html'), 'utf8');
    expect(html).toMatch(/Accuracy [^<]*simulated from assumed rates, not measured/);
    expect(html).toMatch(/Simulated: local models were not run/);
    expect(html).not.toMatch(/measured in this run/);
  });

  it('a recorded-answers run: accuracy against labels, the comparison, and the threshold-sweep chart', async () => {
    const { workload, answers } = handBuiltFiles();
    const { runDir, summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: workload },
      answers: { file: answers, map: { 'mixtral:8x7b': 'small-local', 'claude-sonnet-4-6': 'big-api' } },
      out: tempDir(),
    });
    const html = readFileSync(join(runDir!, 'report.html'), 'utf8');
    expect(html).toContain('Accuracy against recorded labels');
    expect(html).toContain('Random router, same API share');
    expect(html).toMatch(/id="run1-quality-curve"[\s\S]*<svg/);
    expect(html).toContain(`${(summary.recordedQuality!.hybrid.accuracy * 100).toFixed(1)}%`);
    expect(html).toMatch(/APGR/);
  });

  it('simulate --answers prints accuracy, the detector and the curve; --json carries them', async () => {
    const { workload, answers } = handBuiltFiles();
    const args = [
      'simulate',
      '--workload',
      workload,
      '--answers',
      answers,
      '--answer-map',
      'mixtral:8x7b=small-local',
      '--answer-map',
      'claude-sonnet-4-6=big-api',
      '--no-write',
      '--no-progress',
    ];
    const text = await runCli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ACCURACY against recorded labels/);
    expect(text.stdout).toMatch(/precision 66\.7%, recall 66\.7%/);
    expect(text.stdout).toMatch(/APGR/);
    const json = await runCli([...args, '--json']);
    const parsed = JSON.parse(json.stdout) as {
      recordedQuality: { sweep: unknown[]; detector: { caught: number } };
    };
    expect(parsed.recordedQuality.detector.caught).toBe(2);
    expect(parsed.recordedQuality.sweep).toHaveLength(3);
  });

  it('calibrate prints the curve and writes fitted profiles that simulate accepts', async () => {
    const { workload, answers } = handBuiltFiles();
    const profiles = join(tempDir(), 'profiles.yaml');
    const result = await runCli([
      'calibrate',
      '--answers',
      answers,
      '--workload',
      workload,
      '--answer-map',
      'mixtral:8x7b=small-local',
      '--answer-map',
      'claude-sonnet-4-6=big-api',
      '--write-profiles',
      profiles,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/COST–QUALITY CURVE/);
    // Six answers are fewer than the 30 a rate is fitted from: the configured rates stay, and it says so.
    expect(result.stdout).not.toMatch(/mixtral:8x7b MODERATE/);
    const bad = await runCli(['calibrate', '--answers', answers, '--target-accuracy', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--target-accuracy must be a share from 0 to 1/);
  });
});
