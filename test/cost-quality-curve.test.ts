import { describe, expect, it } from 'vitest';
import {
  apgr,
  bootstrapAgainstRandom,
  cpt,
  oracleRouter,
  randomRouterAccuracy,
} from '../src/sim/cost-quality-curve.js';
import { detectorStats } from '../src/sim/detector-metrics.js';

describe("RouteLLM's APGR and CPT on a toy curve, by hand", () => {
  // weak 0.6, strong 0.9; the router reaches 0.8 with half the calls to the strong model.
  const curve = [
    { strongShare: 0, accuracy: 0.6 },
    { strongShare: 1, accuracy: 0.9 },
    { strongShare: 0.5, accuracy: 0.8 },
  ];
  it('APGR: area (0.35 + 0.425 = 0.775) less the weak area (0.6), over the gap (0.3) = 0.5833', () => {
    expect(apgr(curve, 0.6, 0.9)).toBeCloseTo(0.175 / 0.3, 12);
  });
  it('a random router (the straight line) scores 0.5', () => {
    expect(apgr([curve[0]!, curve[1]!], 0.6, 0.9)).toBeCloseTo(0.5, 12);
  });
  it('CPT(50%): 0.75 is reached at 0.375; CPT(80%): 0.84 at 0.7', () => {
    expect(cpt(curve, 0.6, 0.9, 0.5)).toBeCloseTo(0.375, 12);
    expect(cpt(curve, 0.6, 0.9, 0.8)).toBeCloseTo(0.7, 12);
    expect(cpt([{ strongShare: 0, accuracy: 0.6 }], 0.6, 0.9, 0.5)).toBeUndefined();
  });
});

describe('comparison routers', () => {
  const rows = [
    { weakCorrect: true, strongCorrect: true },
    { weakCorrect: false, strongCorrect: true },
    { weakCorrect: false, strongCorrect: false },
    { weakCorrect: true, strongCorrect: false },
  ];
  it('random: (1 − s)·weak + s·strong; oracle: strong only where it alone is right', () => {
    expect(randomRouterAccuracy(rows, 0.25)).toBeCloseTo(0.75 * 0.5 + 0.25 * 0.5, 12);
    expect(oracleRouter(rows)).toEqual({ strongShare: 0.25, accuracy: 0.75 });
  });
  it('the bootstrap interval covers the point estimate and is seeded', () => {
    const routed = Array.from({ length: 400 }, (_, i) => ({
      weakCorrect: i % 3 !== 0,
      strongCorrect: i % 5 !== 0,
      usedStrong: i % 3 === 0,
      correct: i % 3 === 0 ? i % 5 !== 0 : true,
    }));
    const a = bootstrapAgainstRandom(routed, 500, 7);
    expect(a).toEqual(bootstrapAgainstRandom(routed, 500, 7));
    expect(a.gainInterval[0]).toBeLessThanOrEqual(a.gain);
    expect(a.gainInterval[1]).toBeGreaterThanOrEqual(a.gain);
    expect(a.gainInterval[0]).toBeGreaterThan(0);
  });
});

describe('the check as a detector of wrong answers', () => {
  it('precision, recall and ROC AUC with ties counted half', () => {
    const stats = detectorStats([
      { confidence: 1, passed: true, correct: true },
      { confidence: 1, passed: true, correct: false },
      { confidence: 0, passed: false, correct: false },
      { confidence: 0.8, passed: true, correct: true },
      { confidence: 0, passed: false, correct: true },
      { confidence: 0, passed: false, correct: false },
    ]);
    expect(stats).toMatchObject({ answers: 6, wrong: 3, caught: 2, falseAlarms: 1, missed: 1 });
    expect(stats.precision).toBeCloseTo(2 / 3, 12);
    expect(stats.recall).toBeCloseTo(2 / 3, 12);
    // Right {1, 0.8, 0} against wrong {1, 0, 0}: .5+1+1 + 0+1+1 + 0+.5+.5 = 5.5 of 9 pairs.
    expect(stats.rocAuc).toBeCloseTo(5.5 / 9, 12);
  });
  it('a check that passes everything has AUC 0.5 and recall 0', () => {
    const stats = detectorStats([
      { confidence: 1, passed: true, correct: true },
      { confidence: 1, passed: true, correct: false },
    ]);
    expect(stats.rocAuc).toBe(0.5);
    expect(stats.recall).toBe(0);
    expect(stats.precision).toBeUndefined();
  });
});
