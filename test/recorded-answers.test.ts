import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { calibrate } from '../src/sim/calibrate.js';
import { loadAnswerTable } from '../src/sim/recorded-answers.js';
import { simulate } from '../src/sim/simulate.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';
import { handBuiltFiles } from './helpers/hand-built-answers.js';

const SHARED = new URL('../../shared/datasets/', import.meta.url).pathname;
const GSM8K = join(SHARED, 'routellm-gsm8k/gsm8k_responses.csv');

describe('recorded answers, long layout, built by hand', () => {
  it('reads the long layout with labels and counted tokens', async () => {
    const { answers } = handBuiltFiles();
    const table = await loadAnswerTable(answers);
    expect(table.layout).toBe('long');
    expect(table.sources).toEqual(['small-local', 'big-api']);
    expect(table.rows.get('row3')?.get('small-local')).toMatchObject({ correct: false });
    expect(table.rows.get('row3')?.get('small-local')?.outputTokens).toBeGreaterThan(5);
  });

  it('replays them through the router: precision, recall and AUC as computed by hand', async () => {
    const { workload, answers } = handBuiltFiles();
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: workload },
      answers: { file: answers, map: { 'mixtral:8x7b': 'small-local', 'claude-sonnet-4-6': 'big-api' } },
      out: false,
    });
    const quality = summary.recordedQuality!;
    expect(quality.requests).toBe(6);
    expect(quality.allLocal).toBeCloseTo(3 / 6, 12);
    expect(quality.allApi).toBe(1);
    // Caught: rows 3 and 6; false alarm: row 5; missed: row 2.
    expect(quality.detector).toMatchObject({ answers: 6, wrong: 3, caught: 2, falseAlarms: 1, missed: 1 });
    expect(quality.detector.precision).toBeCloseTo(2 / 3, 12);
    expect(quality.detector.recall).toBeCloseTo(2 / 3, 12);
    // Right answers score {1, 0.8, 0}, wrong ones {1, 0, 0}: 5.5 of 9 pairs ordered right.
    expect(quality.detector.rocAuc).toBeCloseTo(5.5 / 9, 12);
    // The three flagged rows escalate to the API's right answers: 3 right locally + 3 from the API − row 2.
    expect(quality.hybrid.accuracy).toBeCloseTo(5 / 6, 12);
    expect(quality.hybrid.strongShare).toBeCloseTo(3 / 6, 12);
    expect(summary.accuracy.basis).toBe('recorded');
  });

  it('names the file and line of a bad label, and a mapping that names no source', async () => {
    const { workload, answers } = handBuiltFiles();
    const bad = join(tempDir(), 'bad.csv');
    writeFileSync(bad, 'request_id,model,answer,correct\n1,a,"x",maybe\n');
    await expect(loadAnswerTable(bad)).rejects.toThrow(/bad\.csv:2: column 'correct': expected True\/False/);
    await expect(
      simulate({
        configFile: PROJECT_CONFIG,
        workload: { file: workload },
        answers: { file: answers, map: { 'mixtral:8x7b': 'nobody' } },
        out: false,
      }),
    ).rejects.toThrow(ConfigError);
  });
});

describe.runIf(existsSync(GSM8K))('RouteLLM GSM8K: real Mixtral and GPT-4 answers with labels', () => {
  it('hybrid accuracy against the file, all-local and all-API exactly the file shares, beats random', async () => {
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: GSM8K },
      answers: { file: GSM8K },
      out: false,
    });
    const quality = summary.recordedQuality!;
    expect(quality.requests).toBe(1319);
    expect(quality.allLocal).toBe(842 / 1319);
    expect(quality.allApi).toBe(1130 / 1319);
    expect(summary.accuracy.baseline).toBe(1130 / 1319);
    // The router's checks catch wrong local answers: better than a random router at the same API share, by
    // more than the bootstrap interval.
    expect(quality.hybrid.gainInterval[0]).toBeGreaterThan(0);
    expect(quality.recommended.gainInterval[0]).toBeGreaterThan(0);
    expect(quality.detector.recall).toBeGreaterThan(0.2);
    // The structural checks alone (the check before this release) recover less of the gap.
    const [configured, structural] = quality.sweep;
    expect(configured!.apgr!).toBeGreaterThan(structural!.apgr! + 0.05);
    expect(configured!.cpt50).toBeLessThan(structural!.cpt50!);
  }, 120_000);

  it('profiles fitted by calibrate reproduce the recorded accuracy within its interval when simulated', async () => {
    const profiles = join(tempDir(), 'fitted.yaml');
    const fitted = await calibrate({ configFile: PROJECT_CONFIG, answers: GSM8K, writeProfiles: profiles });
    const mixtral = fitted.fitted.find((f) => f.model === 'mixtral:8x7b')!;
    expect(mixtral.answers.MODERATE).toBeGreaterThan(1300);
    expect(mixtral.profile.silent_wrong.MODERATE).toBeGreaterThan(0.2);
    const recorded = fitted.quality.hybrid;

    const { loadProfiles } = await import('../src/bench/profile.js');
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: GSM8K },
      profiles: { file: profiles, byModel: loadProfiles(profiles) },
      out: false,
    });
    expect(summary.accuracy.basis).toBe('mixed');
    expect(summary.accuracy.source).toMatch(/fitted by calibrate/);
    // Mixtral answers every request first: its simulated accuracy is the all-local one.
    const local = summary.hybrid.quality.byModel['mixtral:8x7b']!;
    const allLocal = local.correct / local.labelled;
    const halfWidth = 1.96 * Math.sqrt((fitted.quality.allLocal * (1 - fitted.quality.allLocal)) / 1319);
    expect(Math.abs(allLocal - fitted.quality.allLocal)).toBeLessThan(halfWidth);
    expect(summary.accuracy.hybrid!).toBeGreaterThan(recorded.accuracyInterval[0]);
    expect(summary.accuracy.hybrid!).toBeLessThan(recorded.accuracyInterval[1]);
  }, 180_000);
});

describe('recorded critiques', () => {
  function files(): { workload: string; answers: string; vetoConfig: string } {
    const dir = tempDir();
    const workload = join(dir, 'workload.csv');
    writeFileSync(
      workload,
      'prompt\n"Tom has 2 apples and buys 3 more. How many apples does he have now?"\n"Ann has 3 apples and buys 4 more. How many apples does she have now?"\n',
    );
    const answers = join(dir, 'answers.csv');
    writeFileSync(
      answers,
      [
        'request_id,model,answer,correct,critique',
        '1,small-local,"He has 2 + 3 = 5 apples.\n#### 5",true,YES: right',
        '2,small-local,"She has 3 + 3 = 6 apples.\n#### 6",false,"NO: she buys 4, not 3"',
        '1,big-api,"He has 2 + 3 = 5 apples.\n#### 5",true,',
        '2,big-api,"She has 3 + 4 = 7 apples.\n#### 7",true,',
      ].join('\n'),
    );
    const vetoConfig = join(dir, 'veto.yaml');
    writeFileSync(
      vetoConfig,
      readFileSync(PROJECT_CONFIG, 'utf8').replace('veto: [task]', 'veto: [task, self_critique]'),
    );
    return { workload, answers, vetoConfig };
  }
  const map = { 'mixtral:8x7b': 'small-local', 'claude-sonnet-4-6': 'big-api' };

  it('a recorded NO vetoes a silently wrong answer only when self-critique may veto', async () => {
    const { workload, answers, vetoConfig } = files();
    const plain = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: workload },
      answers: { file: answers, map },
      out: false,
    });
    expect(plain.summary.config.selfCritique).toBe(true);
    expect(plain.summary.recordedQuality!.hybrid.accuracy).toBe(0.5);
    const vetoed = await simulate({
      configFile: vetoConfig,
      workload: { file: workload },
      answers: { file: answers, map },
      out: false,
    });
    expect(vetoed.summary.recordedQuality!.hybrid.accuracy).toBe(1);
    expect(vetoed.summary.recordedQuality!.hybrid.strongShare).toBe(0.5);
  });
});

describe('calibrate --weights', () => {
  it('reads presets and KEY=WEIGHT lists, and names what is wrong', async () => {
    const { parseWeightVariant } = await import('../src/sim/weight-variant.js');
    expect(parseWeightVariant('task-weighted').weights.task).toBe(0.4);
    const custom = parseWeightVariant('task=0.6,format=0.1,veto=self_critique');
    expect(custom.weights).toMatchObject({ task: 0.6, format: 0.1, coherence: 0.3 });
    expect(custom.weights.veto).toEqual({ task: false, selfCritique: true });
    expect(() => parseWeightVariant('speed=1')).toThrow(/'speed=1' is neither/);
  });
});
