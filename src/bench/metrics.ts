import { max, mean, min, quantileSorted, standardDeviation } from 'simple-statistics';

/** The definitions bench uses, printed with every result (they differ between tools). */
export const METRIC_DEFINITIONS = {
  ttftMs: 'TTFT: request sent → first content token received (ms)',
  tpotMs: 'TPOT: (end-to-end − TTFT) / (output tokens − 1), excluding the first token (ms per token)',
  e2eMs: 'End-to-end latency: request sent → last byte (ms)',
  tokensPerSecond: 'Output tokens/s per request, client side: output tokens / (end-to-end − TTFT)',
  serverTokensPerSecond: 'Server side (Ollama): eval_count / eval_duration × 1e9',
  loadMs: 'Load time (Ollama load_duration): cold start of a model vs warm',
  throughput: 'Throughput: completed requests and output tokens per second over the run’s wall time',
} as const;

export interface Distribution {
  count: number;
  mean: number;
  stddev: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p90/p95/p99, mean, stddev, min, max with simple-statistics; zeros for no data. */
export function distribution(values: readonly number[]): Distribution {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0)
    return { count: 0, mean: 0, stddev: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...finite].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    count: finite.length,
    mean: round(mean(finite)),
    stddev: round(finite.length > 1 ? standardDeviation(finite) : 0),
    min: round(min(finite)),
    p50: round(quantileSorted(sorted, 0.5)),
    p90: round(quantileSorted(sorted, 0.9)),
    p95: round(quantileSorted(sorted, 0.95)),
    p99: round(quantileSorted(sorted, 0.99)),
    max: round(max(finite)),
  };
}

/** Quantiles p0, p10, …, p100 for a profile's latency distribution. */
export function deciles(values: readonly number[]): number[] {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return Array.from({ length: 11 }, (_, i) => Math.round(quantileSorted(sorted, i / 10) * 1000) / 1000);
}

/** Per-request metrics from what the client measured (and the server reported, when it did). */
export function requestMetrics(
  ttftMs: number,
  e2eMs: number,
  outputTokens: number,
  server?: Record<string, number>,
) {
  const decode = e2eMs - ttftMs;
  return {
    tpotMs: outputTokens > 1 ? decode / (outputTokens - 1) : undefined,
    tokensPerSecond: outputTokens > 0 && decode > 0 ? outputTokens / (decode / 1000) : undefined,
    serverTokensPerSecond:
      server?.['eval_count'] && server['eval_duration']
        ? (server['eval_count'] / server['eval_duration']) * 1e9
        : undefined,
    loadMs: server?.['load_duration'] !== undefined ? server['load_duration'] / 1e6 : undefined,
    serverPromptMs: server?.['prompt_eval_duration'] ? server['prompt_eval_duration'] / 1e6 : undefined,
    serverTotalMs: server?.['total_duration'] ? server['total_duration'] / 1e6 : undefined,
  };
}
