import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvError } from 'csv-parse';
import { linedCsvParser, type LinedRecord } from './csv-lines.js';
import { checkInputFile, checkUnchanged } from '../config/input-file.js';
import { ConfigError } from '../config/config-error.js';
import { EXPECTS, type Expects, type PrefixBlock, type RouteRequest } from '../router/types.js';
import { countTokens } from './tokens.js';
import { ALIASES, WORKLOAD_FIELDS, normaliseColumn, type WorkloadField } from './workload-fields.js';
import { ImportError, type ImportFormat, type RawRow } from './importers/imported-row.js';
import { importerFor, isSqliteFile } from './importers/detect-format.js';
import { isLedgerUrl, ledgerImporter } from './importers/ledger.js';
import { redactUrl } from '../ledger/pg/ledger-url.js';

export { WORKLOAD_FIELDS, normaliseColumn, type WorkloadField } from './workload-fields.js';

/** Tokens per prefix block named by `hash_ids` (Mooncake's traces use 512). */
export const DEFAULT_BLOCK_TOKENS = 512;

export const TIME_UNITS = ['s', 'ms', 'us'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
const MS_PER_UNIT: Record<TimeUnit, number> = { s: 1000, ms: 1, us: 0.001 };

/**
 * How numeric timestamps were read, decided once per file from its first one: epoch numbers by their
 * magnitude (seconds, milliseconds or microseconds since 1970 all fall in 2001–2286 only at one unit),
 * numbers counted from the trace's start in `--time-unit`, else assumed to be seconds.
 */
export interface TimestampReading {
  kind: 'epoch' | 'relative';
  unit: TimeUnit;
  /** `flag` (--time-unit), `magnitude` (unambiguous epoch) or `assumed` (relative, no flag: seconds). */
  decidedBy: 'flag' | 'magnitude' | 'assumed';
}

/** Longest row (CSV record or JSON line) read, in characters: a longer one is a broken file, not a prompt. */
export const MAX_ROW_CHARS = 16 * 1024 * 1024;

/** Spacing between rows of a workload that has no timestamps. */
export const NO_TIMESTAMP_SPACING_MS = 60_000;
/** Start of a workload that has no timestamps. */
export const NO_TIMESTAMP_START_MS = Date.UTC(2026, 0, 1);

export interface RecordedWorkloadOptions {
  file: string;
  /**
   * `csv` or `jsonl`, or a log format (otel, litellm, langfuse, openai-batch, ledger); detected from the
   * file's content, then its extension, when absent.
   */
  format?: 'csv' | 'jsonl' | ImportFormat;
  /** With an OpenAI Batch output file: the input file whose requests pair with it by custom_id. */
  pairedFile?: string;
  /** Column name → field, for columns the aliases do not recognise. */
  map?: Readonly<Record<string, WorkloadField>>;
  /** Count and skip bad rows instead of stopping. */
  skipInvalid?: boolean;
  /** Unit of numeric timestamps; without it epoch numbers are read by magnitude, others as seconds. */
  timeUnit?: TimeUnit;
  /** Tokens per block of `hash_ids`. @default 512 */
  blockTokens?: number;
  /**
   * Replay rows out of time order sorted by timestamp (held in memory: ~1 KB a row). Without it, a row
   * earlier than one before it stops the read with both lines named.
   */
  sort?: boolean;
  /** Refuse rows with blank output tokens instead of drawing them from the model's profile. */
  requireOutputTokens?: boolean;
}

/** What reading the workload found, filled in as rows stream past. */
export interface WorkloadReadStats {
  rows: number;
  skipped: number;
  /** The first few skipped rows' reasons (file:line:column). */
  skippedExamples: string[];
  /** Columns used per field. */
  columns: Partial<Record<WorkloadField, string>>;
  hasTimestamps: boolean;
  tokenizedRows: number;
  /** How numeric timestamps were read; absent for date-time text or no timestamps. */
  timestamps?: TimestampReading;
  /** Rows with blank output tokens (a simulated model drew them from its profile). */
  filledOutputRows: number;
  /** Rows that gave prompt-cache use or prefix blocks. */
  cacheRows: number;
  /** The log format read (absent for a plain CSV or JSON-lines workload), with its name for people. */
  format?: { name: ImportFormat; label: string };
  /** Rows with prompt text, with token counts and with timestamps as the file gave them, and with answers. */
  textRows: number;
  tokenRows: number;
  timestampRows: number;
  answerRows: number;
  /** Logged calls that had failed (left out). */
  failedRows: number;
}

export function workloadFormat(file: string, format?: string): 'csv' | 'jsonl' {
  if (format === 'csv' || format === 'jsonl') return format;
  return /\.(jsonl|ndjson|json)$/i.test(file) ? 'jsonl' : 'csv';
}

/** Matches header columns to fields: explicit `--map` first, then aliases. Unused columns are ignored. */
export function resolveColumns(
  header: readonly string[],
  map: Readonly<Record<string, WorkloadField>> = {},
  file: string,
): Map<WorkloadField, number> {
  const columns = new Map<WorkloadField, number>();
  for (const [column, field] of Object.entries(map)) {
    const index = header.indexOf(column);
    if (index < 0)
      throw new ConfigError(
        `${file}:1: --map names column '${column}', but the header has: ${header.join(', ')}.`,
        file,
        1,
      );
    columns.set(field, index);
  }
  header.forEach((name, index) => {
    const normal = normaliseColumn(name);
    for (const field of WORKLOAD_FIELDS)
      if (!columns.has(field) && ALIASES[field].includes(normal) && ![...columns.values()].includes(index))
        columns.set(field, index);
  });
  if (!columns.has('input_tokens') && !columns.has('prompt'))
    throw new ConfigError(
      `${file}:1: no column gives input tokens or a prompt (header: ${header.join(', ')}); expected one of input_tokens, prompt_tokens, ContextTokens, prompt — or map one with --map COLUMN=input_tokens.`,
      file,
      1,
    );
  return columns;
}

class RowError extends Error {}

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

function parseTimestamp(value: string, reading: () => TimestampReading, first: (n: number) => void): number {
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

/** Turns one raw row into a request; throws RowError naming the field that is wrong. */
async function toRequest(
  raw: RawRow,
  index: number,
  stats: WorkloadReadStats,
  options: RecordedWorkloadOptions,
): Promise<RouteRequest> {
  const field = <T>(name: WorkloadField, parse: (value: string) => T): T | undefined => {
    const value = raw[name];
    if (value === undefined || value.trim() === '') return undefined;
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof RowError) throw new RowError(`${name}|${error.message}`);
      throw error;
    }
  };
  const timestamp = field('timestamp', (value) =>
    parseTimestamp(
      value,
      () => stats.timestamps!,
      (first) => (stats.timestamps ??= timestampReading(first, options.timeUnit)),
    ),
  );
  const prompt = raw.prompt ?? '';
  let inputTokens = field('input_tokens', parseCount);
  if (inputTokens === undefined) {
    if (prompt.trim() === '')
      throw new RowError('input_tokens|no input tokens and no prompt to count them from');
    inputTokens = await countTokens(prompt);
    stats.tokenizedRows++;
  }
  const outputTokens = field('output_tokens', parseCount);
  if (outputTokens === undefined) {
    if (options.requireOutputTokens)
      throw new RowError(
        'output_tokens|no output tokens recorded (--require-output-tokens refuses rows whose output would be drawn from a model profile)',
      );
    stats.filledOutputRows++;
  }
  const cachedTokens = field('cached_tokens', parseCount);
  const cacheWriteTokens = field('cache_write_tokens', parseCount);
  const hashIds = field('hash_ids', parseHashIds);
  const action = raw.action?.trim();
  const expects = field('expects', parseExpects);
  const critical = field('quality_critical', parseBoolean);
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

/** A workload row as a request, with what the log kept beside it: the model that answered and its answer. */
export interface RecordedEntry {
  request: RouteRequest;
  model?: string;
  answer?: string;
}

/**
 * Streams a recorded workload (CSV or JSONL) as requests, in file order, in constant memory. A bad row stops
 * with file:line:column and the reason, or with `skipInvalid` is counted in `stats` and skipped.
 */
export async function* recordedWorkload(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
): AsyncGenerator<RouteRequest> {
  for await (const entry of recordedEntries(options, stats)) yield entry.request;
}

/** Counts what a row gave, for the summary's "which rows had text, tokens and timestamps". */
function countGiven(raw: RawRow, stats: WorkloadReadStats): void {
  if (raw.prompt?.trim()) stats.textRows++;
  if (raw.input_tokens?.trim()) stats.tokenRows++;
  if (raw.timestamp?.trim()) stats.timestampRows++;
  if (raw.answer?.trim()) stats.answerRows++;
}

const entryOf = (request: RouteRequest, raw: RawRow): RecordedEntry => ({
  request,
  ...(raw.model ? { model: raw.model } : {}),
  ...(raw.answer ? { answer: raw.answer } : {}),
});

/** The workload's rows with their logged model and answer: a log format through its importer, else CSV or JSONL. */
export async function* recordedEntries(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
): AsyncGenerator<RecordedEntry> {
  const { file } = options;
  const format = workloadFormat(file, options.format);
  let index = 0;
  let latest: { ms: number; line: number } | undefined;
  const handle = async (
    raw: RawRow,
    line: number,
    columnOf: (field: WorkloadField) => number,
  ): Promise<RouteRequest | undefined> => {
    try {
      const request = await toRequest(raw, index, stats, options);
      const at = request.arrivalMs!;
      if (latest && at < latest.ms && !options.sort) {
        const iso = (ms: number): string => new Date(ms).toISOString();
        throw new ConfigError(
          `${redactUrl(file)}:${line}: the rows are not in time order: this row arrives at ${iso(at)}, before line ${latest.line} (${iso(latest.ms)}). A replay runs in time order: sort the file by timestamp, or pass --sort to sort it in memory.`,
          file,
          line,
        );
      }
      if (!latest || at >= latest.ms) latest = { ms: at, line };
      index++;
      stats.rows++;
      return request;
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      const [name, reason] = error.message.split('|') as [WorkloadField, string];
      const column = columnOf(name);
      const where = `${redactUrl(file)}:${line}:${column}`;
      const source = stats.columns[name];
      const message = `${where}: ${source && source !== name ? `column '${source}' (${name})` : name}: ${reason}`;
      if (!options.skipInvalid)
        throw new ConfigError(
          `${message}. Fix the row or pass --skip-invalid to count and skip bad rows.`,
          file,
          line,
          column,
        );
      stats.skipped++;
      if (stats.skippedExamples.length < 5) stats.skippedExamples.push(message);
      return undefined;
    }
  };

  // A fleet's PostgreSQL ledger is a URL, not a file; a SQLite ledger is binary: its kind is checked, not its text.
  const url = isLedgerUrl(file);
  const ledger = url || options.format === 'ledger' || isSqliteFile(file);
  const before = url ? undefined : checkInputFile(file, 'workload', { binary: ledger });
  const importer = url ? ledgerImporter : importerFor(file, options.format);
  if (importer) {
    stats.format = { name: importer.name, label: importer.label };
    let read = 0;
    try {
      for await (const row of importer.rows(
        file,
        options.pairedFile ? { pairedFile: options.pairedFile } : {},
      )) {
        read++;
        if (row.failed) {
          stats.failedRows++;
          continue;
        }
        countGiven(row.raw, stats);
        if (row.raw.timestamp) stats.hasTimestamps = true;
        const request = await handle(row.raw, row.line, () => 1);
        if (request) yield entryOf(request, row.raw);
      }
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      const name = url ? redactUrl(file) : file;
      const where = error.line > 0 ? `${name}:${error.line}` : name;
      throw new ConfigError(
        `${where}: ${error.message}; expected ${importer.label} (read as --format ${importer.name}${options.format ? '' : ', detected from the content'}).`,
        file,
        error.line > 0 ? error.line : undefined,
      );
    }
    if (read === 0)
      throw new ConfigError(
        `${url ? redactUrl(file) : file}: no records in it as ${importer.label}: nothing to replay.`,
        file,
      );
    if (before) checkUnchanged(file, 'workload', before);
    return;
  }
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`${file}: cannot read the workload: ${error.message}.`, file)),
    );
  });
  // A read error after opening (a disk error) ends the read with the file named, never silently.
  let readError: Error | undefined;
  input.on('error', (error) => (readError = error));

  if (format === 'jsonl') {
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNumber = 0;
    // JSON lines may differ in their keys: each new key is matched to a field once.
    const fieldOfKey = new Map<string, WorkloadField | null>();
    const explicit = new Map(Object.entries(options.map ?? {}));
    for await (const text of lines) {
      lineNumber++;
      if (text.length > MAX_ROW_CHARS)
        throw new ConfigError(
          `${file}:${lineNumber}: the line is ${Math.round(text.length / 1048576)} MB long; rows longer than ${MAX_ROW_CHARS / 1048576} MB are refused (a missing line break, or not a workload).`,
          file,
          lineNumber,
        );
      if (text.trim() === '') continue;
      let object: unknown;
      try {
        object = JSON.parse(text);
      } catch (error) {
        object = error;
      }
      if (object === null || typeof object !== 'object' || Array.isArray(object) || object instanceof Error) {
        const reason =
          object instanceof Error ? `not valid JSON: ${object.message}` : 'expected a JSON object';
        const message = `${file}:${lineNumber}:1: ${reason}`;
        if (!options.skipInvalid) throw new ConfigError(`${message}.`, file, lineNumber, 1);
        stats.skipped++;
        if (stats.skippedExamples.length < 5) stats.skippedExamples.push(message);
        continue;
      }
      const raw: RawRow = {};
      for (const [key, value] of Object.entries(object)) {
        let fieldName = fieldOfKey.get(key);
        if (fieldName === undefined) {
          const normal = normaliseColumn(key);
          fieldName = explicit.get(key) ?? WORKLOAD_FIELDS.find((f) => ALIASES[f].includes(normal)) ?? null;
          fieldOfKey.set(key, fieldName);
          if (fieldName) {
            stats.columns[fieldName] ??= key;
            if (fieldName === 'timestamp') stats.hasTimestamps = true;
          }
        }
        if (fieldName && value !== undefined && value !== null && raw[fieldName] === undefined)
          raw[fieldName] = Array.isArray(value)
            ? value.join(';')
            : typeof value === 'string'
              ? value
              : String(value);
      }
      countGiven(raw, stats);
      const request = await handle(raw, lineNumber, () => 1);
      if (request) yield entryOf(request, raw);
    }
    if (readError) throw new ConfigError(`${file}: reading the workload failed: ${readError.message}.`, file);
    if (lineNumber === 0) throw new ConfigError(`${file}: the workload is empty (no JSON lines).`, file);
    if (index === 0 && stats.skipped === 0)
      throw new ConfigError(`${file}: the workload has no JSON objects: nothing to replay.`, file);
    checkUnchanged(file, 'workload', before!);
    return;
  }

  const parser = input.pipe(
    linedCsvParser({
      skip_empty_lines: true,
      relax_column_count: false,
      bom: true,
      max_record_size: MAX_ROW_CHARS,
    }),
  );
  let columns: Map<WorkloadField, number> | undefined;
  try {
    for await (const { record, endLine } of parser as AsyncIterable<LinedRecord>) {
      if (!columns) {
        columns = resolveColumns(record, options.map, file);
        for (const [fieldName, i] of columns) stats.columns[fieldName] = record[i]!;
        stats.hasTimestamps = columns.has('timestamp');
        continue;
      }
      const raw: RawRow = {};
      for (const [fieldName, i] of columns) raw[fieldName] = record[i];
      // endLine is where the record ends; quoted fields may span lines.
      let spanned = 0;
      for (const value of record)
        for (let p = value.indexOf('\n'); p >= 0; p = value.indexOf('\n', p + 1)) spanned++;
      const cols = columns;
      countGiven(raw, stats);
      const request = await handle(raw, endLine - spanned, (fieldName) => (cols.get(fieldName) ?? 0) + 1);
      if (request) yield entryOf(request, raw);
    }
  } catch (error) {
    throw csvError(error, file, 'workload');
  } finally {
    input.destroy();
  }
  if (readError) throw new ConfigError(`${file}: reading the workload failed: ${readError.message}.`, file);
  if (!columns) throw new ConfigError(`${file}: the workload is empty (no header row).`, file);
  if (index === 0 && stats.skipped === 0)
    throw new ConfigError(`${file}: the workload has a header but no rows: nothing to replay.`, file, 2);
  checkUnchanged(file, 'workload', before!);
}

/**
 * A csv-parse error as one message naming the file and line, without the raw bytes csv-parse quotes; any
 * other error is returned as it is.
 */
export function csvError(error: unknown, file: string, what: string): unknown {
  if (!(error instanceof CsvError)) return error;
  const where = (error as CsvError & { lines?: number }).lines;
  const message = error.message.replace(/,? value is .*$/s, '').replace(/\.$/, '');
  return new ConfigError(
    `${file}:${where ?? '?'}: the ${what} is not valid CSV: ${message}. Check the quoting on that line, or pass --format jsonl for JSON lines.`,
    file,
    where,
  );
}

export function emptyReadStats(): WorkloadReadStats {
  return {
    rows: 0,
    skipped: 0,
    skippedExamples: [],
    columns: {},
    hasTimestamps: false,
    tokenizedRows: 0,
    filledOutputRows: 0,
    cacheRows: 0,
    textRows: 0,
    tokenRows: 0,
    timestampRows: 0,
    answerRows: 0,
    failedRows: 0,
  };
}

/** Parses `--map COLUMN=field` options. */
export function parseColumnMap(entries: readonly string[]): Record<string, WorkloadField> {
  const map: Record<string, WorkloadField> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const column = entry.slice(0, at);
    const field = entry.slice(at + 1) as WorkloadField;
    if (at <= 0 || !(WORKLOAD_FIELDS as readonly string[]).includes(field))
      throw new ConfigError(
        `--map ${entry}: expected COLUMN=FIELD with FIELD one of ${WORKLOAD_FIELDS.join(', ')}.`,
      );
    map[column] = field;
  }
  return map;
}

/**
 * The recorded workload in time order: rows are read (and checked) as usual, held in memory, and sorted by
 * arrival, keeping file order among equal timestamps.
 */
export async function* sortedRecordedWorkload(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
): AsyncGenerator<RouteRequest> {
  const rows: RouteRequest[] = [];
  for await (const request of recordedWorkload({ ...options, sort: true }, stats)) rows.push(request);
  // Array.prototype.sort is stable: equal timestamps keep their file order.
  rows.sort((a, b) => a.arrivalMs! - b.arrivalMs!);
  yield* rows;
}
