import { CRITIQUE_MARKER } from '../../backends/prompt-format.js';
import type { CheckResult } from '../types.js';

const MEMO_LIMIT = 2_000;
/** answer → request prompt → expects → prompt; nested so no key string is built per call. */
const memo = new Map<string, Map<string, Map<string, string>>>();

/**
 * The question put to the fast tier about another model's answer. Memoised: simulated and repeated answers
 * recur, and the prompt embeds the whole answer.
 */
export function critiquePrompt(requestPrompt: string, answer: string, expects: string): string {
  let byAnswer = memo.get(answer);
  if (!byAnswer) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(answer, (byAnswer = new Map()));
  }
  let byPrompt = byAnswer.get(requestPrompt);
  if (!byPrompt) byAnswer.set(requestPrompt, (byPrompt = new Map()));
  let prompt = byPrompt.get(expects);
  if (prompt === undefined) byPrompt.set(expects, (prompt = buildPrompt(requestPrompt, answer, expects)));
  return prompt;
}

function buildPrompt(requestPrompt: string, answer: string, expects: string): string {
  return [
    CRITIQUE_MARKER,
    `Request (expected format: ${expects}):`,
    requestPrompt,
    'Answer:',
    answer,
    'Is this answer valid, complete and on topic? Reply YES or NO first, then one short reason.',
  ].join('\n');
}

const verdicts = new Map<string, CheckResult>();

/** Reads the critic's verdict: YES → 1, NO → 0, anything else → 0.5 (the critic was unclear). Memoised. */
export function parseCritique(reply: string): CheckResult {
  let verdict = verdicts.get(reply);
  if (!verdict) {
    if (verdicts.size >= MEMO_LIMIT) verdicts.clear();
    verdicts.set(reply, (verdict = readVerdict(reply)));
  }
  return verdict;
}

function readVerdict(reply: string): CheckResult {
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
