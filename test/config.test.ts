import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { parseConfig } from '../src/config/load-config.js';
import { resolveApiKey } from '../src/config/secrets.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG_TEXT, projectConfig } from './helpers/config.js';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'bad.yaml');
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const edit = (from: string | RegExp, to: string): string => {
  const out = PROJECT_CONFIG_TEXT.replace(from, to);
  if (out === PROJECT_CONFIG_TEXT) throw new Error(`edit did not apply: ${String(from)}`);
  return out;
};

describe('the shipped config', () => {
  it('has every model of the design with its tier', () => {
    const config = projectConfig();
    expect(config.models.map((m) => [m.name, m.tier, m.enabled])).toEqual([
      ['phi3:mini', 'LOCAL_FAST', true],
      ['llama3:8b', 'LOCAL_FAST', true],
      ['mixtral:8x7b', 'LOCAL_QUALITY', true],
      ['codestral:22b', 'LOCAL_QUALITY', true],
      ['llama3:70b', 'LOCAL_QUALITY', false],
      ['claude-haiku-4-5', 'API_FALLBACK', false],
      ['claude-sonnet-4-6', 'API_FALLBACK', true],
      ['gpt-4o', 'API_FALLBACK', true],
    ]);
    expect(config).toMatchObject({
      qualityThreshold: 0.7,
      preferLocal: true,
      dailyBudgetUsd: 10,
      selfCritique: true,
    });
    expect(config.weights).toEqual({
      format: 0.3,
      completeness: 0.2,
      coherence: 0.3,
      selfCritique: 0.2,
      task: 0,
      veto: { task: true, selfCritique: false },
    });
    expect(config.weightsPreset).toBe('design');
  });

  it('prices API models from the bundled table, local models at $0', () => {
    const sonnet = projectConfig().models.find((m) => m.name === 'claude-sonnet-4-6')!;
    expect(sonnet.price).toMatchObject({ inputPerMtok: 3, outputPerMtok: 15, cachedInputPerMtok: 0.3 });
    expect(sonnet.price.source).toMatch(/^@pydantic\/genai-prices@\d/);
    expect(projectConfig().models[0]!.price.outputPerMtok).toBe(0);
  });

  it('lets the config override a price', () => {
    const config = parseConfig(
      edit(
        '  - name: gpt-4o\n',
        '  - name: gpt-4o\n    pricing: { input_per_mtok: 1, output_per_mtok: 2 }\n',
      ),
    );
    expect(config.models.find((m) => m.name === 'gpt-4o')!.price).toMatchObject({
      inputPerMtok: 1,
      outputPerMtok: 2,
      cachedInputPerMtok: 1,
    });
  });
});

describe('bad configs give one clear message with file:line:column', () => {
  it.each([
    ['YAML syntax error', 'router:\n  quality_threshold: [1, 2\n', /^bad\.yaml:3:1: YAML syntax error/],
    [
      'wrong type',
      edit('quality_threshold: 0.7', 'quality_threshold: "high"'),
      /^bad\.yaml:7:22: router\.quality_threshold: expected number; found "high"/,
    ],
    [
      'unknown key with did-you-mean',
      edit('  prefer_local: true', '  prefer_locl: true'),
      /^bad\.yaml:8:3: router\.prefer_locl: unknown key 'prefer_locl'\. Did you mean 'prefer_local'\?/,
    ],
    [
      'unknown provider',
      edit('provider: ollama', 'provider: olama'),
      /^bad\.yaml:\d+:15: models\[0\]\.provider: expected one of "ollama", "openai-compatible", "anthropic", "openai", "llamacpp"; found "olama"/,
    ],
    [
      'unknown tier',
      edit('tier: LOCAL_FAST', 'tier: TIER_1'),
      /models\[0\]\.tier: expected one of "LOCAL_FAST", "LOCAL_QUALITY", "API_FALLBACK"; found "TIER_1"/,
    ],
    [
      'negative price',
      edit(
        '  - name: gpt-4o\n',
        '  - name: gpt-4o\n    pricing: { input_per_mtok: -1, output_per_mtok: 2 }\n',
      ),
      /models\[7\]\.pricing\.input_per_mtok: expected a value ≥ 0; found -1/,
    ],
    [
      'threshold above 1',
      edit('quality_threshold: 0.7', 'quality_threshold: 1.5'),
      /router\.quality_threshold: expected a value ≤ 1; found 1\.5/,
    ],
    [
      'threshold below 0',
      edit('quality_threshold: 0.7', 'quality_threshold: -0.1'),
      /router\.quality_threshold: expected a value ≥ 0; found -0\.1/,
    ],
    [
      'no enabled model',
      PROJECT_CONFIG_TEXT.replace(/ {4}tier: /g, '    enabled: false\n    tier: ').replace(
        / {4}enabled: false #[^\n]*\n/g,
        '',
      ),
      /models: no model is enabled/,
    ],
    [
      'a mapped tier with no enabled model',
      PROJECT_CONFIG_TEXT.replaceAll(
        'tier: LOCAL_QUALITY\n    context_window: 32768',
        'tier: LOCAL_QUALITY\n    enabled: false\n    context_window: 32768',
      ),
      /router\.complexity_tier\.MODERATE: MODERATE requests go to tier LOCAL_QUALITY, but no enabled model has tier LOCAL_QUALITY/,
    ],
    [
      'a literal API key',
      edit("'${OPENAI_API_KEY}'", 'sk-live-123'),
      /endpoint\.api_key: expected an \$\{ENV_VAR\} reference.*found a literal value \(not shown\)/,
    ],
  ])('%s', (_name, text, pattern) => {
    const error = errorOf(text);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain('sk-live-123');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('an unset ${ENV} reference fails only when that model is called, naming the variable', () => {
    const sonnet = projectConfig().models.find((m) => m.name === 'claude-sonnet-4-6')!;
    expect(() => resolveApiKey(sonnet, 'llm_config.yaml', {})).toThrow(
      /environment variable ANTHROPIC_API_KEY is not set, and model 'claude-sonnet-4-6' needs it/,
    );
    expect(resolveApiKey(sonnet, 'llm_config.yaml', { ANTHROPIC_API_KEY: 'k' })).toBe('k');
  });
});

describe('the CLI on a bad config', () => {
  it('prints the one-paragraph message, no stack trace, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybridllm-'));
    const file = join(dir, 'llm_config.yaml');
    writeFileSync(file, edit('  prefer_local: true', '  prefer_locl: true'));
    const outcome = await runCli(['route', '--prompt', 'hi', '--config', file]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(
      new RegExp(
        `^error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:8:3: router\\.prefer_locl: unknown key 'prefer_locl'\\. Did you mean 'prefer_local'\\? Expected one of: quality_threshold, prefer_local, [a-z_, ]+\\.\\n$`,
      ),
    );
  });
});

describe('budget.partition_on_outage', () => {
  it("defaults to 'auto' (one lease per live instance) and takes a fraction or a number", () => {
    expect(projectConfig().budget.partitionOnOutage).toBe('auto');
    const parse = (value: string): number | 'auto' =>
      parseConfig(`${PROJECT_CONFIG_TEXT}\nbudget:\n  partition_on_outage: ${value}\n`, 'fleet.yaml').budget
        .partitionOnOutage;
    expect(parse('"1/3"')).toBeCloseTo(1 / 3, 12);
    expect(parse('0.25')).toBe(0.25);
    expect(parse('auto')).toBe('auto');
  });

  it('refuses anything else, naming what it expected', () => {
    const error = errorOf(`${PROJECT_CONFIG_TEXT}\nbudget:\n  partition_on_outage: half\n`);
    expect(error.message).toMatch(/budget\.partition_on_outage/);
    expect(error.message).toMatch(/expected 'auto', a fraction such as 1\/3, or a number in \(0, 1\]/);
    expect(errorOf(`${PROJECT_CONFIG_TEXT}\nbudget:\n  partition_on_outage: "3/2"\n`).message).toMatch(/≤ 1/);
  });
});
