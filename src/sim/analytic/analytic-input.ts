import { errorFunction } from 'simple-statistics';

/**
 * A request's input tokens as the synthetic workload draws them: a log-normal part (the action's own
 * tokens) plus a fixed offset that depends on the step of the session (shared prefix + history so far).
 */
export interface InputShape {
  mean: number;
  sd: number;
  /** Offsets and their probabilities (summing to 1). */
  offsets: readonly { probability: number; tokens: number }[];
}

/** A slice of the input distribution between two context thresholds. */
export interface InputBand {
  probability: number;
  /** Mean input tokens of requests in this band. */
  meanInput: number;
  /** Thresholds at or below the band's lower end: the models whose window these requests do not fit. */
  lowerThreshold: number;
}

const phi = (z: number): number => 0.5 * (1 + errorFunction(z / Math.SQRT2));

/** P(Y ≤ y) and E[Y; Y ≤ y] of the log-normal part (a constant when sd is 0). */
function logNormalTail(mean: number, sd: number, y: number): { cdf: number; partial: number } {
  if (y <= 0) return { cdf: 0, partial: 0 };
  if (sd === 0) return mean <= y ? { cdf: 1, partial: mean } : { cdf: 0, partial: 0 };
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  const sigma = Math.sqrt(sigma2);
  const mu = Math.log(mean) - sigma2 / 2;
  const z = (Math.log(y) - mu) / sigma;
  return { cdf: phi(z), partial: mean * phi(z - sigma) };
}

/** P(X ≤ x) and E[X; X ≤ x] of the whole input (offset + log-normal part). */
function below(shape: InputShape, x: number): { cdf: number; partial: number } {
  let cdf = 0;
  let partial = 0;
  for (const { probability, tokens } of shape.offsets) {
    const t = logNormalTail(shape.mean, shape.sd, x - tokens);
    cdf += probability * t.cdf;
    partial += probability * (t.partial + tokens * t.cdf);
  }
  return { cdf, partial };
}

/**
 * The input distribution cut at each threshold (a model's window minus the request's max output): the share
 * of requests in each slice and their mean input. A slice whose share is negligible (below 1e-9) is dropped
 * and its share given to its neighbour, so a workload that always fits stays one band at the plain mean.
 */
export function inputBands(shape: InputShape, thresholds: readonly number[]): InputBand[] {
  const cuts = [...new Set(thresholds)].filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  const mean = shape.mean + shape.offsets.reduce((sum, o) => sum + o.probability * o.tokens, 0);
  const bands: InputBand[] = [];
  let lower = { cdf: 0, partial: 0 };
  let lowerThreshold = -Infinity;
  for (const cut of [...cuts, Infinity]) {
    const upper = cut === Infinity ? { cdf: 1, partial: mean } : below(shape, cut);
    const probability = upper.cdf - lower.cdf;
    if (probability > 1e-9)
      bands.push({ probability, meanInput: (upper.partial - lower.partial) / probability, lowerThreshold });
    lower = upper;
    lowerThreshold = cut;
  }
  const total = bands.reduce((sum, b) => sum + b.probability, 0);
  return bands.map((b) => ({ ...b, probability: b.probability / total }));
}
