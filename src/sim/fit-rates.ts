import { DEFECTS, type Defect, type DefectRates } from '../config/schema.js';
import type { CheckScores } from '../router/types.js';

/** Labelled answers of one model at one complexity, split the way a simulation profile needs them. */
export interface OutcomeCounts {
  answers: number;
  /** Answers the quality check failed, by the defect their check notes point to. */
  flagged: Partial<Record<Defect, number>>;
  /** Of the flagged answers, those that were right anyway (false alarms). */
  flaggedCorrect: number;
  /** Answers the check passed that were wrong. */
  passedWrong: number;
}

export function emptyCounts(): OutcomeCounts {
  return { answers: 0, flagged: {}, flaggedCorrect: 0, passedWrong: 0 };
}

export function addOutcome(
  counts: OutcomeCounts,
  passed: boolean,
  correct: boolean,
  checks: CheckScores,
): void {
  counts.answers++;
  if (passed) {
    if (!correct) counts.passedWrong++;
    return;
  }
  const defect = defectOfChecks(checks);
  counts.flagged[defect] = (counts.flagged[defect] ?? 0) + 1;
  if (correct) counts.flaggedCorrect++;
}

/**
 * Which simulated defect stands for a failed answer, from the checks that failed it: coherence first
 * (empty, refusal, truncation, repetition), then format (malformed), completeness (missing fields,
 * truncation), then the task-aware check (task_failure).
 */
export function defectOfChecks(checks: CheckScores): Defect {
  const failed = (score: number | undefined) => score !== undefined && score < 1;
  const notes = (note: string | undefined) => note ?? '';
  if (failed(checks.coherence?.score)) {
    const note = notes(checks.coherence?.note);
    if (/empty/.test(note)) return 'empty';
    if (/refusal/.test(note)) return 'refusal';
    if (/truncated|stops mid-way|cut off/.test(note)) return 'truncation';
    if (/repetition/.test(note)) return 'repetition';
    return 'malformed';
  }
  if (failed(checks.format?.score)) return /empty/.test(notes(checks.format?.note)) ? 'empty' : 'malformed';
  if (failed(checks.completeness?.score)) {
    const note = notes(checks.completeness?.note);
    if (/missing field/.test(note)) return 'missing_fields';
    if (/empty|shorter than/.test(note)) return 'empty';
    if (/cut off|stops mid-way/.test(note)) return 'truncation';
    return 'malformed';
  }
  if (failed(checks.task?.score)) return 'task_failure';
  return 'malformed';
}

/** Profile rates from counts: each defect's share, the silent-wrong share, and the flagged-correct share. */
export function ratesOf(counts: OutcomeCounts): {
  defects: DefectRates;
  silentWrong: number;
  flaggedCorrect: number;
} {
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  const defects: DefectRates = {};
  let flagged = 0;
  for (const defect of DEFECTS) {
    const n = counts.flagged[defect] ?? 0;
    flagged += n;
    if (n) defects[defect] = round(n / counts.answers);
  }
  return {
    defects,
    silentWrong: counts.answers ? round(counts.passedWrong / counts.answers) : 0,
    flaggedCorrect: flagged ? round(counts.flaggedCorrect / flagged) : 0,
  };
}
