import { promptKind } from '../contract/prompt-kind.js';
import type { Complexity, RouteRequest } from './types.js';

export interface Classification {
  complexity: Complexity;
  reason: string;
}

const COMPLEX_WORDS =
  /\b(orchestrat\w*|spawn\w*|coordinat\w*|multi[- ]?file|across (?:the )?(?:codebase|repo\w*|files)|architect\w*|migrat\w*|critical|production incident|plan and execute)\b/i;
const MODERATE_WORDS =
  /\b(write|generate|implement|refactor|edit|fix|debug|function|class|code|script|summari[sz]e|summary|explain|reason|why|compare|analy[sz]e|translate|rewrite)\b/i;
const SIMPLE_WORDS =
  /\b(classify|categori[sz]e|label|tag|yes or no|yes\/no|true or false|is (?:this|it)|extract|list|which one|sentiment)\b/i;
const FILE_MENTION =
  /\b[\w./-]+\.(?:ts|tsx|js|jsx|py|go|rs|java|rb|md|json|ya?ml|toml|c|cc|cpp|h|cs|php|sql|sh)\b/g;

/** Characters above which a prompt is treated as at least MODERATE / COMPLEX when no action type decides. */
export const LONG_PROMPT_CHARS = { moderate: 2_000, complex: 12_000 } as const;

export function normaliseAction(action: string): string {
  return action
    .trim()
    .toLowerCase()
    .replace(/[\s/-]+/g, '_');
}

/**
 * Sorts a request into SIMPLE / MODERATE / COMPLEX. A known action type decides through the config's map;
 * otherwise prompt features do (length, code blocks, files mentioned, keywords), and the reason says which.
 */
export function classify(
  request: RouteRequest,
  actionComplexity: Readonly<Record<string, Complexity>>,
): Classification {
  let lead = 'no action type';
  if (request.action) {
    const action = normaliseAction(request.action);
    const mapped = actionComplexity[action];
    if (mapped) return { complexity: mapped, reason: `action '${action}' maps to ${mapped}` };
    lead = `unknown action '${action}'`;
  }
  if (request.prompt.trim() === '' && !request.context && request.inputTokens !== undefined) {
    // Recorded traces often carry token counts but no text: length is the only feature left.
    const byLength = classifyLength(request.inputTokens * CHARS_PER_TOKEN);
    return {
      complexity: byLength,
      reason: `${lead}; no prompt text, from ${request.inputTokens} input tokens`,
    };
  }
  const kind = promptKind(request.prompt);
  if (kind)
    return {
      complexity: 'MODERATE',
      reason: `${lead}; the prompt reads as ${kind === 'math' ? 'a math word problem (reasoning)' : 'a code task'} → MODERATE`,
    };
  const byFeatures = classifyPrompt(`${request.prompt}\n${request.context ?? ''}`);
  return { complexity: byFeatures.complexity, reason: `${lead}; from the prompt: ${byFeatures.reason}` };
}

/** Characters per token, to compare a token count with the character thresholds. */
const CHARS_PER_TOKEN = 4;

function classifyLength(chars: number): Complexity {
  return chars > LONG_PROMPT_CHARS.complex
    ? 'COMPLEX'
    : chars > LONG_PROMPT_CHARS.moderate
      ? 'MODERATE'
      : 'SIMPLE';
}

/** Prompt-feature classification, used when the action type does not decide. */
export function classifyPrompt(text: string): Classification {
  const files = new Set(text.match(FILE_MENTION) ?? []);
  if (files.size >= 3) return { complexity: 'COMPLEX', reason: `mentions ${files.size} files` };
  const complexWord = COMPLEX_WORDS.exec(text);
  if (complexWord) return { complexity: 'COMPLEX', reason: `keyword '${complexWord[0]}'` };
  if (text.length > LONG_PROMPT_CHARS.complex)
    return { complexity: 'COMPLEX', reason: `long prompt (${text.length} characters)` };
  if (text.includes('```')) return { complexity: 'MODERATE', reason: 'contains a code block' };
  if (text.length > LONG_PROMPT_CHARS.moderate)
    return { complexity: 'MODERATE', reason: `long prompt (${text.length} characters)` };
  const simpleWord = SIMPLE_WORDS.exec(text);
  const moderateWord = MODERATE_WORDS.exec(text);
  if (moderateWord && (!simpleWord || moderateWord.index < simpleWord.index))
    return { complexity: 'MODERATE', reason: `keyword '${moderateWord[0]}'` };
  if (simpleWord) return { complexity: 'SIMPLE', reason: `keyword '${simpleWord[0]}'` };
  if (files.size > 0) return { complexity: 'MODERATE', reason: `mentions ${files.size} file(s)` };
  return { complexity: 'SIMPLE', reason: `short prompt with no complexity markers` };
}
