import { CHECK_NAMES, type CheckName, type CheckResult, type RouteResult } from '../../router/types.js';

const LABELS: Record<CheckName, string> = {
  format: 'Format:  ',
  completeness: 'Complete:',
  coherence: 'Coherent:',
  selfCritique: 'Critique:',
  task: 'Task:    ',
};

function mark(check: CheckResult): string {
  if (check.score >= 0.999) return '✓';
  if (check.score <= 0.001) return '✗';
  return '~';
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatUsd(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(4)}`;
}

/** The decision trace of one routed request, like the design document's "Fallback Chain Example". */
export function formatRouteTrace(result: RouteResult, prompt: string, threshold: number): string {
  const lines: string[] = [];
  lines.push(`REQUEST:    ${JSON.stringify(prompt.length > 100 ? `${prompt.slice(0, 97)}...` : prompt)}`);
  lines.push(`ACTION:     ${result.action ?? '(none)'}`);
  lines.push(`COMPLEXITY: ${result.complexity}   TIER: ${result.tier}`);
  lines.push(`REASON:     ${result.reason}`);
  if (result.skippedInCooldown?.length)
    lines.push(`SKIPPED:    ${result.skippedInCooldown.join(', ')} (cooling down after repeated errors)`);
  result.attempts.forEach((attempt, i) => {
    lines.push('');
    lines.push(`Attempt ${i + 1}: ${attempt.model} (${attempt.tier})`);
    lines.push(
      `  Time: ${formatMs(attempt.latencyMs)} (first token ${formatMs(attempt.ttftMs)})   Cost: ${formatUsd(attempt.costUsd)}   Tokens: ${attempt.inputTokens} in / ${attempt.outputTokens} out`,
    );
    if (attempt.error) {
      lines.push(`  Error: ${attempt.error}: ${attempt.errorMessage ?? ''}`);
      const next = result.attempts[i + 1];
      if (next)
        lines.push(
          next.model === attempt.model
            ? `  → RETRY after ${formatMs(next.backoffMs ?? 0)}`
            : `  → NEXT MODEL`,
        );
      return;
    }
    for (const name of CHECK_NAMES) {
      const check = attempt.checks[name];
      if (check) lines.push(`  ${LABELS[name]} ${mark(check)} ${check.note} (${check.score.toFixed(2)})`);
    }
    const verdict = attempt.passed ? `>= ${threshold.toFixed(2)} → PASS` : `< ${threshold.toFixed(2)} → FAIL`;
    lines.push(`  Confidence: ${attempt.confidence.toFixed(2)} ${verdict}`);
    if (!attempt.passed && i < result.attempts.length - 1) lines.push('  ▼ FALLBACK');
  });
  lines.push('');
  const answered = result.model !== undefined;
  const outcome = result.passed
    ? `PASS by ${result.model}`
    : answered
      ? `FAILED (best answer returned) by ${result.model}`
      : 'FAILED: no model answered';
  lines.push(
    `RESULT: ${outcome} — ${result.totals.attempts} attempt(s), ${formatUsd(result.totals.costUsd)}, ${formatMs(result.totals.latencyMs)}${result.budgetLimited ? ', limited by the daily budget' : ''}`,
  );
  if (!answered) {
    const last = result.attempts.at(-1);
    if (last?.error) lines.push(`Last error (${last.model}): ${last.error}: ${last.errorMessage ?? ''}`);
    return lines.join('\n');
  }
  const first = result.attempts.find((a) => !a.error);
  const winner = result.attempts.find((a) => a.model === result.model && !a.error);
  if (first && winner && first !== winner)
    lines.push(`Fallback: quality ${first.confidence.toFixed(2)} → ${winner.confidence.toFixed(2)}`);
  lines.push('');
  lines.push('--- answer ---');
  lines.push(result.text);
  return lines.join('\n');
}
