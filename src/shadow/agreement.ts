import { quantileSorted } from 'simple-statistics';

/** A share with its 95% Wilson score interval (sound at small counts and near 0 or 1). */
export interface Share {
  agree: number;
  judged: number;
  share: number;
  low: number;
  high: number;
}

export function wilson(agree: number, judged: number, z = 1.96): Share {
  if (judged === 0) return { agree, judged, share: 0, low: 0, high: 0 };
  const p = agree / judged;
  const denominator = 1 + (z * z) / judged;
  const centre = (p + (z * z) / (2 * judged)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / judged + (z * z) / (4 * judged * judged))) / denominator;
  return { agree, judged, share: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface ModelAgreement {
  model: string;
  /** Rows with a verdict, and how many agreed with the recorded answer. */
  overall: Share;
  byAction: Record<string, Share>;
  byComplexity: Record<string, Share>;
  byJudge: Record<string, number>;
  /** Requests with no verdict (free text with --judge none, the judge's budget spent, an unclear reply). */
  unjudged: number;
  latencyMs: { p50: number; p95: number };
}

export interface JudgedRow {
  model: string;
  correct: boolean | undefined;
  judge: string;
  latencyMs: number;
  action: string;
  complexity: string;
}

/** Per model: agreement with the recorded answers, overall and by action and complexity, and latency. */
export function agreementOf(rows: readonly JudgedRow[], models: readonly string[]): ModelAgreement[] {
  return models.map((model) => {
    const mine = rows.filter((r) => r.model === model);
    const judged = mine.filter((r) => r.correct !== undefined);
    const group = (key: (r: JudgedRow) => string): Record<string, Share> => {
      const counts = new Map<string, [number, number]>();
      for (const r of judged) {
        const c = counts.get(key(r)) ?? [0, 0];
        c[0] += r.correct ? 1 : 0;
        c[1]++;
        counts.set(key(r), c);
      }
      return Object.fromEntries(
        [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, [a, n]]) => [k, wilson(a, n)]),
      );
    };
    const byJudge: Record<string, number> = {};
    for (const r of mine) byJudge[r.judge] = (byJudge[r.judge] ?? 0) + 1;
    const latencies = mine.map((r) => r.latencyMs).sort((a, b) => a - b);
    return {
      model,
      overall: wilson(judged.filter((r) => r.correct).length, judged.length),
      byAction: group((r) => r.action),
      byComplexity: group((r) => r.complexity),
      byJudge,
      unjudged: mine.length - judged.length,
      latencyMs: latencies.length
        ? { p50: quantileSorted(latencies, 0.5), p95: quantileSorted(latencies, 0.95) }
        : { p50: 0, p95: 0 },
    };
  });
}
