import type { TaskChecks } from '../../config/router-config.js';
import { isMathRequest } from '../../contract/prompt-kind.js';
import type { CheckResult, Expects, RouteRequest } from '../types.js';
import { checkCodeTests } from './code-tests-check.js';
import { extractCode } from './extract-code.js';
import { checkMathAnswer } from './math-answer-check.js';

/** The task-aware check that applies to a request, if any. */
export type TaskCheckName = 'math_answer' | 'code_tests';

/**
 * Which task-aware check a request gets: code tests when it carries tests (and expects Python), the math
 * answer check when its action is `math`, or it has no action (or a reasoning one) and its prompt reads as a
 * math word problem.
 */
export function taskCheckFor(
  request: RouteRequest,
  expects: Expects,
  config: TaskChecks,
): TaskCheckName | undefined {
  if (request.tests && config.codeTests && expects === 'python') return 'code_tests';
  if (config.mathAnswer && isMathRequest(request, expects)) return 'math_answer';
  return undefined;
}

const MEMO_LIMIT = 5_000;
const memo = new Map<string, CheckResult | undefined>();

/**
 * Runs the request's task-aware check on an answer; memoised on the answer (and its tests). Returns the
 * result itself when no child process is needed (no check, or the math check), so the hot path need not
 * await; a Promise only for code tests.
 */
export function runTaskCheck(
  request: RouteRequest,
  expects: Expects,
  text: string,
  config: TaskChecks,
): CheckResult | undefined | Promise<CheckResult | undefined> {
  const kind = taskCheckFor(request, expects, config);
  if (!kind) return undefined;
  if (kind === 'math_answer') {
    const key = `m\u0000${text}`;
    if (memo.has(key)) return memo.get(key);
    const result = checkMathAnswer(text);
    remember(key, result);
    return result;
  }
  return runCodeTests(request, text, config);
}

async function runCodeTests(
  request: RouteRequest,
  text: string,
  config: TaskChecks,
): Promise<CheckResult | undefined> {
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
