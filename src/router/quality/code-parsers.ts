import { createRequire } from 'node:module';
import type { Expects } from '../types.js';

/** Languages the format check parses with a real parser. */
export type CodeLanguage = 'python' | 'typescript' | 'javascript';

/** Returns the first syntax error's description, or undefined when the code parses. */
type SyntaxChecker = (code: string) => string | undefined;

const require = createRequire(import.meta.url);
const loaded = new Map<CodeLanguage, SyntaxChecker>();
const loading = new Map<CodeLanguage, Promise<SyntaxChecker>>();

export function isCode(expects: Expects): expects is CodeLanguage {
  return expects === 'python' || expects === 'typescript' || expects === 'javascript';
}

/** The checker if already loaded (synchronous hot path). */
export function syntaxChecker(language: CodeLanguage): SyntaxChecker | undefined {
  return loaded.get(language);
}

/** Loads a parser once per process: tree-sitter (wasm) for Python, the TypeScript compiler for TS and JS. */
export function loadSyntaxChecker(language: CodeLanguage): Promise<SyntaxChecker> {
  let promise = loading.get(language);
  if (!promise) {
    promise = (language === 'python' ? loadPython() : loadTypeScript(language)).then((checker) => {
      loaded.set(language, checker);
      return checker;
    });
    loading.set(language, promise);
  }
  return promise;
}

async function loadPython(): Promise<SyntaxChecker> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const grammar = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  const parser = new Parser();
  parser.setLanguage(grammar);
  return (code) => {
    const tree = parser.parse(code);
    if (!tree) return 'the parser returned no tree';
    try {
      const root = tree.rootNode;
      if (!root.hasError) return undefined;
      const bad = findError(root);
      return bad ? `syntax error at line ${bad.startPosition.row + 1}` : 'syntax error';
    } finally {
      tree.delete();
    }
  };
}

interface TreeNode {
  isError: boolean;
  isMissing: boolean;
  hasError: boolean;
  startPosition: { row: number };
  children: (TreeNode | null)[];
}

function findError(node: TreeNode): TreeNode | undefined {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child?.hasError || child?.isMissing) {
      const found = findError(child);
      if (found) return found;
    }
  }
  return undefined;
}

async function loadTypeScript(language: 'typescript' | 'javascript'): Promise<SyntaxChecker> {
  const ts = (await import('typescript')).default;
  const kind = language === 'typescript' ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const fileName = language === 'typescript' ? 'answer.ts' : 'answer.js';
  return (code) => {
    const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, kind);
    const diagnostics = (
      source as unknown as { parseDiagnostics?: { start?: number; messageText: unknown }[] }
    ).parseDiagnostics;
    const first = diagnostics?.[0];
    if (!first) return undefined;
    const line = first.start === undefined ? '?' : source.getLineAndCharacterOfPosition(first.start).line + 1;
    const text = typeof first.messageText === 'string' ? first.messageText : 'syntax error';
    return `line ${line}: ${text}`;
  };
}
