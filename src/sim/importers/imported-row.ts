import type { WorkloadField } from '../workload-fields.js';

/** A row as raw strings per workload field; absent fields are undefined. */
export type RawRow = Partial<Record<WorkloadField, string>>;

/**
 * One record of a log export, flattened onto the workload's fields, with where it stands in the file (a line,
 * or a row of a database table) and what else the log kept: the model that answered and its answer text.
 */
export interface ImportedRow {
  raw: RawRow;
  /** 1-based line of the file (or row of the table) the record came from. */
  line: number;
  /** The log's own id for the request, where it has one. */
  id?: string;
  /** The model that answered, as logged. */
  model?: string;
  /** The answer text as logged. */
  answer?: string;
  /** The logged call failed (why): not a request to replay, counted apart. */
  failed?: string;
}

/** A log format hybridllm reads as a workload: how to recognise it, and its records as workload rows. */
export interface Importer {
  name: ImportFormat;
  /** Its name for people, in the summary ("LiteLLM spend logs"). */
  label: string;
  /** Whether the file's first bytes (up to 64 KiB, as text) look like this format. */
  detect(head: string): boolean;
  rows(file: string, options: { pairedFile?: string }): AsyncIterable<ImportedRow>;
}

export const IMPORT_FORMATS = ['otel', 'litellm', 'langfuse', 'openai-batch', 'ledger'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A record that is not what its format promises: the field and what was expected (file:line added by the reader). */
export class ImportError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

/** Text of a chat message list for the workload's prompt: each message's text, in order, a blank line apart. */
export function messagesText(messages: unknown): string | undefined {
  if (typeof messages === 'string') return messages;
  if (!Array.isArray(messages)) {
    if (messages && typeof messages === 'object' && 'messages' in messages)
      return messagesText((messages as { messages: unknown }).messages);
    return undefined;
  }
  const parts: string[] = [];
  for (const message of messages) {
    const text = contentText(message);
    if (text) parts.push(text);
  }
  return parts.length ? parts.join('\n\n') : undefined;
}

/**
 * The text of one message in any of the shapes logs keep: a string; OpenAI's `{content: string | [{type:
 * 'text', text}]}`; OpenTelemetry's `{parts: [{type: 'text', content}]}`; Anthropic's `[{type: 'text', text}]`.
 */
export function contentText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (!message || typeof message !== 'object') return undefined;
  const m = message as { content?: unknown; parts?: unknown; text?: unknown; type?: unknown };
  if (typeof m.text === 'string' && (m.type === undefined || m.type === 'text')) return m.text;
  const pieces = Array.isArray(m.parts) ? m.parts : Array.isArray(m.content) ? m.content : undefined;
  if (pieces) {
    const texts = pieces
      .map((p: unknown) => {
        if (typeof p === 'string') return p;
        const part = p as { type?: unknown; content?: unknown; text?: unknown };
        if (part && (part.type === undefined || part.type === 'text'))
          return typeof part.content === 'string'
            ? part.content
            : typeof part.text === 'string'
              ? part.text
              : '';
        return '';
      })
      .filter(Boolean);
    return texts.length ? texts.join('\n') : undefined;
  }
  return typeof m.content === 'string' ? m.content : undefined;
}

/** A JSON value that logs often keep as a string of JSON: parsed when it is one, else as it is. */
export function maybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

/** A whole count or a blank, as a workload field's string; anything else is the record's error. */
export function countField(value: unknown, line: number, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new ImportError(
      line,
      `${what}: expected a non-negative whole number of tokens, found ${JSON.stringify(value)}`,
    );
  return String(n);
}
