import type { RouteResult } from '../router/types.js';

/** One line of requests.jsonl: the request's routing and every attempt, without answer texts. */
export function requestRow(result: RouteResult): Record<string, unknown> {
  return {
    id: result.id,
    arrivalMs: result.startedAtMs,
    action: result.action ?? null,
    complexity: result.complexity,
    tier: result.tier,
    model: result.model ?? null,
    finalTier: result.finalTier ?? null,
    passed: result.passed,
    confidence: result.confidence,
    costUsd: result.totals.costUsd,
    latencyMs: result.totals.latencyMs,
    inputTokens: result.totals.inputTokens,
    outputTokens: result.totals.outputTokens,
    budgetLimited: result.budgetLimited,
    attempts: result.attempts.map((a) => ({
      model: a.model,
      tier: a.tier,
      passed: a.passed,
      confidence: a.confidence,
      costUsd: a.costUsd,
      ttftMs: a.ttftMs,
      latencyMs: a.latencyMs,
      inputTokens: a.inputTokens,
      outputTokens: a.outputTokens,
      checks: {
        format: a.checks.format?.score ?? null,
        completeness: a.checks.completeness?.score ?? null,
        coherence: a.checks.coherence?.score ?? null,
        selfCritique: a.checks.selfCritique?.score ?? null,
      },
      ...(a.error ? { error: a.error } : {}),
    })),
  };
}
