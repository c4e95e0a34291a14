import type { CheckResult } from '../types.js';
import { evaluateArithmetic, parseStatedNumber, sameNumber } from './arithmetic.js';

const NUMBER = String.raw`-?\$?\d[\d,]*(?:\.\d+)?`;
/** Explicit final-answer markers: GSM8K's `#### N`, "the answer is N", LaTeX `\boxed{N}`. */
const FINAL_MARKERS = [
  new RegExp(String.raw`####\s*(${NUMBER})`, 'g'),
  new RegExp(String.raw`\b(?:final answer|the answer)\s*(?:is|:)\s*:?\s*(${NUMBER})`, 'gi'),
  new RegExp(String.raw`\\boxed\{\s*(${NUMBER})\s*\}`, 'g'),
];
/** GSM8K-style calculator annotations: `<<3*12=36>>`. */
const ANNOTATION = /<<([^<>=]+)=([^<>]+)>>/g;
/**
 * An inline equation between plain numbers: `16 - 3 = 13`, `9 * $2 = $18`. It must start its expression (no
 * operator or number just before it) and its result must end one (`= 4 * 20 = 80` rewrites a step, so 4 is
 * not a result).
 */
const OPERAND = String.raw`\(?\s*\$?\d[\d,]*(?:\.\d+)?\s*\)?`;
const INLINE = new RegExp(
  String.raw`(?<![-+*/x×÷(\d.,$]\s*)((?:${OPERAND}\s*[-+*/x×÷]\s*)+${OPERAND})\s*=\s*(\$?\d[\d,]*(?:\.\d+)?)(?![\d.,]*\d)(?!\s*[-+*/x×÷]\s*[\d$(])`,
  'g',
);

/** Score for an answer whose only stated number is on its last line, with no explicit marker. */
export const UNMARKED_FINAL_SCORE = 0.8;

/**
 * The task-aware check for math word problems. It cannot know the right answer, but it catches the
 * signs of a wrong one that the text itself shows:
 * - no final answer stated (0), or only a number on the last line with no marker (0.8: passes at the
 *   default threshold of 0.7, fails at a stricter one);
 * - a calculation that does not check out, annotated (`<<a*b=c>>`) or inline (`a * b = c`) (0);
 * - two different final answers (0.5).
 */
export function checkMathAnswer(text: string): CheckResult {
  const finals = new Set<number>();
  for (const marker of FINAL_MARKERS)
    for (const match of text.matchAll(marker)) {
      const value = parseStatedNumber(match[1]!);
      if (value !== undefined) finals.add(value);
    }
  const wrong = wrongCalculation(text);
  if (wrong) return { score: 0, note: `a calculation is wrong: ${wrong}` };
  if (finals.size > 1) return { score: 0.5, note: `two different final answers (${[...finals].join(', ')})` };
  if (finals.size === 1)
    return { score: 1, note: `final answer ${[...finals][0]} stated, arithmetic checks out` };
  const lines = text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  const last = lines.at(-1) ?? '';
  if (/\d/.test(last))
    return { score: UNMARKED_FINAL_SCORE, note: 'no marked final answer (a number on the last line only)' };
  return { score: 0, note: 'no final answer stated' };
}

function wrongCalculation(text: string): string | undefined {
  for (const match of text.matchAll(ANNOTATION)) {
    const computed = evaluateArithmetic(match[1]!);
    const stated = parseStatedNumber(match[2]!);
    if (computed !== undefined && stated !== undefined && !sameNumber(computed, stated))
      return `${match[1]!.trim()} is ${round(computed)}, not ${match[2]!.trim()}`;
  }
  const plain = text.replace(ANNOTATION, ' ');
  for (const match of plain.matchAll(INLINE)) {
    const computed = evaluateArithmetic(match[1]!);
    const stated = parseStatedNumber(match[2]!);
    if (computed !== undefined && stated !== undefined && !sameNumber(computed, stated))
      return `${match[1]!.trim()} is ${round(computed)}, not ${match[2]!.trim()}`;
  }
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
