import type { Share } from '../../shadow/agreement.js';
import type { ShadowResult } from '../../shadow/shadow-run.js';
import { formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';

const share = (s: Share): string =>
  s.judged
    ? `${formatPercent(s.share * 100)} (95% ${formatPercent(s.low * 100)}–${formatPercent(s.high * 100)}, ${formatInteger(s.agree)} of ${formatInteger(s.judged)})`
    : 'no verdicts';

/** The shadow run as text: per model, agreement with the recorded answers, split, and latency; then what next. */
export function formatShadow(result: ShadowResult, workload: string): string {
  const lines = [
    `SHADOW  ${formatInteger(result.requests)} of ${formatInteger(result.eligible)} recorded request(s) with a prompt and an answer${result.read.format ? ` (${result.read.format.label})` : ''}; ${formatInteger(result.called)} call(s) now${result.resumed ? `, ${formatInteger(result.resumed)} judged before (--resume)` : ''}. Labelled answers: ${result.file}`,
  ];
  if (result.interrupted)
    lines.push('STOPPED  before the end: run the same command with --resume to carry on.');
  for (const m of result.models) {
    lines.push(
      `${m.model}: agrees with the recorded answer on ${share(m.overall)}; latency p50 ${formatDuration(m.latencyMs.p50)}, p95 ${formatDuration(m.latencyMs.p95)}`,
    );
    lines.push(
      `  judges: ${Object.entries(m.byJudge)
        .map(([j, n]) => `${j} ×${formatInteger(n)}`)
        .join(', ')}${m.unjudged ? `; ${formatInteger(m.unjudged)} without a verdict` : ''}`,
    );
    for (const [label, groups] of [
      ['by complexity', m.byComplexity],
      ['by action', m.byAction],
    ] as const)
      if (Object.keys(groups).length > 1 || label === 'by complexity')
        lines.push(
          `  ${label}: ${Object.entries(groups)
            .map(([k, s]) => `${k} ${share(s)}`)
            .join('; ')}`,
        );
  }
  if (result.judge)
    lines.push(
      `JUDGE  ${result.judge.model}: ${formatInteger(result.judge.calls)} call(s), $${result.judge.costUsd.toFixed(4)} of the $${result.judge.budgetUsd} budget (--judge-budget-usd)`,
    );
  lines.push(
    `NEXT  hybridllm calibrate --answers ${result.file} --workload ${workload} --write-profiles profiles.yaml, then hybridllm simulate --workload ${workload} --profiles profiles.yaml: the verdict on rates measured on your requests.`,
  );
  return lines.join('\n');
}
