import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../src/bench/bench-runner.js';
import { profileFromRows } from '../src/bench/profile.js';
import { projectConfig } from './helpers/config.js';

function row(passed: boolean, correct: boolean, notes: string[] = []): BenchRow {
  return {
    model: 'mixtral:8x7b',
    taskId: 't',
    action: 'reasoning',
    complexity: 'MODERATE',
    run: 0,
    state: 'ok',
    startedAtMs: 0,
    ttftMs: 100,
    e2eMs: 400,
    outputTokens: 50,
    qualityPassed: passed,
    checks: { format: 1, completeness: passed ? 1 : 0.5, coherence: passed ? 1 : 0 },
    checkNotes: notes,
    correct,
  };
}

describe("bench's profile learns from the task checks, not only from the quality check", () => {
  it('fits silent-wrong (passed but wrong) and flagged-but-right rates', () => {
    const model = projectConfig().models.find((m) => m.name === 'mixtral:8x7b')!;
    const rows = [
      ...Array.from({ length: 6 }, () => row(true, true)),
      ...Array.from({ length: 2 }, () => row(true, false)),
      row(false, false, ['truncated at the token limit']),
      row(false, true, ['refusal']),
    ];
    const profile = profileFromRows(rows, model);
    expect(profile.silent_wrong.MODERATE).toBeCloseTo(0.2, 9);
    expect(profile.defects.MODERATE).toEqual({ truncation: 0.1, refusal: 0.1 });
    expect(profile.flagged_correct.MODERATE).toBeCloseTo(0.5, 9);
    expect(profile.rates_source).toMatch(/fitted by bench from 10 answers/);
    // No rows at SIMPLE: the configured rates stay.
    expect(profile.silent_wrong.SIMPLE).toBe(model.simulation.silent_wrong.SIMPLE);
  });
});
