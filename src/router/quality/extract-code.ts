/** Fence tags that name each language, lower-case. */
const TAGS: Record<string, readonly string[]> = {
  python: ['python', 'py', 'python3'],
  typescript: ['typescript', 'ts', 'tsx'],
  javascript: ['javascript', 'js', 'jsx', 'mjs', 'node'],
  json: ['json', 'jsonc'],
};

const BLOCK = /^[ \t]*```[ \t]*([\w+.-]*)[^\n]*\n([\s\S]*?)^[ \t]*```[ \t]*$/gm;

/**
 * The code (or JSON) inside an answer, as chat models write it: one or more fenced blocks, usually with a
 * sentence of prose before or after. Blocks tagged with the language (or untagged) are taken, in order, and
 * joined; blocks tagged with another language (a shell command, sample output) are left out. An answer with
 * no complete fence is taken whole, so prose with no code fails the parse as it should; an opening fence that
 * never closes (a cut-off answer) yields what follows it.
 */
export function extractCode(text: string, language: string): string {
  const wanted = TAGS[language] ?? [language];
  const matching: string[] = [];
  const any: string[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const tag = match[1]!.toLowerCase();
    const body = match[2]!.replace(/\r?\n$/, '');
    any.push(body);
    if (tag === '' || wanted.includes(tag)) matching.push(body);
  }
  if (matching.length) return matching.join('\n\n');
  if (any.length) return any.join('\n\n');
  const open = /^[ \t]*```[^\n]*\n/m.exec(text);
  if (open) return text.slice(open.index + open[0].length);
  return text;
}
