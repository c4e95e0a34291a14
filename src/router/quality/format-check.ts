import type { CheckResult, Expects } from '../types.js';
import { isCode, syntaxChecker } from './code-parsers.js';
import { stripFence } from './strip-fence.js';

/** What the format check learnt, shared with the later checks so nothing is parsed twice. */
export interface FormatFindings {
  result: CheckResult;
  /** Parsed JSON value when JSON was expected and parsed. */
  json?: unknown;
  /** Syntax error message when code was expected and did not parse. */
  syntaxError?: string;
}

/**
 * JSON must parse (and be an object or array); code must parse with a real parser. Parsers must have been
 * loaded (`loadSyntaxChecker`) before; the quality check does that once.
 */
export function checkFormat(text: string, expects: Expects): FormatFindings {
  if (text.trim() === '') return { result: { score: 0, note: 'empty answer' } };
  if (expects === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(stripFence(text));
    } catch (error) {
      return { result: { score: 0, note: `invalid JSON: ${(error as Error).message}` } };
    }
    if (value === null || typeof value !== 'object')
      return { result: { score: 0.5, note: 'JSON parses but is not an object or array' }, json: value };
    return { result: { score: 1, note: 'valid JSON' }, json: value };
  }
  if (isCode(expects)) {
    const check = syntaxChecker(expects);
    if (!check) throw new Error(`the ${expects} parser is not loaded`);
    const error = check(stripFence(text));
    if (error)
      return { result: { score: 0, note: `${expects} does not parse: ${error}` }, syntaxError: error };
    return { result: { score: 1, note: `valid ${expects}` } };
  }
  return { result: { score: 1, note: 'text' } };
}
