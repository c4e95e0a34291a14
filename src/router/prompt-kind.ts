/** Kinds of task a prompt can be recognised as when no action type says what it is. */
export type PromptKind = 'math' | 'code';

const QUESTION_WORDS =
  /\b(how (?:many|much|long|far|old|fast)|what (?:is|was|will|are) the (?:total|sum|difference|cost|price|number|amount|average|percentage|value)|what percent(?:age)?|calculate|compute|in total|altogether|how many)\b/i;
const NUMBER = /(?:^|[^\w.])\$?\d+(?:[.,]\d+)?%?/g;
const CODE_TASK =
  /^\s*(?:from\s+\w+\s+import|import\s+\w+|def\s+\w+\s*\(|class\s+\w+)|```|\b(?:write|implement|complete) (?:a|the) (?:python |typescript |javascript )?(?:function|class|method|script)\b/im;

/**
 * What a prompt asks for, from its text alone: a math word problem (a quantitative question over at least
 * two numbers), a code task (a function signature or stub, a fence, or "write a function"), or undefined.
 * Used to classify prompts that carry no action type and to choose a task-aware check.
 */
export function promptKind(prompt: string): PromptKind | undefined {
  if (CODE_TASK.test(prompt)) return 'code';
  if (prompt.length > 4_000) return undefined;
  const numbers = prompt.match(NUMBER)?.length ?? 0;
  if (numbers >= 2 && QUESTION_WORDS.test(prompt)) return 'math';
  if (
    numbers >= 2 &&
    /\?\s*$/.test(prompt.trim()) &&
    /\b(each|per|every|times|half|twice|total)\b/i.test(prompt)
  )
    return 'math';
  return undefined;
}
