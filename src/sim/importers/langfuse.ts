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
 * Langfuse's observations export (the public API's Observation, langfuse/langfuse
 * fern/apis/server/definition/commons.yml: id, traceId, type, name, startTime, model, input, output, metadata,
 * usage {input, output, total}; newer versions add usageDetails {input, output, …}), as a JSON array or one
 * observation a line.
 * Only GENERATION observations are model calls. Token counts come from usageDetails (current), usage (older)
 * or promptTokens / completionTokens (the oldest exports). The action is metadata.action, else the name.
 */
function observationRow(o: Record<string, unknown>, line: number): ImportedRow | undefined {
  if (typeof o['id'] !== 'string') throw new ImportError(line, 'id: expected the observation id (a string)');
  if (o['type'] !== 'GENERATION') return undefined;
  const details = (o['usageDetails'] ?? {}) as Record<string, unknown>;
  const usage = (o['usage'] ?? {}) as Record<string, unknown>;
  const metadata = (maybeJson(o['metadata']) ?? {}) as Record<string, unknown>;
  const output = maybeJson(o['output']);
  const answer = contentText(output) ?? (Array.isArray(output) ? messagesText(output) : undefined);
  const prompt = messagesText(maybeJson(o['input']));
  const model = typeof o['model'] === 'string' && o['model'] ? o['model'] : undefined;
  const action =
    typeof metadata['action'] === 'string'
      ? metadata['action']
      : typeof o['name'] === 'string'
        ? o['name']
        : undefined;
  const start = o['startTime'];
  if (start !== undefined && start !== null && typeof start !== 'string')
    throw new ImportError(line, `startTime: expected a date-time, found ${JSON.stringify(start)}`);
  const raw = {
    ...(start ? { timestamp: start } : {}),
    ...(prompt ? { prompt } : {}),
    ...(action ? { action } : {}),
    input_tokens: countField(
      details['input'] ?? usage['input'] ?? o['promptTokens'],
      line,
      'usageDetails.input',
    ),
    output_tokens: countField(
      details['output'] ?? usage['output'] ?? o['completionTokens'],
      line,
      'usageDetails.output',
    ),
    cached_tokens: countField(
      details['cache_read_input_tokens'] ?? details['input_cached_tokens'],
      line,
      'usageDetails.cache_read_input_tokens',
    ),
    cache_write_tokens: countField(
      details['cache_creation_input_tokens'],
      line,
      'usageDetails.cache_creation_input_tokens',
    ),
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
  return {
    raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as ImportedRow['raw'],
    line,
    id: o['id'],
    ...(model ? { model } : {}),
    ...(answer ? { answer } : {}),
  };
}

export const langfuseImporter: Importer = {
  name: 'langfuse',
  label: 'Langfuse observations export',
  detect: (head) => /^\s*[[{]/.test(head) && head.includes('"traceId"') && head.includes('"startTime"'),
  async *rows(file) {
    for await (const { value, line } of jsonRecords(file)) {
      if (!value || typeof value !== 'object' || Array.isArray(value))
        throw new ImportError(line, 'expected a Langfuse observation as a JSON object');
      const row = observationRow(value as Record<string, unknown>, line);
      if (row) yield row;
    }
  },
};
