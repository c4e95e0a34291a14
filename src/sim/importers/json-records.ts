import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ImportError } from './imported-row.js';

/** A JSON value read from a file, with the line it starts on. */
export interface JsonRecord {
  value: unknown;
  line: number;
}

/** Whether a file's first bytes are a JSON array (one document) rather than JSON lines. */
function isArrayDocument(head: string): boolean {
  return head.trimStart().startsWith('[');
}

/**
 * The lines on which each top-level element of a JSON array starts, found by scanning the text (strings and
 * escapes skipped), so a record's error can name its line.
 */
export function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      if (depth === 1 && expecting) {
        lines.push(line);
        expecting = false;
      }
      inString = true;
      continue;
    }
    if (c === '[' || c === '{') {
      if (depth === 1 && expecting) {
        lines.push(line);
        expecting = false;
      }
      depth++;
      if (depth === 1) expecting = true;
      continue;
    }
    if (c === ']' || c === '}') {
      depth--;
      continue;
    }
    if (c === ',' && depth === 1) {
      expecting = true;
      continue;
    }
    if (depth === 1 && expecting && !/\s/.test(c)) {
      lines.push(line);
      expecting = false;
    }
  }
  return lines;
}

/**
 * The records of a JSON-lines file (one object a line, blank lines skipped) or of a JSON array document,
 * each with its line. A line that is not JSON is an ImportError naming it.
 */
export async function* jsonRecords(file: string): AsyncGenerator<JsonRecord> {
  const head = readHead(file);
  if (isArrayDocument(head)) {
    const text = readFileSync(file, 'utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ImportError(1, `not valid JSON: ${(error as Error).message}`);
    }
    const lines = elementLines(text);
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) yield { value: items[i], line: lines[i] ?? 1 };
    return;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ImportError(line, `not valid JSON (a truncated line?): ${(error as Error).message}`);
    }
    yield { value, line };
  }
}

/** The first 64 KiB of a file as text: what format detection reads. */
export function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(65536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
