import { Script } from 'node:vm';
import type { CheckResult, Expects } from '../types.js';
import { isCode, syntaxChecker } from './code-parsers.js';
import { extractCode } from './extract-code.js';
import type { CompileVerdict } from './python-compile.js';

/** What the format check learnt, shared with the later checks so nothing is parsed twice. */
export interface FormatFindings {
  result: CheckResult;
  /** Parsed JSON value when JSON was expected and parsed. */
  json?: unknown;
  /** Syntax error message when code was expected and did not parse. */
  syntaxError?: string;
}

/**
 * JSON must parse (and be an object or array); code must compile. The code or JSON is taken from the
 * answer's fenced blocks when it has them (the usual chat shape: a sentence, a fence, a sentence).
 *
 * - Python: Python's own `compile()` when its verdict is given (`python-compile.ts`), else tree-sitter.
 * - JavaScript: V8's parser (a script compiled, never run); module syntax falls back to tree-sitter.
 * - TypeScript: tree-sitter (no stricter parser ships with the runtime).
 *
 * Parsers must have been loaded (`loadSyntaxChecker`) before; the quality check does that once.
 */
export function checkFormat(text: string, expects: Expects, python?: CompileVerdict): FormatFindings {
  if (text.trim() === '') return { result: { score: 0, note: 'empty answer' } };
  if (expects === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(extractCode(text, 'json'));
    } catch (error) {
      return { result: { score: 0, note: `invalid JSON: ${(error as Error).message}` } };
    }
    if (value === null || typeof value !== 'object')
      return { result: { score: 0.5, note: 'JSON parses but is not an object or array' }, json: value };
    return { result: { score: 1, note: 'valid JSON' }, json: value };
  }
  if (isCode(expects)) {
    const code = extractCode(text, expects);
    if (expects === 'python' && python && !python.unavailable) {
      if (python.error)
        return {
          result: { score: 0, note: `python does not compile: ${python.error}` },
          syntaxError: python.error,
        };
      return { result: { score: 1, note: 'valid python (compiles)' } };
    }
    if (expects === 'javascript') {
      const v8 = v8SyntaxError(code);
      if (v8 !== undefined && !MODULE_SYNTAX.test(v8))
        return { result: { score: 0, note: `javascript does not parse: ${v8}` }, syntaxError: v8 };
      if (v8 === undefined) return { result: { score: 1, note: 'valid javascript' } };
    }
    const check = syntaxChecker(expects);
    if (!check) throw new Error(`the ${expects} parser is not loaded`);
    const error = check(code);
    const fallback = expects === 'python' && python?.unavailable ? ` (${python.unavailable})` : '';
    if (error)
      return {
        result: { score: 0, note: `${expects} does not parse: ${error}${fallback}` },
        syntaxError: error,
      };
    return { result: { score: 1, note: `valid ${expects}${fallback}` } };
  }
  return { result: { score: 1, note: 'text' } };
}

/** V8 rejects `import`/`export` in a classic script; such answers are judged by tree-sitter instead. */
const MODULE_SYNTAX = /import statement|'export'|'import'|import\.meta|await is only valid/;

function v8SyntaxError(code: string): string | undefined {
  try {
    // Compiled, never run.
    new Script(code, { filename: 'answer.js' });
    return undefined;
  } catch (error) {
    return error instanceof SyntaxError ? error.message : undefined;
  }
}
