import type { PromptCacheRules } from '../../backends/simulated/prompt-cache.js';

/** The prompt structure of one prefix group in a scenario, and the traffic that refreshes its cache. */
export interface PrefixTraffic {
  /** Shared prefix tokens of the group. */
  sharedTokens: number;
  /** History tokens each earlier iteration of a session adds (0 without sessions). */
  historyTokens: number;
  /** Probability of each iteration index k (0-based) of a random request; [1] without sessions. */
  iterationOdds: readonly number[];
  /** Requests per second in each hour of the day, and each hour's share of the requests. */
  hours: readonly { rate: number; share: number }[];
  /**
   * Probability that a random request of the workload attempts this model with this group's prefix: how
   * often the group's blocks on the model are refreshed.
   */
  attemptOdds: number;
}

/** Expected cache use of one attempt on a model: prefix tokens sent, read and written. */
export interface ExpectedCacheUse {
  prefixTokens: number;
  readTokens: number;
  writeTokens: number;
}

/** P(a Gamma(j, rate) sum of j exponential gaps is under t): the cache entry j calls back is still alive. */
function aliveAfter(j: number, rate: number, t: number): number {
  const x = rate * t;
  let term = Math.exp(-x);
  let below = term;
  for (let i = 1; i < j; i++) {
    term *= x / i;
    below += term;
  }
  return 1 - below;
}

/**
 * P(a call that cached the shared part arrived within `ttl` before the session's first of k steps): the k
 * gaps are Gamma(k, rate), and such calls arrive before them at rate `writers` (Simpson's rule over the gap).
 */
function sharedAliveBefore(k: number, rate: number, writers: number, ttl: number): number {
  const after = (g: number): number => 1 - Math.exp(-writers * Math.max(0, ttl - g));
  if (k === 0) return after(0);
  const steps = 64;
  const h = ttl / steps;
  let logFactorial = 0;
  for (let i = 2; i < k; i++) logFactorial += Math.log(i);
  const density = (g: number): number =>
    g <= 0
      ? k === 1
        ? rate
        : 0
      : Math.exp(k * Math.log(rate) + (k - 1) * Math.log(g) - rate * g - logFactorial);
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const g = i * h;
    const f = density(g) * after(g);
    sum += f * (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (sum * h) / 3;
}

/** Tokens billed as read out of a hit, under the rules' minimum and increments. */
function counted(hit: number, rules: PromptCacheRules): number {
  if (hit < rules.minTokens || hit === 0) return 0;
  if (rules.increment <= 1) return hit;
  return rules.minTokens + Math.floor((hit - rules.minTokens) / rules.increment) * rules.increment;
}

/**
 * Expected prompt-cache use of an attempt on one model, without sampling. At iteration k the prefix is the
 * shared part and k steps of history. The session's latest earlier call to this model, j steps back (each
 * earlier step went there independently with `attemptOdds`), left its prefix cached; it is still alive if
 * the j gaps since sum to under the TTL (Poisson arrivals at the hour's rate). Otherwise only the shared
 * part may be alive, refreshed by any request of the group on the model within the TTL. Prefixes under the
 * model's minimum are neither read nor written, so calls with short prefixes refresh nothing.
 */
export function expectedCacheUse(rules: PromptCacheRules, traffic: PrefixTraffic): ExpectedCacheUse {
  const { sharedTokens: S, historyTokens: H, iterationOdds, hours, attemptOdds: q } = traffic;
  const prefixAt = (k: number): number => S + k * H;
  // Share of the group's calls on the model whose prefix is long enough to be cached.
  let writingShare = 0;
  for (let k = 0; k < iterationOdds.length; k++)
    if (prefixAt(k) >= rules.minTokens) writingShare += iterationOdds[k]!;
  const result = { prefixTokens: 0, readTokens: 0, writeTokens: 0 };
  const ttl = rules.ttlMs / 1000;
  for (const { rate, share } of hours) {
    if (share === 0) continue;
    // Other sessions' calls that cache the shared part arrive at this rate.
    const writers = rate * q * writingShare;
    for (let k = 0; k < iterationOdds.length; k++) {
      const weight = share * iterationOdds[k]!;
      if (weight === 0) continue;
      const prefix = prefixAt(k);
      result.prefixTokens += weight * prefix;
      if (prefix < rules.minTokens || prefix === 0) continue;
      let read = 0;
      let latestOdds = 0;
      for (let j = 1; j <= k; j++) {
        if (prefixAt(k - j) < rules.minTokens) break;
        // The latest earlier call of the session to this model was j steps back and is still alive; if it
        // has expired, so has everything older, and every arrival since was this session's.
        const latest = q * (1 - q) ** (j - 1);
        latestOdds += latest;
        read += latest * aliveAfter(j, rate, ttl) * counted(prefixAt(k - j), rules);
      }
      // No earlier call of the session cached here: the shared part is alive if another session's call did
      // within the TTL, before this session's k steps began.
      read += (1 - latestOdds) * sharedAliveBefore(k, rate, writers, ttl) * counted(S, rules);
      result.readTokens += weight * read;
      if (rules.mode === 'explicit') result.writeTokens += weight * (prefix - read);
    }
  }
  return result;
}

/** Probability of each iteration index of a random request, for sessions of round(normal(mean, sd)) ≥ 1. */
export function iterationOdds(session: { mean: number; sd: number } | undefined): number[] {
  if (!session) return [1];
  const lengths = new Map<number, number>();
  if (session.sd === 0) lengths.set(Math.max(1, Math.round(session.mean)), 1);
  else {
    // The rounded normal's mass at each length, the tail below 1 clamped to 1 (as the generator does).
    const cdf = (x: number): number => 0.5 * (1 + erf((x - session.mean) / (session.sd * Math.SQRT2)));
    const top = Math.ceil(session.mean + 8 * session.sd);
    for (let length = 1; length <= top; length++) {
      const mass = length === 1 ? cdf(1.5) : cdf(length + 0.5) - cdf(length - 0.5);
      if (mass > 0) lengths.set(length, mass);
    }
  }
  let meanLength = 0;
  for (const [length, p] of lengths) meanLength += length * p;
  const longest = Math.max(...lengths.keys());
  // A random request sits at index k of a session that is longer than k: P(k) = P(L > k) / E[L].
  const odds: number[] = [];
  for (let k = 0; k < longest; k++) {
    let longer = 0;
    for (const [length, p] of lengths) if (length > k) longer += p;
    odds.push(longer / meanLength);
  }
  return odds;
}

/** Abramowitz–Stegun 7.1.26 (error below 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return sign * y;
}
