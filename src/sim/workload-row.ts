// One raw workload row (fields as text) turned into a request: timestamps read by their unit, counts,
// prefix blocks, flags; a wrong field throws RowError naming it.
import { EXPECTS, type Expects, type PrefixBlock, type RouteRequest } from '../contract/request.js';
import type { RawRow } from './importers/imported-row.js';
import { countTokens } from './tokens.js';
import type { WorkloadField } from './workload-fields.js';
import {
  DEFAULT_BLOCK_TOKENS,
  NO_TIMESTAMP_SPACING_MS,
  NO_TIMESTAMP_START_MS,
  TIME_UNITS,
  type RecordedWorkloadOptions,
  type TimeUnit,
  type TimestampReading,
  type WorkloadReadStats,
} from './workload-read-types.js';

const MS_PER_UNIT: Record<TimeUnit, number> = { s: 1000, ms: 1, us: 0.001 };

export class RowError extends Error {}

/** Epoch seconds from 2001 to 2286: a number in this range at some unit is a date at that unit. */
const EPOCH_SECONDS = [1e9, 1e10] as const;

/** Decides how to read a file's numeric timestamps from its first one. */
export function timestampReading(first: number, flag: TimeUnit | undefined): TimestampReading {
  const epochAt = (unit: TimeUnit): boolean => {
    const seconds = (first * MS_PER_UNIT[unit]) / 1000;
    return seconds >= EPOCH_SECONDS[0] && seconds < EPOCH_SECONDS[1];
  };
  if (flag) return { kind: epochAt(flag) ? 'epoch' : 'relative', unit: flag, decidedBy: 'flag' };
  const unit = TIME_UNITS.find(epochAt);
  if (unit) return { kind: 'epoch', unit, decidedBy: 'magnitude' };
  return { kind: 'relative', unit: 's', decidedBy: 'assumed' };
}

/** `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ`: what Date.parse reads as it is, with no rewriting. */
function isPlainIsoUtc(value: string): boolean {
  const n = value.length;
  if (n !== 20 && n !== 24) return false;
  const shape = n === 20 ? ISO_SECONDS : ISO_MILLISECONDS;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const want = shape.charCodeAt(i);
    if (want === 100 /* d */ ? c < 48 || c > 57 : c !== want) return false;
  }
  return true;
}
const ISO_SECONDS = 'dddd-dd-ddTdd:dd:ddZ';
const ISO_MILLISECONDS = 'dddd-dd-ddTdd:dd:dd.dddZ';

function parseTimestamp(value: string, reading: () => TimestampReading, first: (n: number) => void): number {
  // Most logs write UTC ISO timestamps: read at once (Date.parse checks the digits; NaN falls through).
  if (isPlainIsoUtc(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    first(number);
    const { kind, unit } = reading();
    const ms = number * MS_PER_UNIT[unit];
    return kind === 'epoch' ? ms : NO_TIMESTAMP_START_MS + ms;
  }
  const iso = trimmed.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(ms))
    throw new RowError(`expected a date-time (ISO 8601) or epoch number, found ${JSON.stringify(value)}`);
  return ms;
}

function parseCount(value: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed))
    throw new RowError(`expected a non-negative integer, found ${JSON.stringify(value)}`);
  return Number(trimmed);
}

/** Prefix block ids: a JSON array or ids separated by `;`, `,` or spaces. */
function parseHashIds(value: string): string[] {
  const ids = value
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(/[;,\s]+/)
    .filter(Boolean);
  if (!ids.every((id) => /^[\w.:-]+$/.test(id)))
    throw new RowError(
      `expected a list of block ids such as [12, 13, 14], found ${JSON.stringify(value.slice(0, 80))}`,
    );
  return ids;
}

function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(v)) return true;
  if (['false', '0', 'no', 'n', ''].includes(v)) return false;
  throw new RowError(`expected true or false, found ${JSON.stringify(value)}`);
}

function parseExpects(value: string): Expects {
  const v = value.trim().toLowerCase();
  if ((EXPECTS as readonly string[]).includes(v)) return v as Expects;
  throw new RowError(`expected one of ${EXPECTS.join(', ')}, found ${JSON.stringify(value)}`);
}

/** A field of the row read by `parse`, undefined when blank; a RowError names the field. */
function field<T>(raw: RawRow, name: WorkloadField, parse: (value: string) => T): T | undefined {
  const value = raw[name];
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof RowError) throw new RowError(`${name}|${error.message}`);
    throw error;
  }
}

/**
 * Turns one raw row into a request; throws RowError naming the field that is wrong. A promise only when the
 * row has no token count and its prompt must be counted: a replay's rows otherwise cost no await.
 */
export function toRequest(
  raw: RawRow,
  index: number,
  stats: WorkloadReadStats,
  options: RecordedWorkloadOptions,
): RouteRequest | Promise<RouteRequest> {
  const timestamp = field(raw, 'timestamp', (value) =>
    parseTimestamp(
      value,
      () => stats.timestamps!,
      (first) => (stats.timestamps ??= timestampReading(first, options.timeUnit)),
    ),
  );
  const prompt = raw.prompt ?? '';
  const inputTokens = field(raw, 'input_tokens', parseCount);
  if (inputTokens !== undefined)
    return withTokens(raw, index, stats, options, timestamp, prompt, inputTokens);
  if (prompt.trim() === '')
    throw new RowError('input_tokens|no input tokens and no prompt to count them from');
  return countTokens(prompt).then((counted) => {
    stats.tokenizedRows++;
    return withTokens(raw, index, stats, options, timestamp, prompt, counted);
  });
}

/** The rest of a row, once its input tokens are known. */
function withTokens(
  raw: RawRow,
  index: number,
  stats: WorkloadReadStats,
  options: RecordedWorkloadOptions,
  timestamp: number | undefined,
  prompt: string,
  inputTokens: number,
): RouteRequest {
  const outputTokens = field(raw, 'output_tokens', parseCount);
  if (outputTokens === undefined) {
    if (options.requireOutputTokens)
      throw new RowError(
        'output_tokens|no output tokens recorded (--require-output-tokens refuses rows whose output would be drawn from a model profile)',
      );
    stats.filledOutputRows++;
  }
  const cachedTokens = field(raw, 'cached_tokens', parseCount);
  const cacheWriteTokens = field(raw, 'cache_write_tokens', parseCount);
  const hashIds = field(raw, 'hash_ids', parseHashIds);
  const action = raw.action?.trim();
  const expects = field(raw, 'expects', parseExpects);
  const critical = field(raw, 'quality_critical', parseBoolean);
  const fields = raw.required_fields
    ?.split(/[;|]/)
    .map((f) => f.trim())
    .filter(Boolean);
  const request: RouteRequest = {
    id: `row${index + 1}`,
    prompt,
    inputTokens,
    arrivalMs: timestamp ?? NO_TIMESTAMP_START_MS + index * NO_TIMESTAMP_SPACING_MS,
  };
  if (action) request.action = action;
  if (outputTokens !== undefined) request.outputTokens = outputTokens;
  if (expects) request.expects = expects;
  if (critical) request.qualityCritical = true;
  if (fields?.length) request.requiredFields = fields;
  if (cachedTokens !== undefined || cacheWriteTokens !== undefined) {
    const readTokens = cachedTokens ?? 0;
    const writeTokens = cacheWriteTokens ?? 0;
    if (readTokens + writeTokens > inputTokens)
      throw new RowError(
        `cached_tokens|${readTokens} cached and ${writeTokens} cache-write tokens exceed the row's ${inputTokens} input tokens (input tokens count all of them)`,
      );
    request.recordedCache = { readTokens, writeTokens };
    stats.cacheRows++;
  } else if (hashIds?.length) {
    const size = options.blockTokens ?? DEFAULT_BLOCK_TOKENS;
    const blocks: PrefixBlock[] = [];
    for (let i = 0; i < hashIds.length && i * size < inputTokens; i++)
      blocks.push({ id: `h${hashIds[i]}`, tokens: Math.min(size, inputTokens - i * size) });
    request.prefixBlocks = blocks;
    stats.cacheRows++;
  }
  return request;
}
