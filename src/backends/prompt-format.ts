import { EXPECTS, type Expects } from '../contract/request.js';

/**
 * The system message that tells a model what format to answer in. The quality check then holds the answer
 * to it. Written so a small local model can follow it; the fake servers read it back.
 */
export function formatInstruction(expects: Expects, requiredFields: readonly string[] = []): string {
  switch (expects) {
    case 'json':
      return requiredFields.length
        ? `Respond with JSON only: one object with the keys: ${requiredFields.join(', ')}.`
        : 'Respond with JSON only: one object.';
    case 'python':
    case 'typescript':
    case 'javascript':
      return `Respond with ${expects} code only, in one code block.`;
    default:
      return 'Respond in plain text.';
  }
}

/** Reads a format instruction back (used by the fake servers to answer in the requested format). */
export function parseFormatInstruction(system: string): { expects: Expects; requiredFields: string[] } {
  const json = /Respond with JSON only: one object(?: with the keys: ([^.]+))?\./.exec(system);
  if (json)
    return { expects: 'json', requiredFields: json[1] ? json[1].split(',').map((f) => f.trim()) : [] };
  const code = /Respond with (\w+) code only/.exec(system);
  if (code && (EXPECTS as readonly string[]).includes(code[1]!))
    return { expects: code[1] as Expects, requiredFields: [] };
  return { expects: 'text', requiredFields: [] };
}

/** Marker the critique prompt starts with, so a server can tell a critique from an answer. */
export const CRITIQUE_MARKER = 'You review answers produced by another model.';

/** The answer under review inside a critique prompt. */
export function critiqueSubject(prompt: string): string | undefined {
  if (!prompt.startsWith(CRITIQUE_MARKER)) return undefined;
  const start = prompt.indexOf('\nAnswer:\n');
  const end = prompt.lastIndexOf('\nIs this answer valid');
  return start >= 0 && end > start ? prompt.slice(start + 9, end) : undefined;
}
