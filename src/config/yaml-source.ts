import { closest } from 'fastest-levenshtein';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';

type Path = readonly PropertyKey[];

/** Where a value set over the document came from: a place in another file, or a flag (e.g. `--set`). */
export type Origin = { source: YamlSource; path: unknown[] } | { label: string };

/** A parsed YAML file that remembers where each value came from, for file:line:column errors. */
export class YamlSource {
  /** Values set over the document (a user's layer, `--set`), by path: errors about them point there. */
  private readonly origins = new Map<string, Origin>();

  private constructor(
    readonly file: string,
    /** The text as read, before any override. */
    readonly text: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
    /** The file whose document this one started from (the built-in defaults under a user's layer). */
    private readonly base?: YamlSource,
  ) {}

  /**
   * A copy of `base` that values from `file` will be set over (see `setFrom`): errors about those values
   * name `file`; errors about the rest name `base` as built-in defaults.
   */
  static layer(base: YamlSource, file: string, text: string): YamlSource {
    return new YamlSource(file, text, base.document.clone(), base.lines, base);
  }

  /** Sets one value and remembers where it came from. */
  setFrom(path: unknown[], value: unknown, origin: Origin): void {
    this.document.setIn(path, value);
    this.origins.set(pathKey(path), origin);
  }

  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = document.errors[0];
    if (first) {
      const [line, column] = position(lines, first.pos[0]);
      const what = first.message.split('\n')[0] ?? first.message;
      throw new ConfigError(`${file}:${line}:${column}: YAML syntax error: ${what}.`, file, line, column);
    }
    return new YamlSource(file, text, document, lines);
  }

  /**
   * Applies overrides (e.g. a scenario's `config_overrides`) leaf by leaf, so untouched values keep their
   * positions. Under `models`, keys are model names.
   */
  applyOverrides(overrides: Record<string, unknown>, label = 'config_overrides'): void {
    const visit = (path: unknown[], value: unknown): void => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, child] of Object.entries(value)) visit([...path, key], child);
      } else this.setFrom(path, value, { label });
    };
    for (const [key, value] of Object.entries(overrides)) {
      if (key === 'models' && value && typeof value === 'object' && !Array.isArray(value)) {
        const models = (this.document.toJS() as { models?: { name?: string }[] }).models ?? [];
        for (const [name, patch] of Object.entries(value)) {
          const index = models.findIndex((m) => m.name === name);
          if (index < 0)
            throw new ConfigError(
              `${label}: no model named '${name}' in ${this.file}; known: ${models.map((m) => m.name).join(', ')}.`,
            );
          visit(['models', index], patch);
        }
      } else visit([key], value);
    }
  }

  toJS(): unknown {
    return this.document.toJS();
  }

  /** Validates with a zod schema; the first issue becomes a ConfigError pointing at its place in the file. */
  validate<S extends z.ZodType>(schema: S, prefix: Path = []): z.infer<S> {
    const value = prefix.length ? this.document.getIn(prefix as unknown[], false) : this.toJS();
    const plain = isNode(value) ? value.toJSON() : value;
    const result = schema.safeParse(plain);
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      const known = knownKeys(schema, issue.path);
      const hint = known.length ? ` Did you mean '${closest(key, known)}'?` : '';
      throw this.errorAt(
        [...path, key],
        `unknown key '${key}'.${hint} Expected one of: ${known.join(', ')}`,
        true,
      );
    }
    // A literal secret is never echoed back, not even in an error.
    const found = /key|secret|token|password/i.test(String(path.at(-1)))
      ? 'a literal value (not shown)'
      : this.describeAt(path);
    throw this.errorAt(path, `${describeIssue(issue)}; found ${found}`);
  }

  /** A ConfigError at the value (or, with `atKey`, the key) found at `path`. */
  errorAt(path: Path, message: string, atKey = false): ConfigError {
    // A value set over the document: the error names where it came from.
    for (let depth = path.length; depth > 0; depth--) {
      const origin = this.origins.get(pathKey(path.slice(0, depth)));
      if (!origin) continue;
      if ('label' in origin)
        return new ConfigError(`${origin.label}: ${formatPath(path)}: ${message}.`, this.file);
      return origin.source.errorAt([...origin.path, ...path.slice(depth)] as Path, message, atKey);
    }
    if (this.base)
      return this.base.errorAt(
        path,
        `${message} (a built-in default under ${this.file}; set it there to change it)`,
        atKey,
      );
    const [line, column] = this.locate(path, atKey);
    const where = path.length ? ` ${formatPath(path)}:` : '';
    return new ConfigError(`${this.file}:${line}:${column}:${where} ${message}.`, this.file, line, column);
  }

  private describeAt(path: Path): string {
    const node = this.document.getIn(path as unknown[], true);
    if (node === undefined) return 'nothing (the key is missing)';
    if (isScalar(node)) return JSON.stringify(node.value);
    return isMap(node) ? 'a mapping' : 'a list';
  }

  private locate(path: Path, atKey: boolean): [number, number] {
    for (let depth = path.length; depth >= 0; depth--) {
      const parentPath = path.slice(0, depth);
      if (atKey && depth === path.length) {
        const parent = this.document.getIn(path.slice(0, -1) as unknown[], true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path.at(-1));
          const range = isPair(pair) && isNode(pair.key) ? pair.key.range : undefined;
          if (range) return position(this.lines, range[0]);
        }
        continue;
      }
      const node = (
        depth === 0 ? this.document.contents : this.document.getIn(parentPath as unknown[], true)
      ) as Node | undefined;
      if (isNode(node) && node.range) return position(this.lines, node.range[0]);
    }
    return [1, 1];
  }
}

function position(lines: LineCounter, offset: number): [number, number] {
  const { line, col } = lines.linePos(offset);
  return [line, col];
}

function pathKey(path: readonly unknown[]): string {
  return path.map(String).join('\u0000');
}

export function formatPath(path: Path): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${String(issue.minimum)} item(s)`
        : `expected a value ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${String(issue.maximum)} item(s)`
        : `expected a value ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
    default:
      return `expected ${issue.message.replace(/^Invalid (input: )?/, '').replace(/^expected /i, '') || 'a valid value'}`;
  }
}

/** Keys a strict object schema allows at `path` inside `schema`, for the did-you-mean hint. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const part of [...path, null]) {
    current = unwrap(current);
    if (part === null) break;
    const def = (current as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } })
      .def;
    if (def?.type === 'object' && typeof part === 'string') current = def.shape?.[part];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = (def as { valueType?: unknown }).valueType;
    else if (def?.type === 'union') {
      current = (def as unknown as { options: unknown[] }).options.find((o) => {
        const shape = (unwrap(o) as { def?: { shape?: Record<string, unknown> } }).def?.shape;
        return shape && typeof part === 'string' && part in shape;
      });
    } else return [];
  }
  const def = (current as { def?: { type?: string; shape?: Record<string, unknown>; options?: unknown[] } })
    .def;
  if (def?.type === 'object') return Object.keys(def.shape ?? {});
  if (def?.type === 'union')
    return (def.options ?? []).flatMap((o) =>
      Object.keys((unwrap(o) as { def?: { shape?: object } }).def?.shape ?? {}),
    );
  return [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as
    { def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown } } | undefined;
  for (let i = 0; i < 10 && current?.def; i++) {
    const def = current.def;
    if (
      def.type === 'optional' ||
      def.type === 'default' ||
      def.type === 'nullable' ||
      def.type === 'prefault'
    )
      current = def.innerType as typeof current;
    else if (def.type === 'pipe') current = def.in as typeof current;
    else break;
  }
  return current;
}
