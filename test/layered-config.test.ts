import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySets } from '../src/config/config-layers.js';
import { loadConfigFile, parseConfig } from '../src/config/load-config.js';
import { YamlSource } from '../src/config/yaml-source.js';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

function write(text: string, name = 'partial.yaml'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

describe('a config a user can vary in one line', () => {
  it('a 3-line config that only enables Haiku is merged over the built-in defaults', async () => {
    const file = write('models:\n  claude-haiku-4-5:\n    enabled: true\n');
    const config = loadConfigFile(file);
    const builtIn = loadConfigFile(PROJECT_CONFIG);
    expect(config.models.map((m) => m.name)).toEqual(builtIn.models.map((m) => m.name));
    expect(config.models.find((m) => m.name === 'claude-haiku-4-5')!.enabled).toBe(true);
    expect(builtIn.models.find((m) => m.name === 'claude-haiku-4-5')!.enabled).toBe(false);
    // Everything it does not say comes from the defaults.
    expect(config.dailyBudgetUsd).toBe(builtIn.dailyBudgetUsd);
    expect(config.localCosts.fixedUsdPerMonth).toBe(builtIn.localCosts.fixedUsdPerMonth);
    expect(config.source).toBe(file);
    const { code, stdout } = await runCli([
      'simulate',
      '--config',
      file,
      '--scenario',
      'light',
      '--days',
      '2',
      '--no-write',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('VERDICT');
  });

  it("errors about what the user gave point into the user's file, with the line", () => {
    const file = write('router:\n  daily_budget_usd: lots\n');
    expect(() => loadConfigFile(file)).toThrow(
      new RegExp(`^${file}:2:21: router\\.daily_budget_usd: expected number; found "lots"`),
    );
    const added = write('models:\n  my-model:\n    provider: ollama\n');
    expect(() => loadConfigFile(added)).toThrow(new RegExp(`^${added}:3:5: models\\.my-model`));
    const notAMapping = write('models:\n  claude-haiku-4-5: true\n');
    expect(() => loadConfigFile(notAMapping)).toThrow(
      /expected the fields to change on model 'claude-haiku-4-5'/,
    );
  });

  it('a config with a models list stands alone, as before', () => {
    const config = parseConfig(
      PROJECT_CONFIG_TEXT.replace('daily_budget_usd: 10', 'daily_budget_usd: 7'),
      '/elsewhere/full.yaml',
    );
    expect(config.dailyBudgetUsd).toBe(7);
    expect(config.models.length).toBe(loadConfigFile(PROJECT_CONFIG).models.length);
  });

  it('--set takes a value read as YAML, a model whose name has dots, and says what was wrong', () => {
    const text = PROJECT_CONFIG_TEXT.replace('  - name: gpt-4o\n', '  - name: gpt-4.1\n    model: gpt-4o\n');
    const source = YamlSource.parse(text, 'dotted.yaml');
    applySets(source, ['models.gpt-4.1.enabled=true', 'router.daily_budget_usd=2.5']);
    const js = source.toJS() as {
      models: { name: string; enabled: boolean }[];
      router: { daily_budget_usd: number };
    };
    expect(js.models.find((m) => m.name === 'gpt-4.1')!.enabled).toBe(true);
    expect(js.router.daily_budget_usd).toBe(2.5);
    // A list item by its name: the Mac Studio, twice.
    expect(
      parseConfig(PROJECT_CONFIG_TEXT, 'x.yaml', undefined, ['local_costs.hardware.studio.count=2'])
        .localCosts.hardware[0]!.count,
    ).toBe(2);
    expect(() => parseConfig(PROJECT_CONFIG_TEXT, 'x.yaml', undefined, ['servers.nothing=2'])).toThrow(
      /--servers nothing=2: 'nothing' is neither a hardware item \(studio\) nor a model placed on one/,
    );
    expect(() => applySets(YamlSource.parse(text, 'x.yaml'), ['models.nope.enabled=true'])).toThrow(
      /--set models\.nope\.enabled=true: no item named 'nope' under models; known: phi3:mini/,
    );
    expect(() => applySets(YamlSource.parse(text, 'x.yaml'), ['router.daily_budget_usd'])).toThrow(
      /expected key\.path=value/,
    );
    expect(() =>
      parseConfig(PROJECT_CONFIG_TEXT, 'x.yaml', undefined, ['router.quality_threshold=2']),
    ).toThrow(/^--set router\.quality_threshold=2: router\.quality_threshold: expected a value ≤ 1/);
  });

  it('--set works on every command that reads the config', async () => {
    const dir = tempDir();
    const bad = ['--set', 'router.quality_threshold=2'];
    const answers = write('{}\n', 'answers.jsonl');
    const commands: string[][] = [
      ['simulate', '--scenario', 'light', '--days', '1', '--no-write'],
      ['estimate', '--scenario', 'light'],
      ['route', '--prompt', 'Tag this ticket.'],
      ['usage', '--ledger', join(dir, 'ledger.db')],
      ['report', '--from-ledger', '--ledger', join(dir, 'ledger.db'), '--out', join(dir, 'r.html')],
      ['bench', '--models', 'phi3:mini', '--out', dir],
      ['doctor'],
      ['calibrate', '--answers', answers],
      ['mock-server', '--port', '0'],
    ];
    for (const args of commands) {
      const { code, stderr } = await runCli([...args, ...bad]);
      expect({ command: args[0], code, stderr }).toEqual({
        command: args[0],
        code: 2,
        stderr: expect.stringMatching(
          /--set router\.quality_threshold=2: router\.quality_threshold: expected a value ≤ 1/,
        ),
      });
    }
    // And a valid one changes the run.
    const { code, stdout } = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '1',
      '--no-write',
      '--json',
      '--set',
      'models.claude-haiku-4-5.enabled=true',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Summary;
    expect(summary.config.models.find((m) => m.name === 'claude-haiku-4-5')!.enabled).toBe(true);
  });

  it('--baseline-model prices the pure-API baseline at another model, named in the text', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 3,
      out: false,
      parallel: false,
      baselineModel: 'claude-haiku-4-5',
    });
    expect(Object.keys(summary.baseline.byModel)).toEqual(['claude-haiku-4-5']);
    const m = summary.baseline.byModel['claude-haiku-4-5']!;
    // Independently: Haiku's list prices ($1 in, $5 out, $0.10 cached reads, $1.25 cache writes per M).
    const expected =
      ((m.inputTokens - m.cachedInputTokens - m.cacheWriteTokens) * 1 +
        m.cachedInputTokens * 0.1 +
        m.cacheWriteTokens * 1.25 +
        m.outputTokens * 5) /
      1e6;
    expect(summary.cost.pureApi.usd).toBeCloseTo(expected, 9);
    expect(summary.baselineModel).toMatchObject({
      name: 'claude-haiku-4-5',
      chosen: true,
      inputPerMtok: 1,
      outputPerMtok: 5,
    });
    // The premium alternative is still everything to Sonnet, run on its own.
    expect(summary.alternatives.find((a) => a.name === 'api-premium')!.costUsd).toBeGreaterThan(
      summary.cost.pureApi.usd,
    );

    const text = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '2',
      '--no-write',
      '--baseline-model',
      'gpt-4o-mini',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /Pure API = everything to gpt-4o-mini at \$0\.15 in \/ \$0\.60 out per M tokens \(.*\), chosen with --baseline-model; simulated with claude-sonnet-4-6's latency and quality profile/,
    );
    const plain = await runCli(['simulate', '--scenario', 'light', '--days', '2', '--no-write']);
    expect(plain.stdout).toMatch(
      /Pure API = everything to claude-sonnet-4-6 at \$3\.00 in \/ \$15\.00 out per M tokens/,
    );
    const unknown = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '1',
      '--no-write',
      '--baseline-model',
      'no-such-model',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /--baseline-model no-such-model: not a configured API model .* and not in the bundled price table/,
    );
  });
});
