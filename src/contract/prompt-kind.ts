/** Kinds of task a prompt can be recognised as when no action type says what it is. */
export type PromptKind = 'math' | 'code';

const QUESTION_WORDS =
  /\b(how (?:many|much|long|far|old|fast|tall|big|heavy|often|load)\b|what (?:is|was|were|will|are|would)\b[^?]*\?|what percent(?:age)?|\bfind (?:the|her|his|their|its|how)\b|calculate|compute|in total|altogether)/i;
/** Quantities: digits (also `.5`), and number words that word problems use in place of digits. */
const NUMBER =
  /(?:^|[^\w.])\$?(?:\d+(?:[.,]\d+)?|\.\d+)%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|half|twice|thrice|double|triple|third|quarter|dozen)\b/gi;
const CODE_TASK =
  /^\s*(?:from\s+\w+\s+import|import\s+\w+|def\s+\w+\s*\(|class\s+\w+)|```|\b(?:write|implement|complete) (?:a|the) (?:python |typescript |javascript )?(?:function|class|method|script)\b/im;

/**
 * What a prompt asks for, from its text alone: a math word problem (a quantitative question over at least
 * two numbers), a code task (a function signature or stub, a fence, or "write a function"), or undefined.
 * Used to classify prompts that carry no action type and to choose a task-aware check.
 */
export function promptKind(prompt: string): PromptKind | undefined {
  // Workloads repeat their prompts (templates, retries, recorded replays): each text is read once.
  const known = memo.get(prompt);
  if (known !== undefined) return known ?? undefined;
  const kind = readKind(prompt);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(prompt, kind ?? null);
  return kind;
}

const MEMO_LIMIT = 10_000;
const memo = new Map<string, PromptKind | null>();

function readKind(prompt: string): PromptKind | undefined {
  if (CODE_TASK.test(prompt)) return 'code';
  if (prompt.length > 4_000) return undefined;
  const numbers = prompt.match(NUMBER)?.length ?? 0;
  if (numbers >= 2 && (QUESTION_WORDS.test(prompt) || /\?\s*$/.test(prompt.trim()))) return 'math';
  return undefined;
}

/** Actions whose prompts may be math word problems; other named actions never get the math check. */
const MAYBE_MATH = new Set(['math', 'reasoning', 'reason', 'calculate', 'calculation']);

/**
 * Whether a request gets the math-answer check: a text answer to an action `math`, or to a request with no
 * action (or a reasoning one) whose prompt reads as a math word problem.
 */
export function isMathRequest(request: { action?: string; prompt: string }, expects: string): boolean {
  if (expects !== 'text') return false;
  const action = request.action?.toLowerCase();
  if (action === 'math') return true;
  if (action !== undefined && !MAYBE_MATH.has(action)) return false;
  return promptKind(request.prompt) === 'math';
}
