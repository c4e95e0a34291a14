import { describe, expect, it } from 'vitest';
import { enabledModels } from '../src/config/router-config.js';
import { runCli } from './helpers/cli.js';
import { projectConfig } from './helpers/config.js';

describe('hybridllm route', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/hybridllm route/);
  });

  it('prints the decision trace with per-check marks and the answer', async () => {
    const { code, stdout } = await runCli([
      'route',
      '--action',
      'edit_file',
      '--prompt',
      'Generate a Python function to parse JSON',
      '--expect',
      'python',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/COMPLEXITY: MODERATE {3}TIER: LOCAL_QUALITY/);
    expect(stdout).toMatch(/Attempt 1: mixtral:8x7b \(LOCAL_QUALITY\)/);
    expect(stdout).toMatch(/Format: {3}✓ valid python/);
    expect(stdout).toMatch(/Confidence: \d\.\d\d >= 0\.70 → PASS/);
    expect(stdout).toMatch(/--- answer ---\nimport json/);
  });

  it('--json prints the full result object', async () => {
    const { code, stdout } = await runCli([
      'route',
      '--action',
      'classification',
      '--prompt',
      'Is this spam?',
      '--expect',
      'json',
      '--fields',
      'label,confidence',
      '--json',
      '--seed',
      '9',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown> & { attempts: Record<string, unknown>[] };
    expect(result).toMatchObject({ complexity: 'SIMPLE', tier: 'LOCAL_FAST' });
    for (const key of ['reason', 'model', 'text', 'totals']) expect(result).toHaveProperty(key);
    for (const key of [
      'model',
      'tier',
      'inputTokens',
      'outputTokens',
      'costUsd',
      'latencyMs',
      'confidence',
      'checks',
      'passed',
    ])
      expect(result.attempts[0]).toHaveProperty(key);
    expect(JSON.parse(JSON.stringify(result.text))).toContain('"label"');
  });

  it('shows the fallback when a local answer fails (found by seed)', async () => {
    // --seed picks the simulated draws; search a few seeds for a fallback, as a user exploring would.
    let found = false;
    for (let seed = 1; seed <= 60 && !found; seed++) {
      const { stdout } = await runCli([
        'route',
        '--action',
        'classification',
        '--prompt',
        'Tag this ticket',
        '--expect',
        'json',
        '--fields',
        'label,confidence,tags',
        '--seed',
        String(seed),
        '--config',
        new URL('./fixtures/flaky-fast.yaml', import.meta.url).pathname,
      ]);
      if (stdout.includes('▼ FALLBACK')) {
        found = true;
        expect(stdout).toMatch(/Confidence: 0\.\d\d < 0\.70 → FAIL\n {2}▼ FALLBACK\n\nAttempt 2:/);
      }
    }
    expect(found).toBe(true);
  });

  it('says no model answered, and the last error, when every attempt failed', async () => {
    // Every enabled model of the shipped config errs on every call.
    const failing = enabledModels(projectConfig()).flatMap((m) => [
      '--set',
      `models.${m.name}.simulation.error_rate=1`,
    ]);
    const { code, stdout } = await runCli(['route', '--action', 'tag', '--prompt', 'x', ...failing]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/\nRESULT: FAILED: no model answered — \d+ attempt\(s\), \$0, /);
    expect(stdout).toMatch(
      /\nLast error \(gpt-4o\): TransientError: simulated server error from gpt-4o \(HTTP 500\)\n?$/,
    );
    expect(stdout).not.toContain('--- answer ---');
  });

  it('--no-prefer-local and --quality-critical go to the API tier', async () => {
    for (const flag of ['--no-prefer-local', '--quality-critical']) {
      const { stdout } = await runCli(['route', '--action', 'tag', '--prompt', 'x', flag, '--json']);
      expect(JSON.parse(stdout)).toMatchObject({ tier: 'API_FALLBACK' });
    }
  });

  it('rejects a missing prompt with exit 2', async () => {
    const { code, stderr } = await runCli(['route', '--action', 'tag']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--prompt \(or --prompt-file\) is required/);
  });
});
