import type { RouterSink } from '../router/router.js';
import { isLocalTier, type Complexity, type RouteResult } from '../router/types.js';
import { addOutcome, emptyCounts, type OutcomeCounts } from './fit-rates.js';
import { DetectorTally, type DetectorStats } from './detector-metrics.js';

/** Correctness of one run's answers, where the backend knew it (recorded labels or simulated draws). */
export interface AccuracyStats {
  /** Requests whose returned answer has a known label. */
  labelled: number;
  /** Of those, returned answers that were right. */
  correct: number;
  /** correct / labelled; undefined without labels. */
  accuracy: number | undefined;
  /** Attempts answered from recorded text, and from a model's profile (no recorded answer). */
  recordedAnswers: number;
  profileAnswers: number;
  /** Per model: labelled attempts and right ones. */
  byModel: Record<string, { labelled: number; correct: number }>;
  /** The quality check as a detector of wrong answers, over labelled answers from local models. */
  localDetector: DetectorStats;
  /** Labelled answers per model and complexity, split for fitting profiles (recorded answers only). */
  outcomes: Record<string, Partial<Record<Complexity, OutcomeCounts>>>;
}

/** A router sink that counts right and wrong answers; constant memory. */
export class AccuracyTally implements RouterSink {
  private labelled = 0;
  private correct = 0;
  private recordedAnswers = 0;
  private profileAnswers = 0;
  private readonly models = new Map<string, { labelled: number; correct: number }>();
  private readonly detector = new DetectorTally();
  private readonly outcomes = new Map<string, Partial<Record<Complexity, OutcomeCounts>>>();

  onRequest(result: RouteResult): void {
    if (result.correct !== undefined) {
      this.labelled++;
      if (result.correct) this.correct++;
    }
    for (const attempt of result.attempts) {
      if (attempt.answerSource === 'recorded') this.recordedAnswers++;
      else if (attempt.answerSource === 'profile') this.profileAnswers++;
      if (attempt.error || attempt.correct === undefined) continue;
      let model = this.models.get(attempt.model);
      if (!model) this.models.set(attempt.model, (model = { labelled: 0, correct: 0 }));
      model.labelled++;
      if (attempt.correct) model.correct++;
      if (isLocalTier(attempt.tier)) this.detector.add(attempt.confidence, attempt.passed, attempt.correct);
      if (attempt.answerSource === 'recorded') {
        let byComplexity = this.outcomes.get(attempt.model);
        if (!byComplexity) this.outcomes.set(attempt.model, (byComplexity = {}));
        const counts = (byComplexity[result.complexity] ??= emptyCounts());
        addOutcome(counts, attempt.passed, attempt.correct, attempt.checks);
      }
    }
  }

  stats(): AccuracyStats {
    return {
      labelled: this.labelled,
      correct: this.correct,
      accuracy: this.labelled ? this.correct / this.labelled : undefined,
      recordedAnswers: this.recordedAnswers,
      profileAnswers: this.profileAnswers,
      byModel: Object.fromEntries([...this.models].sort(([a], [b]) => (a < b ? -1 : 1))),
      localDetector: this.detector.stats(),
      outcomes: Object.fromEntries([...this.outcomes].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }
}
