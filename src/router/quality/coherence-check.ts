import type { CheckResult, FinishReason } from '../types.js';
import { cutOffReason } from './cut-off.js';

const REFUSAL =
  /^\W*(I['’]?m sorry|I am sorry|sorry,|I can(?:no|['’])t|I cannot|I am unable|I['’]m unable|I won['’]t|As an AI|I apologi[sz]e)/i;

/** Fewest words before the repetition test applies. */
const MIN_WORDS_FOR_LOOP = 24;

/**
 * Refusals, repetition loops, truncation (from the finish reason or from the text itself) and empty output; code that does not parse is half incoherent
 * (the design's example marks a syntax error as incoherent).
 */
export function checkCoherence(text: string, finishReason: FinishReason, syntaxError?: string): CheckResult {
  const trimmed = text.trim();
  if (trimmed === '') return { score: 0, note: 'empty answer' };
  if (REFUSAL.test(trimmed.slice(0, 120))) return { score: 0, note: 'refusal' };
  if (finishReason === 'length') return { score: 0, note: 'truncated at the token limit' };
  const cut = cutOffReason(trimmed);
  if (cut) return { score: 0, note: `stops mid-way: ${cut}` };
  const loop = repetitionShare(trimmed);
  if (loop > 0.8)
    return { score: 0, note: `repetition loop (${Math.round(loop * 100)}% of the tail repeats one phrase)` };
  if (syntaxError) return { score: 0.5, note: `syntax error: ${syntaxError}` };
  return { score: 1, note: 'coherent' };
}

/** Longest phrase period, in words, the loop test looks for. */
const MAX_PERIOD = 24;
/** Words at the end of the answer the loop test reads. */
const WINDOW = 240;

/**
 * How much of the answer's tail is one phrase repeating back to back (0–1): the share of words equal to
 * the word one period earlier, for the best period. Degenerate generation loops score near 1; prose and
 * code with similar but distinct blocks score far lower.
 */
export function repetitionShare(text: string): number {
  const words = text.split(/\s+/);
  if (words.length < MIN_WORDS_FOR_LOOP) return 0;
  const start = Math.max(0, words.length - WINDOW);
  let best = 0;
  for (let period = 1; period <= MAX_PERIOD; period++) {
    const from = start + period;
    const span = words.length - from;
    if (span < period * 3) break;
    let same = 0;
    for (let i = from; i < words.length; i++) if (words[i] === words[i - period]) same++;
    best = Math.max(best, same / span);
  }
  return best;
}
