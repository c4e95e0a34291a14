import { createRng } from '../core/rng.js';

/** One operating point of a router: its share of requests sent to the strong (API) model, and accuracy. */
export interface CurvePoint {
  /** Share of requests that called the strong model, 0–1. */
  strongShare: number;
  accuracy: number;
}

/**
 * RouteLLM's APGR, average performance gap recovered: the area under accuracy against strong-model share
 * (trapezoids over the points sorted by share), measured against the same area for the weak model alone,
 * as a fraction of the strong model's, `(AUC − weak·span) / (strong·span − weak·span)`. 1 = the strong model's
 * accuracy at every share; 0 = no better than the weak model; a random router scores ~0.5 over [0, 1].
 */
export function apgr(points: readonly CurvePoint[], weak: number, strong: number): number | undefined {
  const sorted = [...points].sort((a, b) => a.strongShare - b.strongShare);
  if (sorted.length < 2 || strong === weak) return undefined;
  let area = 0;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    area += ((a.accuracy + b.accuracy) / 2) * (b.strongShare - a.strongShare);
  }
  const span = sorted.at(-1)!.strongShare - sorted[0]!.strongShare;
  if (span <= 0) return undefined;
  return (area - weak * span) / (strong * span - weak * span);
}

/**
 * RouteLLM's CPT(x): the share of calls to the strong model needed to recover `fraction` of the gap
 * between the weak and strong models, read off the curve (points sorted by share, linear between them): the
 * smallest share at which accuracy reaches `weak + fraction·(strong − weak)`. Undefined if never reached.
 */
export function cpt(
  points: readonly CurvePoint[],
  weak: number,
  strong: number,
  fraction: number,
): number | undefined {
  const target = weak + fraction * (strong - weak);
  const sorted = [...points].sort((a, b) => a.strongShare - b.strongShare || a.accuracy - b.accuracy);
  if (sorted.length === 0) return undefined;
  if (sorted[0]!.accuracy >= target) return sorted[0]!.strongShare;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.accuracy >= target && a.accuracy < target) {
      const t = (target - a.accuracy) / (b.accuracy - a.accuracy);
      return a.strongShare + t * (b.strongShare - a.strongShare);
    }
  }
  return undefined;
}

/** What each labelled request would score under each choice (the file's labels). */
export interface LabelledRow {
  weakCorrect: boolean;
  strongCorrect: boolean;
}

/** Expected accuracy of a router that sends a random `share` of requests to the strong model. */
export function randomRouterAccuracy(rows: readonly LabelledRow[], share: number): number {
  if (rows.length === 0) return 0;
  let weak = 0;
  let strong = 0;
  for (const row of rows) {
    if (row.weakCorrect) weak++;
    if (row.strongCorrect) strong++;
  }
  return ((1 - share) * weak + share * strong) / rows.length;
}

/**
 * The oracle router: the strong model only where the weak one is wrong and the strong one right. Its
 * accuracy is the best any router can reach with these two models, at the smallest share of strong calls.
 */
export function oracleRouter(rows: readonly LabelledRow[]): CurvePoint {
  let right = 0;
  let strongCalls = 0;
  for (const row of rows) {
    if (row.weakCorrect) right++;
    else if (row.strongCorrect) {
      right++;
      strongCalls++;
    }
  }
  return {
    strongShare: rows.length ? strongCalls / rows.length : 0,
    accuracy: rows.length ? right / rows.length : 0,
  };
}

/** A router's outcome on one labelled request. */
export interface RoutedRow extends LabelledRow {
  /** Whether the answer it returned was right. */
  correct: boolean;
  /** Whether it called the strong model. */
  usedStrong: boolean;
}

export interface BootstrapComparison {
  accuracy: number;
  strongShare: number;
  randomAccuracy: number;
  /** accuracy − random router at the same strong share. */
  gain: number;
  /** 95% percentile bootstrap intervals (resampling requests). */
  accuracyInterval: [number, number];
  gainInterval: [number, number];
  resamples: number;
}

/**
 * The router against a random router at the same share of strong calls, with percentile bootstrap
 * intervals: requests are resampled with replacement (seeded), and in each resample the router's accuracy,
 * its strong share, and the random router's expected accuracy at that share are recomputed.
 */
export function bootstrapAgainstRandom(
  rows: readonly RoutedRow[],
  resamples = 2000,
  seed = 1,
): BootstrapComparison {
  const n = rows.length;
  const summarise = (pick: (i: number) => RoutedRow) => {
    let correct = 0;
    let strong = 0;
    let weak = 0;
    let strongRight = 0;
    for (let i = 0; i < n; i++) {
      const row = pick(i);
      if (row.correct) correct++;
      if (row.usedStrong) strong++;
      if (row.weakCorrect) weak++;
      if (row.strongCorrect) strongRight++;
    }
    const share = n ? strong / n : 0;
    const accuracy = n ? correct / n : 0;
    const random = n ? ((1 - share) * weak + share * strongRight) / n : 0;
    return { accuracy, share, random };
  };
  const point = summarise((i) => rows[i]!);
  const rng = createRng(seed);
  const accuracies: number[] = [];
  const gains: number[] = [];
  for (let r = 0; r < resamples && n > 0; r++) {
    const sample = summarise(() => rows[Math.floor(rng() * n)]!);
    accuracies.push(sample.accuracy);
    gains.push(sample.accuracy - sample.random);
  }
  return {
    accuracy: point.accuracy,
    strongShare: point.share,
    randomAccuracy: point.random,
    gain: point.accuracy - point.random,
    accuracyInterval: percentileInterval(accuracies),
    gainInterval: percentileInterval(gains),
    resamples,
  };
}

function percentileInterval(values: number[]): [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))]!;
  return [at(0.025), at(0.975)];
}
