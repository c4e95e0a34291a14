import { createReadStream } from 'node:fs';
import { linedCsvParser, type LinedRecord } from '../csv-lines.js';
import {
  contentText,
  countField,
  ImportError,
  maybeJson,
  messagesText,
  type Importer,
  type ImportedRow,
} from './imported-row.js';
import { jsonRecords } from './json-records.js';

/**
 * LiteLLM's spend logs: the proxy's `LiteLLM_SpendLogs` table (BerriAI/litellm, schema.prisma: request_id,
 * call_type, startTime, model, prompt_tokens, completion_tokens, messages, response, request_tags, metadata),
 * exported as CSV or as JSON (an array, or one row a line). `messages` and `response` are JSON (in CSV, JSON
 * text): the OpenAI chat messages sent and the completion returned, whose usage may give cached tokens.
 * The first request tag, when there is one, is the row's action.
 */
function spendRow(row: Record<string, unknown>, line: number): ImportedRow {
  if (typeof row['request_id'] !== 'string' && typeof row['request_id'] !== 'number')
    throw new ImportError(line, 'request_id: expected the row id LiteLLM_SpendLogs keys its rows by');
  const response = maybeJson(row['response']) as
    { choices?: { message?: unknown }[]; usage?: Record<string, unknown> } | string | undefined;
  const answer =
    typeof response === 'string'
      ? response || undefined
      : response?.choices?.map((c) => contentText(c.message)).find(Boolean);
  const usage = typeof response === 'object' && response ? response.usage : undefined;
  const details = usage?.['prompt_tokens_details'] as { cached_tokens?: unknown } | undefined;
  const tags = maybeJson(row['request_tags']);
  const action = Array.isArray(tags) && typeof tags[0] === 'string' ? tags[0] : undefined;
  const prompt = messagesText(maybeJson(row['messages']));
  const model = typeof row['model'] === 'string' && row['model'] ? row['model'] : undefined;
  const start = row['startTime'];
  if (start !== undefined && start !== null && typeof start !== 'string')
    throw new ImportError(line, `startTime: expected a date-time, found ${JSON.stringify(start)}`);
  const raw = {
    ...(start ? { timestamp: start } : {}),
    ...(prompt ? { prompt } : {}),
    ...(action ? { action } : {}),
    input_tokens: countField(row['prompt_tokens'], line, 'prompt_tokens'),
    output_tokens: countField(row['completion_tokens'], line, 'completion_tokens'),
    cached_tokens: countField(
      details?.cached_tokens ?? usage?.['cache_read_input_tokens'],
      line,
      'response.usage cached tokens',
    ),
    cache_write_tokens: countField(
      usage?.['cache_creation_input_tokens'],
      line,
      'response.usage cache_creation_input_tokens',
    ),
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
  return {
    raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as ImportedRow['raw'],
    line,
    id: String(row['request_id']),
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
}

const SPEND_COLUMNS = ['request_id', 'call_type', 'startTime'];

export const liteLlmImporter: Importer = {
  name: 'litellm',
  label: 'LiteLLM spend logs (LiteLLM_SpendLogs)',
  detect: (head) => {
    const first = head.split('\n', 1)[0] ?? '';
    if (/^\s*[[{]/.test(head)) return SPEND_COLUMNS.every((c) => head.includes(`"${c}"`));
    const header = first.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    return SPEND_COLUMNS.every((c) => header.includes(c));
  },
  async *rows(file) {
    const { readHead } = await import('./json-records.js');
    if (/^\s*[[{]/.test(readHead(file))) {
      for await (const { value, line } of jsonRecords(file)) {
        if (!value || typeof value !== 'object' || Array.isArray(value))
          throw new ImportError(line, 'expected a LiteLLM_SpendLogs row as a JSON object');
        yield spendRow(value as Record<string, unknown>, line);
      }
      return;
    }
    const parser = createReadStream(file).pipe(
      linedCsvParser({ skip_empty_lines: true, bom: true, relax_column_count: true }),
    );
    let header: string[] | undefined;
    for await (const { record, endLine } of parser as AsyncIterable<LinedRecord>) {
      if (!header) {
        header = record;
        continue;
      }
      let spanned = 0;
      for (const value of record)
        for (let p = value.indexOf('\n'); p >= 0; p = value.indexOf('\n', p + 1)) spanned++;
      const line = endLine - spanned;
      if (record.length !== header.length)
        throw new ImportError(
          line,
          `expected ${header.length} columns as in the header, found ${record.length} (a truncated row?)`,
        );
      yield spendRow(Object.fromEntries(header.map((h, i) => [h, record[i]])), line);
    }
  },
};
