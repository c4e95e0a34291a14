import type { ModelConfig } from '../config/router-config.js';
import { COMPLEXITIES, type Complexity } from '../router/types.js';
import type { BenchRow, ModelRun } from './bench-runner.js';
import type { Hardware } from './hardware.js';
import type { METRIC_DEFINITIONS } from './metrics.js';
import { distribution, type Distribution } from './metrics.js';

export interface ModelSummary {
  model: string;
  tier: string;
  requests: number;
  errors: number;
  errorsByClass: Record<string, number>;
  /** The first failed request's error (class: message), or null when none failed. */
  firstError: string | null;
  ttftMs: Distribution;
  tpotMs: Distribution;
  e2eMs: Distribution;
  tokensPerSecond: Distribution;
  serverTokensPerSecond: Distribution;
  outputTokens: Distribution;
  /** First measured request's load time vs the rest (Ollama load_duration), ms. */
  loadMs: { cold: number | null; warm: Distribution };
  throughput: { requestsPerSecond: number; outputTokensPerSecond: number; wallSeconds: number };
  quality: Record<Complexity, { requests: number; passRate: number | null; accuracy: number | null }>;
  byAction: Record<string, { requests: number; passRate: number; accuracy: number }>;
  averageConfidence: number;
  recommendation: { tier: string; reason: string };
}

export interface BenchSummary {
  tool: string;
  definitions: typeof METRIC_DEFINITIONS;
  hardware: Hardware;
  settings: {
    tasks: string;
    taskCount: number;
    runs: number;
    warmup: number;
    load: string;
    maxTokens: number;
    timeoutMs: number;
  };
  interrupted: boolean;
  models: ModelSummary[];
}

const share = (rows: readonly BenchRow[], pick: (row: BenchRow) => boolean | undefined): number | null => {
  const ok = rows.filter((r) => r.state === 'ok');
  return ok.length ? ok.filter(pick).length / ok.length : null;
};

/** Which tier a model fits, from its measured speed and quality, with the reason. */
export function recommend(summary: Omit<ModelSummary, 'recommendation'>): { tier: string; reason: string } {
  const simple = summary.quality.SIMPLE.passRate;
  const moderate = summary.quality.MODERATE.passRate;
  const p95 = summary.e2eMs.p95;
  const errorRate = summary.requests ? summary.errors / summary.requests : 1;
  if (errorRate > 0.2)
    return {
      tier: 'none',
      reason: `${Math.round(errorRate * 100)}% of requests failed: fix the server before routing to it`,
    };
  if (moderate !== null && moderate >= 0.85 && p95 <= 5000)
    return {
      tier: 'LOCAL_QUALITY',
      reason: `passes ${Math.round(moderate * 100)}% of MODERATE tasks with p95 ${Math.round(p95)} ms`,
    };
  if (simple !== null && simple >= 0.9 && p95 <= 1500)
    return {
      tier: 'LOCAL_FAST',
      reason: `passes ${Math.round(simple * 100)}% of SIMPLE tasks with p95 ${Math.round(p95)} ms`,
    };
  return {
    tier: 'none',
    reason: `SIMPLE pass rate ${simple === null ? 'n/a' : Math.round(simple * 100) + '%'}, MODERATE ${moderate === null ? 'n/a' : Math.round(moderate * 100) + '%'}, p95 ${Math.round(p95)} ms: below the bar for a local tier`,
  };
}

export function summariseModel(run: ModelRun, model: ModelConfig): ModelSummary {
  const rows = run.rows;
  const ok = rows.filter((r) => r.state === 'ok');
  const errorsByClass: Record<string, number> = {};
  for (const row of rows) if (row.error) errorsByClass[row.error] = (errorsByClass[row.error] ?? 0) + 1;
  const values = (pick: (row: BenchRow) => number | undefined): number[] =>
    ok.map(pick).filter((v): v is number => v !== undefined);
  const ordered = [...ok].sort((a, b) => a.startedAtMs - b.startedAtMs);
  const quality = Object.fromEntries(
    COMPLEXITIES.map((c) => {
      const group = rows.filter((r) => r.complexity === c);
      return [
        c,
        {
          requests: group.length,
          passRate: share(group, (r) => r.qualityPassed),
          accuracy: share(group, (r) => r.correct),
        },
      ];
    }),
  ) as ModelSummary['quality'];
  const byAction: ModelSummary['byAction'] = {};
  for (const action of [...new Set(rows.map((r) => r.action))].sort()) {
    const group = rows.filter((r) => r.action === action);
    byAction[action] = {
      requests: group.length,
      passRate: share(group, (r) => r.qualityPassed) ?? 0,
      accuracy: share(group, (r) => r.correct) ?? 0,
    };
  }
  const firstFailure = rows
    .filter((r) => r.state === 'errored')
    .reduce<BenchRow | undefined>(
      (first, r) => (first && first.startedAtMs <= r.startedAtMs ? first : r),
      undefined,
    );
  const wallSeconds = run.wallMs / 1000;
  const outputTokens = values((r) => r.outputTokens);
  const partial = {
    model: run.model,
    tier: model.tier,
    requests: rows.length,
    errors: rows.length - ok.length,
    errorsByClass,
    firstError: firstFailure
      ? `${firstFailure.error ?? 'Error'}: ${firstFailure.errorMessage ?? 'no message'}`
      : null,
    ttftMs: distribution(values((r) => r.ttftMs)),
    tpotMs: distribution(values((r) => r.tpotMs)),
    e2eMs: distribution(values((r) => r.e2eMs)),
    tokensPerSecond: distribution(values((r) => r.tokensPerSecond)),
    serverTokensPerSecond: distribution(values((r) => r.serverTokensPerSecond)),
    outputTokens: distribution(outputTokens),
    loadMs: {
      cold: ordered[0]?.loadMs ?? null,
      warm: distribution(
        ordered
          .slice(1)
          .map((r) => r.loadMs)
          .filter((v): v is number => v !== undefined),
      ),
    },
    throughput: {
      requestsPerSecond: wallSeconds > 0 ? ok.length / wallSeconds : 0,
      outputTokensPerSecond: wallSeconds > 0 ? outputTokens.reduce((a, b) => a + b, 0) / wallSeconds : 0,
      wallSeconds,
    },
    quality,
    byAction,
    averageConfidence: ok.length ? ok.reduce((s, r) => s + (r.confidence ?? 0), 0) / ok.length : 0,
  };
  return { ...partial, recommendation: recommend(partial) };
}

/** summary.csv: one line per model with the headline figures. */
export function summaryCsvRows(summary: BenchSummary): (string | number)[][] {
  const header = [
    'model',
    'tier',
    'requests',
    'errors',
    'ttft_p50_ms',
    'ttft_p95_ms',
    'tpot_p50_ms',
    'e2e_p50_ms',
    'e2e_p95_ms',
    'e2e_p99_ms',
    'tokens_per_s_p50',
    'server_tokens_per_s_p50',
    'requests_per_s',
    'output_tokens_per_s',
    'pass_rate_simple',
    'pass_rate_moderate',
    'pass_rate_complex',
    'accuracy_simple',
    'accuracy_moderate',
    'accuracy_complex',
    'recommended_tier',
  ];
  const cell = (v: number | null): string | number => (v === null ? '' : Math.round(v * 10_000) / 10_000);
  return [
    header,
    ...summary.models.map((m) => [
      m.model,
      m.tier,
      m.requests,
      m.errors,
      m.ttftMs.p50,
      m.ttftMs.p95,
      m.tpotMs.p50,
      m.e2eMs.p50,
      m.e2eMs.p95,
      m.e2eMs.p99,
      m.tokensPerSecond.p50,
      m.serverTokensPerSecond.p50,
      cell(m.throughput.requestsPerSecond),
      cell(m.throughput.outputTokensPerSecond),
      cell(m.quality.SIMPLE.passRate),
      cell(m.quality.MODERATE.passRate),
      cell(m.quality.COMPLEX.passRate),
      cell(m.quality.SIMPLE.accuracy),
      cell(m.quality.MODERATE.accuracy),
      cell(m.quality.COMPLEX.accuracy),
      m.recommendation.tier,
    ]),
  ];
}
