import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createRealBackends } from '../src/backends/real-backends.js';
import { withEndpoint } from '../src/config/endpoint-override.js';
import { parseConfig } from '../src/config/load-config.js';
import { createRealClock } from '../src/core/clock.js';
import { startMockServer } from '../src/fakes/mock-server.js';
import { disposeAll } from '../src/llamacpp/engine.js';
import { writeTestModel } from '../src/llamacpp/gguf-writer.js';
import { wilson } from '../src/shadow/agreement.js';
import { exactJudge, finalNumber, judgeFor, jsonJudge, mathJudge } from '../src/shadow/judges.js';
import { shadow } from '../src/shadow/shadow-run.js';
import { formatShadow } from '../src/cli/format/shadow-summary.js';
import { BIN, runCli } from './helpers/cli.js';
import { startCliMock, type CliMock } from './helpers/cli-mock.js';
import { tempDir } from './helpers/temp.js';

const GSM8K = new URL('../../shared/datasets/routellm-gsm8k/gsm8k_responses.csv', import.meta.url).pathname;
const MIXTRAL = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
const GPT4 = 'gpt-4-1106-preview';
const ENV = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };

const mocks: CliMock[] = [];
afterAll(async () => {
  for (const m of mocks) m.stop();
  await disposeAll();
});

const rowsOf = (file: string) =>
  parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe('the judges', () => {
  it('pick a judge by the shape of the recorded answer, and compare like a person would', () => {
    expect(judgeFor({ prompt: 'Janet has 3 apples…' }, 'She has 3 + 4 = 7 apples.\n#### 7')).toBe('math');
    expect(judgeFor({ prompt: 'Extract the fields' }, '{"name": "Ada", "age": 36}')).toBe('json');
    expect(judgeFor({ prompt: 'Is this spam?' }, 'Yes.')).toBe('exact');
    expect(
      judgeFor({ prompt: 'Write a summary' }, 'The meeting agreed on the budget.\nHiring is next.'),
    ).toBe('llm');
    expect(exactJudge('"yes"', 'Yes.')).toBe(true);
    expect(exactJudge('No', 'Yes')).toBe(false);
    expect(
      jsonJudge('```json\n{"age": 36.0, "name": "ada", "extra": 1}\n```', '{"name": "Ada", "age": 36}'),
    ).toBe(true);
    expect(jsonJudge('{"name": "Ada", "age": 37}', '{"name": "Ada", "age": 36}')).toBe(false);
    expect(finalNumber('so 3 + 4 = 7. The answer is $1,250.')).toBe(1250);
    expect(mathJudge('She ends with 18 eggs.', 'Total: 16 - 3 - 4 = 9 eggs; 9 * 2 = 18\n#### 18')).toBe(true);
    expect(mathJudge('The answer is 17', '#### 18')).toBe(false);
  });

  it('agreement intervals are Wilson intervals', () => {
    const w = wilson(8, 10);
    expect(w.low).toBeCloseTo(0.4902, 3);
    expect(w.high).toBeCloseTo(0.9433, 3);
  });
});

describe.runIf(existsSync(GSM8K))(
  'shadow on GSM8K: the mock answers as Mixtral did, the recorded answer is GPT-4’s',
  () => {
    it('the math judge agrees with the file’s labels, and calibrate fits Mixtral’s rates from the labels it writes', async () => {
      const mock = await startCliMock([
        '--time-scale',
        '0.01',
        '--replies',
        GSM8K,
        '--reply-source',
        MIXTRAL,
      ]);
      mocks.push(mock);
      const dir = tempDir();
      const out = join(dir, 'shadow.csv');
      const run = await runCli(
        [
          'shadow',
          '--workload',
          GSM8K,
          '--map',
          `${GPT4}_response=answer`,
          '--models',
          'mixtral:8x7b',
          '--judge',
          'none',
          '--base-url',
          mock.url,
          '--out',
          out,
          '--concurrency',
          '8',
          '--no-progress',
        ],
        { env: ENV },
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /mixtral:8x7b: agrees with the recorded answer on [\d.]+% \(95% [\d.]+%–[\d.]+%, [\d,]+ of 1,31\d\)/,
      );
      const file = rowsOf(GSM8K);
      const rows = rowsOf(out).filter((r) => r['model'] === 'mixtral:8x7b');
      expect(rows).toHaveLength(1319);
      // Each served answer is Mixtral's recorded one, word for word.
      for (const r of rows)
        expect(r['answer']).toBe(file[Number(r['request_id']) - 1]![`${MIXTRAL}_response`]);
      let judged = 0;
      let agree = 0;
      for (const r of rows) {
        const recorded = file[Number(r['request_id']) - 1]!;
        if (recorded[GPT4] !== 'True' || r['correct'] === '') continue;
        judged++;
        if ((r['correct'] === 'True') === (recorded[MIXTRAL] === 'True')) agree++;
      }
      expect(judged).toBeGreaterThan(1100);
      expect(agree / judged).toBeGreaterThanOrEqual(0.97);

      // Fed to calibrate, the shadow labels give Mixtral's rates near those from the file's own labels.
      const fit = async (answers: string, extra: string[]) => {
        const profiles = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
        const c = await runCli([
          'calibrate',
          '--answers',
          answers,
          ...extra,
          '--write-profiles',
          profiles,
          '--json',
        ]);
        expect(c.code).toBe(0);
        return (
          parseYaml(readFileSync(profiles, 'utf8')) as {
            models: Record<
              string,
              {
                defects: { MODERATE: Record<string, number> };
                silent_wrong: { MODERATE: number };
                flagged_correct: { MODERATE: number };
                rates_source: string;
              }
            >;
          }
        ).models['mixtral:8x7b']!;
      };
      const original = await fit(GSM8K, []);
      const shadowed = await fit(out, ['--workload', GSM8K]);
      expect(shadowed.rates_source).toMatch(
        /^fitted from shadow run .*shadow\.csv on 1,?31\d of your requests/,
      );
      for (const defect of Object.keys(original.defects.MODERATE))
        expect(
          Math.abs(shadowed.defects.MODERATE[defect]! - original.defects.MODERATE[defect]!),
        ).toBeLessThan(0.02);
      expect(Math.abs(shadowed.flagged_correct.MODERATE - original.flagged_correct.MODERATE)).toBeLessThan(
        0.02,
      );
      // Silent-wrong is agreement with GPT-4, not accuracy: where GPT-4 itself was wrong (14% of rows) a right
      // Mixtral answer counts as wrong. Measured 2026-12-03: 26.9% from the labels, 30.1% from shadow.
      expect(shadowed.silent_wrong.MODERATE).toBeGreaterThan(original.silent_wrong.MODERATE);
      expect(shadowed.silent_wrong.MODERATE - original.silent_wrong.MODERATE).toBeLessThan(0.04);
    }, 180_000);
  },
);

describe('shadow through the real clients', () => {
  it('runs the llama.cpp test model, and judges its free text through the fake Anthropic server, cost counted', async () => {
    const dir = tempDir();
    const model = join(dir, 'tiny.gguf');
    writeTestModel(model, { dim: 64, layers: 2 });
    const configFile = join(dir, 'shadow.yaml');
    const text = `router:
  self_critique: false
  action_complexity: { summarization: SIMPLE }
  complexity_tier: { SIMPLE: LOCAL_FAST, MODERATE: LOCAL_FAST, COMPLEX: API_FALLBACK }
models:
  - name: tiny
    provider: llamacpp
    tier: LOCAL_FAST
    context_window: 512
    model_path: ${model}
    context_size: 512
    simulation: { latency_ms: { min: 5, max: 10 }, defects: {} }
  - name: claude-sonnet-4-6
    provider: anthropic
    tier: API_FALLBACK
    context_window: 200000
    endpoint: { api_key: '\${ANTHROPIC_API_KEY}' }
    simulation: { latency_ms: { min: 20, max: 40 }, defects: {} }
`;
    writeFileSync(configFile, text);
    const workload = join(dir, 'traffic.csv');
    writeFileSync(
      workload,
      'timestamp,action,prompt,answer\n' +
        [1, 2, 3, 4]
          .map(
            (i) =>
              `2026-03-01T10:0${i}:00Z,summarization,"Summarise note ${i}: the team met and agreed on the plan.","The team met and agreed on the plan (note ${i}). Next steps follow."`,
          )
          .join('\n') +
        '\n',
    );
    const config = parseConfig(text, configFile);
    const server = await startMockServer({ config, timeScale: 0.01 });
    try {
      const env = { ...process.env, ...ENV };
      const out = join(dir, 'labels.csv');
      const result = await shadow({
        config: withEndpoint(config, server.url),
        configFile,
        workload: { file: workload },
        models: ['tiny'],
        out,
        judgeBudgetUsd: 0.5,
        concurrency: 1,
        backends: createRealBackends({ clock: createRealClock(), configFile, env }),
      });
      expect(result.called).toBe(4);
      const tiny = rowsOf(out).filter((r) => r['model'] === 'tiny');
      expect(tiny).toHaveLength(4);
      for (const r of tiny) {
        expect(r['answer']!.length).toBeGreaterThan(0);
        expect(r['judge']).toBe('llm claude-sonnet-4-6');
        expect(['True', 'False']).toContain(r['correct']);
      }
      expect(server.log.filter((e) => e.api === 'anthropic')).toHaveLength(4);
      expect(result.judge).toMatchObject({ model: 'claude-sonnet-4-6', calls: 4 });
      expect(result.judge!.costUsd).toBeGreaterThan(0);
      expect(formatShadow(result, workload)).toMatch(
        /JUDGE {2}claude-sonnet-4-6: 4 call\(s\), \$0\.0\d{3} of the \$0\.5 budget/,
      );
      // A budget too small for one call: free text is left unjudged, and no call is made.
      const poor = await shadow({
        config: withEndpoint(config, server.url),
        configFile,
        workload: { file: workload },
        models: ['tiny'],
        out: join(dir, 'poor.csv'),
        judgeBudgetUsd: 0.000001,
        backends: createRealBackends({ clock: createRealClock(), configFile, env }),
      });
      expect(poor.judge).toMatchObject({ calls: 0, costUsd: 0 });
      expect(poor.models[0]!.unjudged).toBe(4);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe.runIf(existsSync(GSM8K))('Ctrl-C and --resume', () => {
  it('stops cleanly keeping what was judged, and --resume judges the rest, none twice and none lost', async () => {
    // Slow enough (about a second an answer, four at once) to be stopped part way.
    const mock = await startCliMock(['--time-scale', '1', '--replies', GSM8K, '--reply-source', MIXTRAL]);
    mocks.push(mock);
    const dir = tempDir();
    const out = join(dir, 'labels.csv');
    const args = [
      'shadow',
      '--workload',
      GSM8K,
      '--map',
      `${GPT4}_response=answer`,
      '--models',
      'mixtral:8x7b',
      '--judge',
      'none',
      '--base-url',
      mock.url,
      '--out',
      out,
      '--limit',
      '40',
      '--no-progress',
    ];
    const child = spawn(BIN, args, { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const judged = () =>
      existsSync(out) ? rowsOf(out).filter((r) => r['model'] === 'mixtral:8x7b').length : 0;
    const deadline = Date.now() + 60_000;
    while (judged() < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/Stopping: what was judged is kept; run again with --resume/);
    const before = judged();
    expect(before).toBeGreaterThanOrEqual(6);
    expect(before).toBeLessThan(40);
    // Without --resume the file is not overwritten.
    const again = await runCli(args, { env: ENV });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: pass --resume to continue it/);
    const resumed = await runCli([...args, '--resume', '--concurrency', '8'], { env: ENV });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`${40 - before} call\\(s\\) now, ${before} judged before \\(--resume\\)`),
    );
    const rows = rowsOf(out);
    const keys = rows.map((r) => `${r['request_id']}\t${r['model']}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(
      rows
        .filter((r) => r['model'] === 'mixtral:8x7b')
        .map((r) => Number(r['request_id']))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(rows.filter((r) => r['judge'] === 'reference')).toHaveLength(40);
  }, 180_000);

  it('a workload with no recorded answers is refused, saying how to map the column', async () => {
    const { code, stderr } = await runCli([
      'shadow',
      '--workload',
      GSM8K,
      '--models',
      'mixtral:8x7b',
      '--out',
      join(tempDir(), 'x.csv'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no row has both a prompt and a recorded answer.*--map COLUMN=answer/);
  });
});
