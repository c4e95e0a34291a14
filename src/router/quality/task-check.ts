import type { TaskChecks } from '../../config/router-config.js';
import { isMathRequest } from '../prompt-kind.js';
import type { CheckResult, Expects, RouteRequest } from '../types.js';
import { checkCodeTests } from './code-tests-check.js';
import { extractCode } from './extract-code.js';
import { checkMathAnswer } from './math-answer-check.js';

/** The task-aware check that applies to a request, if any. */
export type TaskCheckName = 'math_answer' | 'code_tests';

const kinds = new WeakMap<RouteRequest, TaskCheckName | null>();

/**
 * Which task-aware check a request gets: code tests when it carries tests (and expects Python), the math
 * answer check when its action is `math` or its prompt reads as a math word problem. Decided once per request.
 */
export function taskCheckFor(
  request: RouteRequest,
  expects: Expects,
  config: TaskChecks,
): TaskCheckName | undefined {
  let kind = kinds.get(request);
  if (kind === undefined) {
    kind = null;
    if (config.codeTests && request.tests && expects === 'python') kind = 'code_tests';
    else if (config.mathAnswer && isMathRequest(request, expects)) kind = 'math_answer';
    kinds.set(request, kind);
  }
  return kind ?? undefined;
}

const MEMO_LIMIT = 5_000;
const memo = new Map<string, CheckResult | undefined>();

/** Runs the request's task-aware check on an answer; memoised on the answer (and its tests). */
export async function runTaskCheck(
  request: RouteRequest,
  expects: Expects,
  text: string,
  config: TaskChecks,
): Promise<CheckResult | undefined> {
  const kind = taskCheckFor(request, expects, config);
  if (!kind) return undefined;
  if (kind === 'math_answer') {
    const key = `m\u0000${text}`;
    if (memo.has(key)) return memo.get(key);
    const result = checkMathAnswer(text);
    remember(key, result);
    return result;
  }
  const tests = request.tests!;
  const key = `t\u0000${tests.entryPoint}\u0000${tests.code}\u0000${text}`;
  if (memo.has(key)) return memo.get(key);
  const result = await checkCodeTests(extractCode(text, 'python'), tests, config.sandbox);
  remember(key, result);
  return result;
}

function remember(key: string, result: CheckResult | undefined): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, result);
}
