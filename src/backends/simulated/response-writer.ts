import type { Defect } from '../../config/schema.js';
import type { Expects } from '../../contract/request.js';

/** Tokens one content unit (a JSON item, a code function, a sentence pair) stands for. */
export const TOKENS_PER_UNIT = 40;
/** Most content units in one simulated answer; longer answers repeat none but stop growing. */
export const MAX_UNITS = 24;
/** Wording variants per answer shape. */
export const VARIANTS = 2;

export interface WrittenAnswer {
  text: string;
  /** Whether the answer was cut at the token limit. */
  truncated: boolean;
}

const SUBJECTS = ['the request', 'the input record', 'the change set', 'the task'];
const WORDS = [
  'The input was read and every field was checked against the expected schema before the answer was produced.',
  'Each value is taken from the source text as written, with units and dates normalised to ISO formats.',
  'Where the source was ambiguous, the most specific interpretation consistent with the context was chosen.',
  'Edge cases such as empty lists, missing keys and duplicated entries are handled explicitly in the result.',
  'The result is deterministic for the same input and does not depend on the order of the records given.',
  'No information outside the provided context was used, so every statement can be traced to the input.',
];

/** Fills a required JSON field with a plausible value from its name. */
function fieldValue(field: string, unit: number): unknown {
  if (/confidence|score|probability/i.test(field)) return 0.9;
  if (/count|number|total|amount|age|year/i.test(field)) return 40 + unit;
  if (/^(is|has|should|can)_?|valid|answer$/i.test(field)) return field === 'answer' ? 'yes' : true;
  if (/s$/.test(field)) return ['alpha', 'beta', 'gamma'].slice(0, 1 + (unit % 3));
  return `${field} value ${unit + 1}`;
}

function json(fields: readonly string[], units: number, variant: number): string {
  const object: Record<string, unknown> = {};
  for (const [i, field] of fields.entries()) object[field] = fieldValue(field, i + variant);
  object['details'] = Array.from({ length: units }, (_, i) => WORDS[(i + variant) % WORDS.length]);
  return JSON.stringify(object, null, 2);
}

function python(units: number, variant: number): string {
  const parts = ['import json', ''];
  for (let i = 0; i < units; i++) {
    parts.push(
      '',
      `def parse_record_${variant}_${i}(text: str) -> dict:`,
      `    """Parse one JSON record from ${SUBJECTS[(i + variant) % SUBJECTS.length]}; raise ValueError if it is not an object."""`,
      '    data = json.loads(text)',
      '    if not isinstance(data, dict):',
      `        raise ValueError("expected an object, got " + type(data).__name__)`,
      '    return data',
    );
  }
  return `${parts.join('\n')}\n`;
}

function script(units: number, variant: number, typed: boolean): string {
  const parts: string[] = [];
  for (let i = 0; i < units; i++) {
    const signature = typed
      ? `export function parseRecord${variant}x${i}(text: string): Record<string, unknown> {`
      : `export function parseRecord${variant}x${i}(text) {`;
    parts.push(
      `/** Parses one JSON record from ${SUBJECTS[(i + variant) % SUBJECTS.length]}. */`,
      signature,
      '  const data = JSON.parse(text);',
      "  if (data === null || typeof data !== 'object' || Array.isArray(data)) {",
      "    throw new TypeError('expected an object');",
      '  }',
      '  return data;',
      '}',
      '',
    );
  }
  return parts.join('\n');
}

function prose(units: number, variant: number): string {
  const sentences: string[] = [];
  for (let i = 0; i < units * 2; i++) sentences.push(WORDS[(i * 5 + variant) % WORDS.length]!);
  return sentences.join(' ');
}

/** Breaks the syntax of an answer the way models do: a dropped colon, bracket or quote. */
function malform(text: string, expects: Expects): string {
  switch (expects) {
    case 'json':
      return text.replace(/\n}$/, ',\n');
    case 'python':
      return text.replace(/-> dict:/, '-> dict').replace('json.loads(text)', 'json.loads(text');
    case 'typescript':
    case 'javascript':
      return text.replace('JSON.parse(text);', 'JSON.parse(text;').replace(/\n}\n*$/, '\n');
    default:
      return text;
  }
}

/**
 * Writes a real answer in the expected format, with the requested defect, so the real quality check can
 * score it. Length grows with `units` (≈ TOKENS_PER_UNIT output tokens each).
 */
export function writeAnswer(
  expects: Expects,
  requiredFields: readonly string[],
  units: number,
  defect: Defect | undefined,
  variant: number,
  /** The request is a math word problem: a clean answer ends with its final answer stated. */
  math = false,
): WrittenAnswer {
  const n = Math.max(1, Math.min(MAX_UNITS, units));
  if (defect === 'empty') return { text: '', truncated: false };
  if (defect === 'refusal')
    return { text: "I'm sorry, but I can't help with that request as it is phrased.", truncated: false };
  if (defect === 'repetition') {
    const phrase = 'the result is the result and ';
    return { text: phrase.repeat(8 + n * 4).trim(), truncated: false };
  }
  const fields =
    defect === 'missing_fields'
      ? requiredFields.slice(0, Math.floor(requiredFields.length / 2))
      : requiredFields;
  const full =
    expects === 'json'
      ? json(fields, n, variant)
      : expects === 'python'
        ? python(n, variant)
        : expects === 'typescript' || expects === 'javascript'
          ? script(n, variant, expects === 'typescript')
          : prose(n, variant) +
            (math && defect !== 'task_failure' ? `\nSo the answer is ${40 + n + variant}.` : '');
  if (defect === 'truncation')
    return { text: full.slice(0, Math.max(1, Math.floor(full.length * 0.6))), truncated: true };
  if (defect === 'malformed') return { text: malform(full, expects), truncated: false };
  return { text: full, truncated: false };
}
