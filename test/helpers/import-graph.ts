// The import graph of src/, read with the TypeScript compiler's own pre-processor (static imports, re-exports
// and dynamic import() with a literal path), for the import-rule test and for anyone asking "who reads this?".
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** File (relative to the root, with forward slashes) → the files it imports. */
export type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Resolves `./x.js` (the project's ESM spelling) or `./x.ts` to the source file it names, or undefined. */
function resolveSpecifier(from: string, specifier: string, known: Set<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => known.has(candidate));
}

export function readImportGraph(root: string, srcDir = 'src'): ImportGraph {
  const files = sourceFiles(join(root, srcDir));
  const known = new Set(files);
  const name = (path: string) => relative(root, path).split('\\').join('/');
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      const target = resolveSpecifier(file, fileName, known);
      if (target !== undefined && target !== file) targets.add(name(target));
    }
    graph.set(name(file), [...targets].sort());
  }
  return graph;
}

/** Every strongly connected component of more than one file (Tarjan), each sorted, the list sorted. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A rule: no file under `from` may import a file under any of `to` (folders relative to the root). */
export interface ImportRule {
  from: string;
  to: string[];
  why: string;
}

export interface RuleBreak {
  rule: ImportRule;
  file: string;
  imports: string;
}

const under = (file: string, folder: string) => file.startsWith(`${folder}/`);

export function ruleBreaks(graph: ImportGraph, rules: readonly ImportRule[]): RuleBreak[] {
  const breaks: RuleBreak[] = [];
  for (const [file, targets] of graph) {
    for (const rule of rules) {
      if (!under(file, rule.from)) continue;
      for (const target of targets) {
        if (rule.to.some((folder) => under(target, folder))) breaks.push({ rule, file, imports: target });
      }
    }
  }
  return breaks;
}
