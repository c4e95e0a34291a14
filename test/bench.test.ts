import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bench } from '../src/bench/bench.js';
import { loadProfiles } from '../src/bench/profile.js';
import { checkTask, hasPython } from '../src/bench/task-checks.js';
import { DEFAULT_TASKS, loadTasks, type TaskCheck } from '../src/bench/tasks.js';
import { parseConfig } from '../src/config/load-config.js';
import type { MockServer } from '../src/fakes/mock-server.js';
import { simulate } from '../src/sim/simulate.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { withMock } from './helpers/mock.js';
import { tempDir } from './helpers/temp.js';

const EVALSETS = new URL('../../shared/datasets/evalsets/', import.meta.url).pathname;

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the task set', () => {
  it('ships ≥ 120 tasks across the design action types, each with a format and a checker', () => {
    const tasks = loadTasks(DEFAULT_TASKS);
    expect(tasks.length).toBeGreaterThanOrEqual(120);
    const actions = new Set(tasks.map((t) => t.action));
    for (const action of [
      'classification',
      'yes_no',
      'extraction',
      'list',
      'tag',
      'edit_file',
      'code_generation',
      'reasoning',
      'summarization',
      'orchestration',
    ])
      expect(actions).toContain(action);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
  });

  it.runIf(existsSync(EVALSETS))('reads GSM8K- and HumanEval-style JSONL as they are', () => {
    const gsm = loadTasks(join(EVALSETS, 'gsm8k_test.jsonl'));
    expect(gsm).toHaveLength(1319);
    expect(gsm[0]!.check).toEqual({ kind: 'number', value: 18, tolerance: 1e-6 });
    const humaneval = loadTasks(join(EVALSETS, 'HumanEval.jsonl.gz'));
    expect(humaneval).toHaveLength(164);
    expect(humaneval[0]).toMatchObject({
      id: 'HumanEval/0',
      expects: 'python',
      check: { kind: 'python_tests', entry_point: 'has_close_elements' },
    });
  });
});

describe('task checks judge known good and bad answers', () => {
  it.each([
    [
      { kind: 'label', value: 'positive', field: 'label' } as const,
      '{"label": "Positive", "confidence": 0.9}',
      true,
    ],
    [{ kind: 'label', value: 'positive', field: 'label' } as const, '{"label": "negative"}', false],
    [{ kind: 'yes_no', value: 'no' } as const, '{"answer": "no", "reason": "divisible by 3"}', true],
    [{ kind: 'yes_no', value: 'no' } as const, 'Yes, it is.', false],
    [
      { kind: 'json_fields', fields: { name: 'ACME GmbH', amount: 120.5 } } as const,
      '```json\n{"name": "ACME GmbH", "amount": 120.50, "date": "x"}\n```',
      true,
    ],
    [
      { kind: 'json_fields', fields: { name: 'ACME GmbH', amount: 120.5 } } as const,
      '{"name": "ACME"}',
      false,
    ],
    [
      { kind: 'number', value: 1234, tolerance: 0 } as const,
      'First 12 boxes...\nSo the answer is 1,234',
      true,
    ],
    [{ kind: 'number', value: 1234, tolerance: 0 } as const, 'The answer is 1243.', false],
    [{ kind: 'contains', values: ['index'] } as const, 'Adding an index fixed it.', true],
    [{ kind: 'contains', values: ['index'] } as const, 'Nothing relevant.', false],
  ])('%j on %j → %s', (check, answer, correct) => {
    expect(checkTask(check as TaskCheck, answer, true).correct).toBe(correct);
  });

  it.runIf(hasPython())('runs generated Python against the given tests', () => {
    const check = { kind: 'python_tests', tests: 'assert add(2, 3) == 5' } as const;
    expect(checkTask(check, '```python\ndef add(a, b):\n    return a + b\n```', true)).toEqual({
      correct: true,
      note: 'tests pass',
    });
    expect(checkTask(check, 'def add(a, b):\n    return a - b\n', true)).toMatchObject({
      correct: false,
      note: expect.stringMatching(/tests fail: AssertionError/),
    });
    expect(checkTask(check, 'def add(a, b)\n', false)).toEqual({ correct: false, note: 'does not parse' });
  });
});

describe('bench against the fake servers with injected latency', () => {
  for (const concurrency of [1, 4]) {
    it(`measures TTFT, TPOT and tokens/s within 5% of what was injected (concurrency ${concurrency})`, async () => {
      // TTFT is measured by the client, so it includes two trips over loopback, which cost ~2 ms each on
      // these machines even with bare fetch (4–6 ms in all, whatever the TTFT). With 100 ms injected that
      // fixed cost alone is 5%; with 400 ms it is ~1.5%, and the check still catches a bench that measures
      // from the wrong moment.
      const mock = await withMock({
        timeScale: 1,
        timing: { 'phi3:mini': { ttftMs: 400, tokensPerSecond: 100, outputTokens: 40 } },
      });
      server = mock.server;
      const model = mock.config.models.find((m) => m.name === 'phi3:mini')!;
      const { summary } = await bench({
        config: mock.config,
        configFile: PROJECT_CONFIG,
        models: [model],
        tasks: loadTasks().slice(0, 12),
        tasksFile: DEFAULT_TASKS,
        concurrency,
        outDir: tempDir(),
        warmup: 1,
      });
      const m = summary.models[0]!;
      expect(m.errors).toBe(0);
      const within = (measured: number, injected: number): void =>
        expect(Math.abs(measured - injected) / injected).toBeLessThan(0.05);
      within(m.ttftMs.p50, 400);
      within(m.tpotMs.p50, 10);
      within(m.serverTokensPerSecond.p50, 100);
      within(m.tokensPerSecond.p50, 100 * (40 / 39)); // n tokens over n − 1 gaps after the first
      expect(m.outputTokens.p50).toBe(40);
      expect(m.throughput.requestsPerSecond).toBeGreaterThan(0);
    });
  }

  it('counts faults as errors and keeps going', async () => {
    const mock = await withMock({
      faults: { 'phi3:mini': { script: ['ok', 'server_error', 'ok', 'not_found'] } },
    });
    server = mock.server;
    const model = mock.config.models.find((m) => m.name === 'phi3:mini')!;
    const outDir = tempDir();
    const { summary } = await bench({
      config: mock.config,
      configFile: PROJECT_CONFIG,
      models: [model],
      tasks: loadTasks().slice(0, 6),
      tasksFile: DEFAULT_TASKS,
      outDir,
      warmup: 1,
    });
    expect(summary.models[0]).toMatchObject({
      requests: 6,
      errors: 2,
      errorsByClass: { TransientError: 1, ModelNotFoundError: 1 },
    });
    expect(summary.models[0]!.firstError).toMatch(/^TransientError: /);
    const rows = readFileSync(join(outDir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string });
    expect(rows.filter((r) => r.state === 'errored')).toHaveLength(2);
    for (const file of ['summary.json', 'summary.csv', 'report.html', 'profiles.yaml'])
      expect(existsSync(join(outDir, file))).toBe(true);
    expect(
      readFileSync(join(outDir, 'report.html'), 'utf8').match(/<svg [^>]*data-variant="wide"/g),
    ).toHaveLength(3);
  });

  it('a profile written by bench, fed to simulate, changes its latency figures accordingly', async () => {
    const mock = await withMock({
      timeScale: 1,
      timing: {
        'phi3:mini': { ttftMs: 300, tokensPerSecond: 200, outputTokens: 20 },
        'llama3:8b': { ttftMs: 300, tokensPerSecond: 200, outputTokens: 20 },
      },
    });
    server = mock.server;
    const models = mock.config.models.filter((m) => m.name === 'phi3:mini' || m.name === 'llama3:8b');
    const outDir = tempDir();
    await bench({
      config: mock.config,
      configFile: PROJECT_CONFIG,
      models,
      tasks: loadTasks().slice(0, 6),
      tasksFile: DEFAULT_TASKS,
      outDir,
      warmup: 0,
      concurrency: 3,
    });
    const profiles = loadProfiles(join(outDir, 'profiles.yaml'));
    expect(Object.keys(profiles)).toEqual(['phi3:mini', 'llama3:8b']);
    const before = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 3,
      out: false,
      parallel: false,
    });
    const after = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 3,
      out: false,
      parallel: false,
      profiles: { file: join(outDir, 'profiles.yaml'), byModel: profiles },
    });
    const phi3 = (s: typeof before.summary): number => s.hybrid.byModel['phi3:mini']!.latencyMs.p50;
    // The shipped profile times phi3 by its assumed capacity: the agent prompt (thousands of tokens) at 1,800/s,
    // then the answer at 110 tokens/s, and the critique the same way. The measured profile replaces it: ~395 ms
    // a call, answer + critique.
    expect(phi3(before.summary)).toBeGreaterThan(1500);
    expect(phi3(after.summary)).toBeGreaterThan(380 * 2 * 0.9);
    expect(phi3(after.summary)).toBeLessThan(400 * 2 * 1.3);
    expect(after.summary.profiles).toBe(join(outDir, 'profiles.yaml'));
    expect(parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG).models[0]!.simulation.latency_ms).toEqual({
      min: 50,
      max: 100,
    });
  });
});

describe('hybridllm bench', () => {
  it('Ctrl-C stops cleanly and keeps what was measured', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./helpers/cli.js');
    const mock = await withMock({
      timeScale: 1,
      timing: { 'phi3:mini': { ttftMs: 100, tokensPerSecond: 100, outputTokens: 20 } },
    });
    server = mock.server;
    const out = tempDir();
    const child = spawn(
      BIN,
      ['bench', '--base-url', server.url, '--models', 'phi3:mini', '--out', out, '--warmup', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // let a few requests finish (~300 ms each), then interrupt
    const start = Date.now();
    while (server.log.length < 5 && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stdout).toMatch(/INTERRUPTED, partial results/);
    const folder = readdirSync(out)[0]!;
    const summary = JSON.parse(readFileSync(join(out, folder, 'summary.json'), 'utf8')) as {
      interrupted: boolean;
      models: { requests: number }[];
    };
    expect(summary.interrupted).toBe(true);
    expect(summary.models[0]!.requests).toBeGreaterThanOrEqual(3);
    expect(summary.models[0]!.requests).toBeLessThan(130);
    expect(
      readFileSync(join(out, folder, 'results.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(summary.models[0]!.requests);
  });

  it('runs against hybridllm mock-server as the README shows, with --json', async () => {
    const mock = await withMock({ timeScale: 0.05 });
    server = mock.server;
    const out = tempDir();
    const { code, stdout } = await runCli([
      'bench',
      '--base-url',
      server.url,
      '--models',
      'phi3:mini',
      '--runs',
      '1',
      '--limit',
      '5',
      '--out',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as {
      models: { model: string; requests: number }[];
      outDir: string;
      definitions: Record<string, string>;
    };
    expect(summary.models[0]).toMatchObject({ model: 'phi3:mini', requests: 5 });
    expect(summary.definitions['tpotMs']).toMatch(/excluding the first token/);
    const bad = await runCli(['bench', '--models', 'phi-9', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--models: no model 'phi-9'/);
  });

  it('a server that answers nothing gets no profile, and the first error is shown', async () => {
    // A port nothing listens on: every request is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const out = tempDir();
    const { code, stdout } = await runCli([
      'bench',
      '--base-url',
      `http://127.0.0.1:${port}`,
      '--models',
      'phi3:mini',
      '--limit',
      '3',
      '--out',
      out,
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^phi3:mini +3 +3 +– +– +– +– +– /m);
    expect(stdout).toContain(
      `phi3:mini: every request failed, so no profile for it; the first: ConnectionError: cannot reach http://127.0.0.1:${port}: connection refused`,
    );
    expect(stdout).toContain('Profile: none written (no model completed a request)');
    const [dir] = readdirSync(out);
    expect(existsSync(join(out, dir!, 'summary.json'))).toBe(true);
    expect(existsSync(join(out, dir!, 'profiles.yaml'))).toBe(false);
  });
});
