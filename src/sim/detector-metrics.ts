/** Resolution of confidence (it is rounded to 4 decimals), so AUC from counts per bin is exact. */
const BINS = 10_001;

/** How well the quality check finds wrong answers: "fails the check" as the prediction of "wrong". */
export interface DetectorStats {
  /** Answers with a label. */
  answers: number;
  wrong: number;
  /** Wrong answers the check failed (true positives). */
  caught: number;
  /** Right answers the check failed anyway (false alarms). */
  falseAlarms: number;
  /** Wrong answers the check passed (silent wrong answers). */
  missed: number;
  /** caught / (caught + falseAlarms); undefined when the check failed nothing. */
  precision: number | undefined;
  /** caught / wrong; undefined without wrong answers. */
  recall: number | undefined;
  /**
   * Area under the ROC curve of confidence as a score separating right from wrong answers: the probability
   * that a random right answer scores higher than a random wrong one (ties count half). 0.5 = no better than
   * chance; undefined without both kinds.
   */
  rocAuc: number | undefined;
}

/** Accumulates labelled (confidence, passed, correct) triples in constant memory. */
export class DetectorTally {
  private readonly right = new Float64Array(BINS);
  private readonly wrongBins = new Float64Array(BINS);
  private answers = 0;
  private wrong = 0;
  private caught = 0;
  private falseAlarms = 0;

  add(confidence: number, passed: boolean, correct: boolean): void {
    const bin = Math.max(0, Math.min(BINS - 1, Math.round(confidence * (BINS - 1))));
    this.answers++;
    if (correct) {
      this.right[bin]!++;
      if (!passed) this.falseAlarms++;
    } else {
      this.wrong++;
      this.wrongBins[bin]!++;
      if (!passed) this.caught++;
    }
  }

  stats(): DetectorStats {
    const flagged = this.caught + this.falseAlarms;
    return {
      answers: this.answers,
      wrong: this.wrong,
      caught: this.caught,
      falseAlarms: this.falseAlarms,
      missed: this.wrong - this.caught,
      precision: flagged ? this.caught / flagged : undefined,
      recall: this.wrong ? this.caught / this.wrong : undefined,
      rocAuc: rocAuc(this.right, this.wrongBins),
    };
  }
}

/** AUC from per-bin counts of right and wrong answers (Mann–Whitney U, ties counted half). */
function rocAuc(right: Float64Array, wrong: Float64Array): number | undefined {
  let rightTotal = 0;
  let wrongTotal = 0;
  for (let i = 0; i < BINS; i++) {
    rightTotal += right[i]!;
    wrongTotal += wrong[i]!;
  }
  if (rightTotal === 0 || wrongTotal === 0) return undefined;
  let wrongBelow = 0;
  let u = 0;
  for (let i = 0; i < BINS; i++) {
    u += right[i]! * (wrongBelow + wrong[i]! / 2);
    wrongBelow += wrong[i]!;
  }
  return u / (rightTotal * wrongTotal);
}

/** Detector statistics of a list, for callers that hold all pairs (tests, sweeps). */
export function detectorStats(
  answers: readonly { confidence: number; passed: boolean; correct: boolean }[],
): DetectorStats {
  const tally = new DetectorTally();
  for (const answer of answers) tally.add(answer.confidence, answer.passed, answer.correct);
  return tally.stats();
}
