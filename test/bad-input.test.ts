import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

/**
 * The catalogue: every wrong thing a user can type, through the real CLI. Each case must end with one clear
 * message naming what is wrong (the file, and the line where there is one), exit code 2, no stack trace, and
 * nothing written into the run folder or the ledger.
 */
interface Case {
  name: string;
  /** Writes the case's files into `dir` and returns the CLI arguments (use `out` for --out). */
  setup: (dir: string, out: string) => string[];
  /** What the message must say. */
  message: RegExp;
  /** @default 2 */
  code?: number;
  skip?: boolean;
}

const CONFIG_WITH = (dir: string, from: string, to: string): string => {
  const file = join(dir, 'config.yaml');
  if (!PROJECT_CONFIG_TEXT.includes(from)) throw new Error(`the shipped config has no '${from}'`);
  writeFileSync(file, PROJECT_CONFIG_TEXT.replace(from, to));
  return file;
};
const simulateWith = (config: string, out: string): string[] => [
  'simulate',
  '--scenario',
  'light',
  '--days',
  '1',
  '--config',
  config,
  '--out',
  out,
  '--no-progress',
];
const SCENARIO = `name: bad
iterations_per_day: 10
days: 1
actions:
  classification: { share: 0.5, expects: json, input_tokens: { mean: 300, sd: 50 }, output_tokens: { mean: 60, sd: 10 } }
  edit_file: { share: 0.5, expects: python, input_tokens: { mean: 900, sd: 100 }, output_tokens: { mean: 200, sd: 40 } }
`;
const scenarioWith = (dir: string, from: string, to: string): string => {
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, SCENARIO.replace(from, to));
  return file;
};
const workload = (dir: string, name: string, content: string | Buffer): string => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};
const replay = (file: string, out: string, ...more: string[]): string[] => [
  'simulate',
  '--workload',
  file,
  '--out',
  out,
  '--no-progress',
  ...more,
];
const isRoot = process.getuid?.() === 0;

const CASES: Case[] = [
  // config
  {
    name: 'config: YAML syntax error',
    setup: (d, o) => simulateWith(CONFIG_WITH(d, 'quality_threshold: 0.7', 'quality_threshold: [0.7'), o),
    message: /config\.yaml:\d+:\d+/,
  },
  {
    name: 'config: wrong type',
    setup: (d, o) => simulateWith(CONFIG_WITH(d, 'quality_threshold: 0.7', 'quality_threshold: high'), o),
    message: /config\.yaml:\d+:\d+.*quality_threshold/,
  },
  {
    name: 'config: unknown key',
    setup: (d, o) => simulateWith(CONFIG_WITH(d, 'quality_threshold: 0.7', 'qualty_threshold: 0.7'), o),
    message: /config\.yaml:\d+:\d+.*qualty_threshold/,
  },
  {
    name: 'config: negative price',
    setup: (d, o) =>
      simulateWith(
        CONFIG_WITH(
          d,
          'context_window: 128000',
          'context_window: 128000\n    pricing: { input_per_mtok: -2, output_per_mtok: 10 }',
        ),
        o,
      ),
    message: /config\.yaml:\d+:\d+.*input_per_mtok/,
  },
  {
    name: 'config: an API key variable missing when the model is called',
    setup: (d) => [
      'route',
      '--backend',
      'real',
      '--action',
      'orchestration',
      '--prompt',
      'plan the migration',
      '--config',
      CONFIG_WITH(
        d,
        "api_key: '${ANTHROPIC_API_KEY}' }\n    simulation:\n      latency_ms: { min: 1000",
        "api_key: '${HYBRIDLLM_TEST_UNSET_KEY}' }\n    simulation:\n      latency_ms: { min: 1000",
      ),
    ],
    message:
      /config\.yaml: models\[\d\]\.endpoint\.api_key: environment variable HYBRIDLLM_TEST_UNSET_KEY is not set/,
  },
  {
    name: 'config: a directory',
    setup: (d, o) => simulateWith(d, o),
    message: /the config is a directory/,
  },
  // scenario
  {
    name: 'scenario: shares that do not sum to 1',
    setup: (d, o) => [
      ...replaceScenario(scenarioWith(d, 'share: 0.5, expects: python', 'share: 0.7, expects: python'), o),
    ],
    message: /scenario\.yaml:\d+:\d+.*the action shares add up to 1\.2; they must add up to 1/,
  },
  {
    name: 'scenario: negative tokens',
    setup: (d, o) => replaceScenario(scenarioWith(d, 'mean: 300, sd: 50', 'mean: -300, sd: 50'), o),
    message: /scenario\.yaml:\d+:\d+/,
  },
  {
    name: 'scenario: unknown model in faults',
    setup: (d, o) =>
      replaceScenario(scenarioWith(d, 'days: 1\n', 'days: 1\nfaults: { nosuch-model: 0.1 }\n'), o),
    message: /scenario\.yaml:\d+:\d+.*no model named 'nosuch-model'/,
  },
  // workload
  {
    name: 'workload: empty',
    setup: (d, o) => replay(workload(d, 'w.csv', ''), o),
    message: /w\.csv: the workload is empty/,
  },
  {
    name: 'workload: header only',
    setup: (d, o) => replay(workload(d, 'w.csv', 'prompt,input_tokens\n'), o),
    message: /w\.csv: the workload has a header but no rows/,
  },
  {
    name: 'workload: binary',
    setup: (d, o) => replay(workload(d, 'w.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x14])), o),
    message: /w\.csv: the workload is a binary file \(a NUL byte at offset 4\)/,
  },
  { name: 'workload: a directory', setup: (d, o) => replay(d, o), message: /the workload is a directory/ },
  {
    name: 'workload: unreadable',
    skip: isRoot,
    setup: (d, o) => {
      const file = workload(d, 'w.csv', 'prompt\nhello\n');
      chmodSync(file, 0);
      return replay(file, o);
    },
    message: /w\.csv: cannot read the workload: permission denied/,
  },
  {
    name: 'workload: a FIFO',
    setup: (d, o) => {
      const file = join(d, 'w.csv');
      execFileSync('mkfifo', [file]);
      return replay(file, o);
    },
    message: /w\.csv: the workload is a FIFO/,
  },
  {
    name: 'workload: a bad row',
    setup: (d, o) => replay(workload(d, 'w.csv', 'prompt,input_tokens\nhello,12\nworld,many\n'), o),
    message: /w\.csv:3:2: input_tokens: expected a non-negative integer, found "many"/,
  },
  {
    name: 'workload: a huge line',
    setup: (d, o) => replay(workload(d, 'w.jsonl', `{"prompt": "${'x'.repeat(17 * 1024 * 1024)}"}\n`), o),
    message: /w\.jsonl:1: the line is 17 MB long/,
  },
  {
    name: 'workload: not UTF-8',
    setup: (d, o) => replay(workload(d, 'w.csv', Buffer.from('prompt\ncaf\xe9 au lait\n', 'latin1')), o),
    message: /w\.csv: the workload is not UTF-8 text \(an invalid byte 0xe9 at offset 10\)/,
  },
  {
    name: 'workload: a quote never closed',
    setup: (d, o) => replay(workload(d, 'w.csv', 'prompt\n"hello\n'), o),
    message: /w\.csv:2: the workload is not valid CSV: Quote Not Closed/,
  },
  {
    name: 'workload: no such file',
    setup: (d, o) => replay(join(d, 'missing.csv'), o),
    message: /missing\.csv: cannot read the workload: no such file/,
  },
  {
    name: 'answers: no answer columns',
    setup: (d, o) => [
      ...replay(workload(d, 'w.csv', 'prompt\nhello\n'), o),
      '--answers',
      workload(d, 'a.csv', 'prompt,label\nhello,1\n'),
    ],
    message: /a\.csv:1: no recorded answers found/,
  },
  // flags
  {
    name: 'flags: --runs 0',
    setup: (_d, o) => [...simulateLight(o), '--runs', '0'],
    message: /--runs must be a positive integer, got '0'/,
  },
  {
    name: 'flags: --runs -1',
    setup: (_d, o) => [...simulateLight(o), '--runs=-1'],
    message: /--runs must be a positive integer, got '-1'/,
  },
  {
    name: 'flags: --days 0',
    setup: (_d, o) => [...simulateLight(o), '--days', '0'],
    message: /--days must be a positive integer, got '0'/,
  },
  {
    name: 'flags: --days abc',
    setup: (_d, o) => [...simulateLight(o), '--days', 'abc'],
    message: /--days must be a positive integer, got 'abc'/,
  },
  {
    name: 'flags: --seed abc',
    setup: (_d, o) => [...simulateLight(o), '--seed', 'abc'],
    message: /--seed must be an integer, got 'abc'/,
  },
  {
    name: 'flags: --concurrency 0',
    setup: (_d, o) => [...simulateLight(o), '--backend', 'real', '--concurrency', '0'],
    message: /--concurrency must be a positive integer, got '0'/,
  },
  {
    name: 'flags: --rate -5',
    setup: (_d, o) => [...simulateLight(o), '--backend', 'real', '--rate=-5'],
    message: /--rate must be a positive number, got '-5'/,
  },
  {
    name: 'flags: --target-accuracy 2',
    setup: (d, o) => [
      ...replay(workload(d, 'w.csv', 'prompt\nhi\n'), o),
      '--answers',
      join(d, 'w.csv'),
      '--target-accuracy',
      '2',
    ],
    message: /--target-accuracy must be a share from 0 to 1, got '2'/,
  },
  // other commands
  { name: 'report: a folder that is no run', setup: (d) => ['report', d], message: /no summary\.json here/ },
  {
    name: 'usage: a ledger that is not a database',
    setup: (d) => [
      'usage',
      '--ledger',
      workload(d, 'ledger.db', 'this is not sqlite, just text\n'.repeat(40)),
    ],
    message: /ledger\.db: cannot use the usage ledger: the file is not a valid SQLite database/,
  },
  {
    name: 'bench: an unknown model',
    setup: (_d, o) => ['bench', '--models', 'nosuch:model', '--out', o],
    message: /--models: no model 'nosuch:model'/,
  },
  {
    name: 'mock-server: --port abc',
    setup: () => ['mock-server', '--port', 'abc'],
    message: /--port must be a whole number from 0 to 65535, got 'abc'/,
  },
];

function replaceScenario(file: string, out: string): string[] {
  return ['simulate', '--scenario', file, '--out', out, '--no-progress'];
}
function simulateLight(out: string): string[] {
  return ['simulate', '--scenario', 'light', '--out', out, '--no-progress'];
}

describe('bad input: one clear message, exit code 2, no stack trace, nothing written', () => {
  it('has at least 25 cases', () => expect(CASES.filter((c) => !c.skip).length).toBeGreaterThanOrEqual(25));

  for (const item of CASES)
    it.skipIf(item.skip === true)(
      item.name,
      async () => {
        const dir = tempDir();
        const out = join(tempDir(), 'runs');
        mkdirSync(out);
        const ledger = join(tempDir(), 'ledger.db');
        const args = item.setup(dir, out);
        const before = args.includes('usage') ? readFileSync(args.at(-1)!) : undefined;
        const result = await runCli(args, { env: { HYBRIDLLM_LEDGER: ledger } });
        // HYBRIDLLM_PRINT_CATALOGUE=1 lists every case with its message (for release notes).
        if (process.env['HYBRIDLLM_PRINT_CATALOGUE'])
          console.log(`${item.name} → exit ${result.code}: ${result.stderr.trim()}`);
        expect(result.stderr).toMatch(item.message);
        expect(result.code).toBe(item.code ?? 2);
        expect(result.stderr).not.toMatch(/\n\s+at \S+ \(|node:internal|\.ts:\d+:\d+\)/);
        expect(
          result.stderr
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('error:')),
        ).toHaveLength(1);
        expect(readdirSync(out)).toEqual([]);
        // The ledger may be created (opened before the request), but no request reaches it.
        if (existsSync(ledger)) {
          const db = new Database(ledger, { readonly: true });
          expect(db.prepare('SELECT COUNT(*) AS n FROM requests').get()).toEqual({ n: 0 });
          db.close();
        }
        if (before) expect(readFileSync(args.at(-1)!)).toEqual(before);
      },
      60_000,
    );

  it('a UTF-8 BOM is read as text, not refused', async () => {
    const dir = tempDir();
    const file = workload(dir, 'w.csv', '\ufeffprompt,input_tokens\nhello there,12\n');
    const result = await runCli(['simulate', '--workload', file, '--no-write', '--json', '--no-progress']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { hybrid: { requests: number } };
    expect(summary.hybrid.requests).toBe(1);
  });
});

describe('help that reads well', () => {
  const COMMANDS = [
    'simulate',
    'estimate',
    'report',
    'route',
    'usage',
    'bench',
    'calibrate',
    'mock-server',
    'doctor',
  ];
  for (const command of COMMANDS)
    it(`${command} --help exits 0, shows an example, and has no hard breaks inside sentences`, async () => {
      for (const columns of ['80', '200']) {
        const result = await runCli([command, '--help'], { env: { COLUMNS: columns } });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Examples:/m);
        const lines = result.stdout.split('\n');
        // At 200 columns yargs fills lines; a short line followed by one that carries on the same sentence
        // (lower-case start) is a break written into the text.
        if (columns === '200')
          for (let i = 0; i + 1 < lines.length; i++) {
            const line = lines[i]!;
            const next = lines[i + 1]!;
            if (
              line.length > 0 &&
              line.length < 120 &&
              !/^\s|^hybridllm /.test(line) &&
              /^[a-z(]/.test(next) &&
              !next.startsWith('hybridllm ')
            )
              throw new Error(`hard break in ${command} --help after: ${line}`);
          }
      }
    });
});

describe('a file that changes while it is read', () => {
  it('is reported with its sizes', async () => {
    const { appendFileSync } = await import('node:fs');
    const { checkInputFile, checkUnchanged } = await import('../src/config/input-file.js');
    const file = workload(tempDir(), 'growing.csv', 'prompt\nhello\n');
    const before = checkInputFile(file, 'workload');
    expect(() => checkUnchanged(file, 'workload', before)).not.toThrow();
    appendFileSync(file, 'more\n');
    expect(() => checkUnchanged(file, 'workload', before)).toThrow(
      /growing\.csv: the workload changed while it was read \(13 bytes when opened, 18 at the end\)/,
    );
  });
});
