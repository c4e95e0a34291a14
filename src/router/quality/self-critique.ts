import type { CheckResult } from '../types.js';

/** The question put to the fast tier about another model's answer. */
export function critiquePrompt(requestPrompt: string, answer: string, expects: string): string {
  return [
    'You review answers produced by another model.',
    `Request (expected format: ${expects}):`,
    requestPrompt,
    'Answer:',
    answer,
    'Is this answer valid, complete and on topic? Reply YES or NO first, then one short reason.',
  ].join('\n');
}

/** Reads the critic's verdict: YES → 1, NO → 0, anything else → 0.5 (the critic was unclear). */
export function parseCritique(reply: string): CheckResult {
  const head = reply.trim().slice(0, 40).toLowerCase();
  const reason = reply
    .trim()
    .replace(/^\W*(yes|no|valid|invalid)\b[\s:.,-]*/i, '')
    .slice(0, 120);
  if (/^\W*(yes|valid)\b/.test(head))
    return { score: 1, note: reason ? `critic: valid (${reason})` : 'critic: valid' };
  if (/^\W*(no|invalid)\b/.test(head))
    return { score: 0, note: reason ? `critic: invalid (${reason})` : 'critic: invalid' };
  return { score: 0.5, note: 'critic gave no clear verdict' };
}
