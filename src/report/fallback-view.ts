import type { Summary } from '../sim/summary.js';
import { formatCurrency, formatDuration } from './format-numbers.js';

/** The first request that fell back, as a readable trace of its attempts and their checks. */
export function fallbackExample(s: Summary): { prompt: string; trace: string } | undefined {
  const example = s.hybrid.exampleFallback;
  if (!example) return undefined;
  const trace =
    example.attempts
      .map((a, i) => {
        const checks = Object.entries(a.checks).map(
          ([name, c]) =>
            `    ${name.padEnd(13)} ${c.score >= 0.999 ? '✓' : c.score <= 0.001 ? '✗' : '~'} ${c.note}`,
        );
        return [
          `Attempt ${i + 1}: ${a.model} (${a.tier})`,
          `  Time ${formatDuration(a.latencyMs)}   Cost ${formatCurrency(a.costUsd)}`,
          ...(a.error ? [`  Error: ${a.error}`] : checks),
          a.error ? '' : `  Confidence ${a.confidence.toFixed(2)} → ${a.passed ? 'PASS' : 'FAIL'}`,
        ].join('\n');
      })
      .join('\n        │\n        ▼ FALLBACK\n') +
    `\n\nTotal: ${example.totals.attempts} attempts, ${formatCurrency(example.totals.costUsd)}, ${formatDuration(example.totals.latencyMs)}`;
  return { prompt: example.prompt, trace };
}
