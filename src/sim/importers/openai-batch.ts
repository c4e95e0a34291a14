import { existsSync } from 'node:fs';
import {
  contentText,
  countField,
  ImportError,
  messagesText,
  type Importer,
  type ImportedRow,
} from './imported-row.js';
import { jsonRecords, readHead } from './json-records.js';

/**
 * OpenAI Batch API files (the API reference's BatchRequestInput and BatchRequestOutput, openai/openai-openapi
 * openapi.yaml): the input file, one `{custom_id, method, url, body: {model, messages, …}}` a line, and the
 * output file, one `{id, custom_id, response: {status_code, request_id, body: <chat.completion>}, error}` a
 * line. Either file alone is read; the output file with `--batch-input FILE` pairs each result with its
 * request by custom_id, so prompts come from the input and tokens, answers and times from the output.
 * A request that failed (an error, or a status other than 200) is left out and counted.
 */
interface Pieces {
  prompt?: string;
  model?: string;
}

async function requestsById(file: string): Promise<Map<string, Pieces>> {
  const byId = new Map<string, Pieces>();
  for await (const { value, line } of jsonRecords(file)) {
    const r = value as {
      custom_id?: unknown;
      body?: { messages?: unknown; model?: unknown; prompt?: unknown };
    };
    if (!r || typeof r.custom_id !== 'string' || !r.body || typeof r.body !== 'object')
      throw new ImportError(
        line,
        `expected a Batch API request line: {custom_id, method, url, body} (in ${file})`,
      );
    const prompt =
      messagesText(r.body.messages) ?? (typeof r.body.prompt === 'string' ? r.body.prompt : undefined);
    byId.set(r.custom_id, {
      ...(prompt ? { prompt } : {}),
      ...(typeof r.body.model === 'string' ? { model: r.body.model } : {}),
    });
  }
  return byId;
}

function inputRow(value: unknown, line: number): ImportedRow {
  const r = value as {
    custom_id?: unknown;
    body?: { messages?: unknown; model?: unknown; max_tokens?: unknown };
  };
  if (!r || typeof r.custom_id !== 'string' || !r.body || typeof r.body !== 'object')
    throw new ImportError(line, 'expected a Batch API request line: {custom_id, method, url, body}');
  const prompt = messagesText(r.body.messages);
  const model = typeof r.body.model === 'string' ? r.body.model : undefined;
  return {
    raw: { ...(prompt ? { prompt } : {}), ...(model ? { model } : {}) },
    line,
    id: r.custom_id,
    ...(model ? { model } : {}),
  };
}

function outputRow(value: unknown, line: number, request: Pieces | undefined): ImportedRow {
  const r = value as {
    custom_id?: unknown;
    error?: unknown;
    response?: { status_code?: unknown; body?: Record<string, unknown> } | null;
  };
  if (!r || typeof r.custom_id !== 'string')
    throw new ImportError(line, 'custom_id: expected the id each Batch API output line carries');
  if (r.error || !r.response || r.response.status_code !== 200)
    return {
      raw: {},
      line,
      id: r.custom_id,
      failed: r.response?.status_code ? `status ${String(r.response.status_code)}` : 'an error',
    };
  const body = r.response.body;
  if (!body || typeof body !== 'object')
    throw new ImportError(line, 'response.body: expected the chat completion object (a truncated line?)');
  const usage = (body['usage'] ?? {}) as Record<string, unknown>;
  const details = (usage['prompt_tokens_details'] ?? {}) as Record<string, unknown>;
  const choices = body['choices'] as { message?: unknown }[] | undefined;
  const answer = choices?.map((c) => contentText(c.message)).find(Boolean);
  const created = body['created'];
  if (created !== undefined && (typeof created !== 'number' || !Number.isFinite(created)))
    throw new ImportError(
      line,
      `response.body.created: expected epoch seconds, found ${JSON.stringify(created)}`,
    );
  const model = typeof body['model'] === 'string' ? body['model'] : request?.model;
  const raw = {
    ...(created === undefined ? {} : { timestamp: new Date(created * 1000).toISOString() }),
    ...(request?.prompt ? { prompt: request.prompt } : {}),
    input_tokens: countField(usage['prompt_tokens'], line, 'response.body.usage.prompt_tokens'),
    output_tokens: countField(usage['completion_tokens'], line, 'response.body.usage.completion_tokens'),
    cached_tokens: countField(details['cached_tokens'], line, 'usage.prompt_tokens_details.cached_tokens'),
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
  return {
    raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as ImportedRow['raw'],
    line,
    id: r.custom_id,
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
}

function firstObject(head: string): Record<string, unknown> | undefined {
  const first = head.split('\n').find((l) => l.trim() !== '');
  try {
    const value = JSON.parse(first ?? '') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export const openAiBatchImporter: Importer = {
  name: 'openai-batch',
  label: 'OpenAI Batch API files',
  detect: (head) => {
    const o = firstObject(head);
    return !!o && 'custom_id' in o && ('response' in o || ('body' in o && 'url' in o));
  },
  async *rows(file, options) {
    const first = firstObject(readHead(file));
    if (first && 'body' in first && 'url' in first) {
      for await (const { value, line } of jsonRecords(file)) yield inputRow(value, line);
      return;
    }
    if (options.pairedFile && !existsSync(options.pairedFile))
      throw new ImportError(0, `--batch-input ${options.pairedFile}: no such file`);
    const requests = options.pairedFile ? await requestsById(options.pairedFile) : undefined;
    for await (const { value, line } of jsonRecords(file)) {
      const id = (value as { custom_id?: unknown })?.custom_id;
      yield outputRow(value, line, typeof id === 'string' ? requests?.get(id) : undefined);
    }
  },
};
