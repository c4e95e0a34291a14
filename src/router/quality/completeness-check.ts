import type { CheckResult, Expects, FinishReason } from '../types.js';
import { isCode } from './code-parsers.js';
import { cutOffReason } from './cut-off.js';
import { extractCode } from './extract-code.js';

/** Fewest characters a text answer needs to count as an answer. */
export const MIN_TEXT_CHARS = 20;

const DEFINITION: Record<'python' | 'typescript' | 'javascript', RegExp> = {
  python: /^\s*(async\s+)?(def|class)\s+\w+/m,
  typescript: /\b(function\s*\*?\s*\w*\s*[(<]|class\s+\w+|=>|interface\s+\w+|type\s+\w+\s*=)/,
  javascript: /\b(function\s*\*?\s*\w*\s*\(|class\s+\w+|=>)/,
};

/**
 * Long enough, has the required JSON fields, has a definition when code is expected, and was not cut off.
 * Missing fields score half their share, so a partial answer still ranks above an empty one.
 */
export function checkCompleteness(
  text: string,
  expects: Expects,
  json: unknown,
  requiredFields: readonly string[] | undefined,
  finishReason: FinishReason,
): CheckResult {
  const body = (expects === 'text' ? text : extractCode(text, expects)).trim();
  if (body === '') return { score: 0, note: 'empty answer' };
  let score = 1;
  const notes: string[] = [];
  if (expects === 'json') {
    if (json === undefined) {
      score = 0;
      notes.push('no parsed JSON to check fields in');
    } else if (requiredFields?.length) {
      const object = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : undefined;
      const missing = requiredFields.filter((field) => !object || !(field in object));
      if (missing.length) {
        score = 0.5 * (1 - missing.length / requiredFields.length);
        notes.push(`missing field(s) ${missing.join(', ')}`);
      }
    }
  } else if (isCode(expects)) {
    if (!DEFINITION[expects].test(body)) {
      score = 0.5;
      notes.push('no function or class definition');
    }
  } else if (body.length < MIN_TEXT_CHARS) {
    score = 0;
    notes.push(`shorter than ${MIN_TEXT_CHARS} characters`);
  }
  if (finishReason === 'length') {
    score *= 0.5;
    notes.push('cut off at the token limit');
  } else {
    const cut = cutOffReason(text);
    if (cut) {
      score *= 0.5;
      notes.push(`stops mid-way (${cut})`);
    }
  }
  return { score, note: notes.length ? notes.join('; ') : 'complete' };
}
