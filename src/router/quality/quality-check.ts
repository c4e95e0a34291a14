import type { QualityWeights } from '../../config/router-config.js';
import type { CheckResult, CheckScores, Expects, FinishReason } from '../types.js';
import { isCode, loadSyntaxChecker } from './code-parsers.js';
import { checkCoherence } from './coherence-check.js';
import { checkCompleteness } from './completeness-check.js';
import { checkFormat } from './format-check.js';
import { compilePython } from './python-compile.js';
import { extractCode } from './extract-code.js';

/** Results of the three checks that need no model call. */
export interface StaticChecks {
  format: CheckResult;
  completeness: CheckResult;
  coherence: CheckResult;
}

/** Entries kept before the memo is emptied; bounds memory on workloads with unique answers. */
const MEMO_LIMIT = 5_000;
interface MemoEntry {
  expects: Expects;
  finishReason: FinishReason;
  fields: string;
  checks: StaticChecks;
}
/** text → the expectations it was checked under (usually one). */
const memo = new Map<string, MemoEntry[]>();
let memoSize = 0;

/** The memoised checks of this text under these expectations, if it was checked before (no await needed). */
export function memoisedStaticChecks(
  text: string,
  expects: Expects,
  requiredFields: readonly string[] | undefined,
  finishReason: FinishReason,
): StaticChecks | undefined {
  const entries = memo.get(text);
  if (!entries) return undefined;
  const fields = fieldsKey(requiredFields);
  for (const entry of entries)
    if (entry.expects === expects && entry.finishReason === finishReason && entry.fields === fields)
      return entry.checks;
  return undefined;
}

/**
 * Runs format, completeness and coherence on an answer. Identical answers under identical expectations are
 * checked once: a real parser costs ~150 µs per KB, and simulated or repeated answers recur often.
 */
export async function runStaticChecks(
  text: string,
  expects: Expects,
  requiredFields: readonly string[] | undefined,
  finishReason: FinishReason,
): Promise<StaticChecks> {
  const hit = memoisedStaticChecks(text, expects, requiredFields, finishReason);
  if (hit) return hit;
  if (isCode(expects)) await loadSyntaxChecker(expects);
  const python =
    expects === 'python' && text.trim() !== '' ? await compilePython(extractCode(text, 'python')) : undefined;
  const format = checkFormat(text, expects, python);
  const checks: StaticChecks = {
    format: format.result,
    completeness: checkCompleteness(text, expects, format.json, requiredFields, finishReason),
    coherence: checkCoherence(text, finishReason, format.syntaxError),
  };
  if (memoSize >= MEMO_LIMIT) {
    memo.clear();
    memoSize = 0;
  }
  const entry = { expects, finishReason, fields: fieldsKey(requiredFields), checks };
  const entries = memo.get(text);
  if (entries) entries.push(entry);
  else memo.set(text, [entry]);
  memoSize++;
  return checks;
}

const fieldKeys = new WeakMap<readonly string[], string>();
/** The joined field list, computed once per array (workloads share one array per action). */
function fieldsKey(fields: readonly string[] | undefined): string {
  if (!fields?.length) return '';
  let key = fieldKeys.get(fields);
  if (key === undefined) fieldKeys.set(fields, (key = fields.join(',')));
  return key;
}

/**
 * Weighted confidence in [0, 1]. Checks absent from `checks` (self-critique off or its call failed, no
 * task-aware check for this request) drop out and the remaining weights renormalise. A vetoing check's score
 * then multiplies the result, so its 0 fails the answer whatever the others say. Rounded to 4 decimals so
 * 0.3 + 0.2 + 0.2 compares as 0.7.
 */
export function confidenceOf(checks: CheckScores, weights: QualityWeights): number {
  // Written out rather than looped over: this runs twice per attempt on the simulation's hot path.
  let total = 0;
  let weight = 0;
  const { format, completeness, coherence, selfCritique, task } = checks;
  if (format) {
    total += format.score * weights.format;
    weight += weights.format;
  }
  if (completeness) {
    total += completeness.score * weights.completeness;
    weight += weights.completeness;
  }
  if (coherence) {
    total += coherence.score * weights.coherence;
    weight += weights.coherence;
  }
  if (selfCritique) {
    total += selfCritique.score * weights.selfCritique;
    weight += weights.selfCritique;
  }
  if (task) {
    total += task.score * (weights.task ?? 0);
    weight += weights.task ?? 0;
  }
  const veto = weights.veto;
  const vetoTask = veto?.task && task ? task.score : undefined;
  const vetoCritique = veto?.selfCritique && selfCritique ? selfCritique.score : undefined;
  // With only vetoing checks weighted in, they decide alone.
  let confidence = weight === 0 ? ((vetoTask ?? vetoCritique) !== undefined ? 1 : 0) : total / weight;
  if (vetoTask !== undefined) confidence *= vetoTask;
  if (vetoCritique !== undefined) confidence *= vetoCritique;
  return Math.round(confidence * 10_000) / 10_000;
}

/** The pass rule: confidence at or above the threshold. */
export function passes(confidence: number, threshold: number): boolean {
  return confidence >= threshold - 1e-9;
}
