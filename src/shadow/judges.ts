import { promptKind } from '../contract/prompt-kind.js';
import type { Expects } from '../contract/request.js';
import { parseStatedNumber, sameNumber } from '../router/quality/arithmetic.js';
import { stripFence } from '../router/quality/strip-fence.js';

/** Which judge gave a verdict: the kind of comparison, by the answer's shape. */
export type JudgeName = 'exact' | 'json' | 'math' | 'llm';

/**
 * The judge an answer's shape calls for: the final number for math, field by field for JSON, normalised exact
 * match for labels, yes/no and short extractions, an LLM judge for free text (code without tests included:
 * the workload carries no tests to run).
 */
export function judgeFor(request: { prompt: string; expects?: Expects }, reference: string): JudgeName {
  if (request.expects === 'json' || parsedObject(reference) !== undefined) return 'json';
  if (promptKind(request.prompt) === 'math' || finalNumber(reference, true) !== undefined) return 'math';
  const short = reference.trim();
  if (!short.includes('\n') && short.split(/\s+/).length <= 6 && short.length <= 60) return 'exact';
  return 'llm';
}

/** Lower-case, no surrounding quotes, punctuation or whitespace runs: `"Yes."` and `yes` are the same label. */
export function normalise(text: string): string {
  return stripFence(text)
    .trim()
    .toLowerCase()
    .replace(/^["'`*\s]+|["'`*.!\s]+$/g, '')
    .replace(/\s+/g, ' ');
}

export function exactJudge(answer: string, reference: string): boolean {
  return normalise(answer) === normalise(reference);
}

function parsedObject(text: string): Record<string, unknown> | undefined {
  const body = stripFence(text).trim();
  if (!body.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return normalise(a) === normalise(b);
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    return Object.keys(rb).every((k) => sameValue(ra[k], rb[k]));
  }
  return a === b;
}

/** Every field of the reference object has the same value in the answer (strings normalised, numbers within 1%). */
export function jsonJudge(answer: string, reference: string): boolean {
  const a = parsedObject(answer);
  const b = parsedObject(reference);
  return !!a && !!b && sameValue(a, b);
}

const NUMBER = String.raw`-?\$?\d[\d,]*(?:\.\d+)?`;
const MARKERS = [
  new RegExp(String.raw`####\s*(${NUMBER})`, 'g'),
  new RegExp(String.raw`\b(?:final answer|the answer)\s*(?:is|:|=)?\s*:?\s*\**\s*(${NUMBER})`, 'gi'),
  new RegExp(String.raw`\\boxed\{\s*(${NUMBER})\s*\}`, 'g'),
];

/**
 * The answer's final number: the last one an explicit marker states (`#### N`, "the answer is N",
 * `\boxed{N}`), else (unless `markedOnly`) the last number in the text.
 */
export function finalNumber(text: string, markedOnly = false): number | undefined {
  for (const marker of MARKERS) {
    const found = [...text.matchAll(marker)];
    const last = found.at(-1)?.[1];
    if (last !== undefined) return parseStatedNumber(last.replace(/\.$/, ''));
  }
  if (markedOnly) return undefined;
  const all = [...text.matchAll(new RegExp(NUMBER, 'g'))].map((m) => m[0].replace(/\.$/, ''));
  const last = all.at(-1);
  return last === undefined ? undefined : parseStatedNumber(last);
}

export function mathJudge(answer: string, reference: string): boolean {
  const a = finalNumber(answer);
  const b = finalNumber(reference);
  return a !== undefined && b !== undefined && sameNumber(a, b);
}
