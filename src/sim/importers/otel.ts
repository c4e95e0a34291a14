import { readFileSync } from 'node:fs';
import {
  contentText,
  countField,
  ImportError,
  maybeJson,
  messagesText,
  type Importer,
  type ImportedRow,
} from './imported-row.js';
import { jsonRecords, readHead } from './json-records.js';

/**
 * OpenTelemetry GenAI spans as OTLP JSON (an ExportTraceServiceRequest: `resourceSpans[].scopeSpans[].spans[]`,
 * as the collector's file exporter writes it, one request a line, or one pretty-printed document). Attribute
 * names from the semantic conventions' GenAI registry (open-telemetry/semantic-conventions,
 * docs/registry/attributes/gen-ai.md), the current ones and the deprecated ones instrumentations still emit.
 */
const ATTRIBUTES = {
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
  cachedTokens: ['gen_ai.usage.cache_read.input_tokens'],
  cacheWriteTokens: ['gen_ai.usage.cache_creation.input_tokens'],
  model: ['gen_ai.response.model', 'gen_ai.request.model'],
  input: ['gen_ai.input.messages', 'gen_ai.prompt'],
  output: ['gen_ai.output.messages', 'gen_ai.completion'],
  action: ['hybridllm.action', 'gen_ai.agent.name'],
} as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: { key: string; value: OtlpValue }[] };
}

/** An OTLP attribute value as plain JSON. */
function plain(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  if (value.kvlistValue)
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, plain(kv.value)]));
  return undefined;
}

/** Deprecated indexed message attributes (`gen_ai.prompt.0.content`, …) joined in index order. */
function indexed(attributes: Map<string, unknown>, prefix: string): string | undefined {
  const parts: [number, string][] = [];
  for (const [key, value] of attributes) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.content$`).exec(key);
    if (m && typeof value === 'string') parts.push([Number(m[1]), value]);
  }
  return parts.length
    ? parts
        .sort((a, b) => a[0] - b[0])
        .map(([, v]) => v)
        .join('\n\n')
    : undefined;
}

interface Span {
  spanId?: string;
  name?: string;
  startTimeUnixNano?: string | number;
  attributes?: { key: string; value: OtlpValue }[];
}

function spanRow(span: Span, line: number): ImportedRow | undefined {
  const attributes = new Map<string, unknown>((span.attributes ?? []).map((a) => [a.key, plain(a.value)]));
  if (![...attributes.keys()].some((k) => k.startsWith('gen_ai.'))) return undefined;
  const first = (names: readonly string[]): unknown => {
    for (const name of names) if (attributes.get(name) !== undefined) return attributes.get(name);
    return undefined;
  };
  const start = span.startTimeUnixNano;
  if (start !== undefined && !/^\d+$/.test(String(start)))
    throw new ImportError(
      line,
      `startTimeUnixNano: expected nanoseconds since 1970 as digits, found ${JSON.stringify(start)}`,
    );
  const ns = start === undefined ? undefined : BigInt(String(start));
  const prompt = messagesText(maybeJson(first(ATTRIBUTES.input))) ?? indexed(attributes, 'gen_ai.prompt');
  const output = maybeJson(first(ATTRIBUTES.output));
  const answer =
    (Array.isArray(output)
      ? output.map(contentText).filter(Boolean).join('\n') || undefined
      : contentText(output)) ?? indexed(attributes, 'gen_ai.completion');
  const model = first(ATTRIBUTES.model);
  const action = first(ATTRIBUTES.action);
  const raw = {
    ...(ns === undefined ? {} : { timestamp: new Date(Number(ns / 1_000_000n)).toISOString() }),
    ...(prompt ? { prompt } : {}),
    ...(typeof action === 'string' ? { action } : {}),
    input_tokens: countField(first(ATTRIBUTES.inputTokens), line, 'gen_ai.usage.input_tokens'),
    output_tokens: countField(first(ATTRIBUTES.outputTokens), line, 'gen_ai.usage.output_tokens'),
    cached_tokens: countField(first(ATTRIBUTES.cachedTokens), line, 'gen_ai.usage.cache_read.input_tokens'),
    cache_write_tokens: countField(
      first(ATTRIBUTES.cacheWriteTokens),
      line,
      'gen_ai.usage.cache_creation.input_tokens',
    ),
    ...(typeof model === 'string' ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
  return {
    raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
    line,
    ...(span.spanId ? { id: span.spanId } : {}),
    ...(typeof model === 'string' ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
}

function* spansOf(request: unknown, line: number): Generator<Span> {
  const r = request as { resourceSpans?: unknown };
  if (!r || typeof r !== 'object' || !Array.isArray(r.resourceSpans))
    throw new ImportError(line, 'expected an OTLP ExportTraceServiceRequest: an object with resourceSpans[]');
  for (const resource of r.resourceSpans as { scopeSpans?: { spans?: Span[] }[] }[])
    for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) yield span;
}

export const otelImporter: Importer = {
  name: 'otel',
  label: 'OpenTelemetry GenAI spans (OTLP JSON)',
  detect: (head) => /^\s*\{/.test(head) && head.includes('"resourceSpans"'),
  async *rows(file) {
    // JSON lines when the first line is a whole JSON value; else one pretty-printed document, where a span's
    // line is where its spanId stands (the k-th span, the k-th spanId).
    if (!firstLineIsJson(readHead(file))) {
      const text = readFileSync(file, 'utf8');
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (error) {
        throw new ImportError(1, `not valid JSON (a truncated file?): ${(error as Error).message}`);
      }
      const lines: number[] = [];
      let line = 1;
      for (let i = 0; i < text.length; i++) {
        if (text[i] === '\n') line++;
        else if (text.startsWith('"spanId"', i)) lines.push(line);
      }
      let k = 0;
      for (const span of spansOf(document, 1)) {
        const row = spanRow(span, lines[k++] ?? 1);
        if (row) yield row;
      }
      return;
    }
    for await (const { value, line } of jsonRecords(file))
      for (const span of spansOf(value, line)) {
        const row = spanRow(span, line);
        if (row) yield row;
      }
  },
};

function firstLineIsJson(head: string): boolean {
  const first = head.split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    JSON.parse(first);
    return true;
  } catch {
    return false;
  }
}
