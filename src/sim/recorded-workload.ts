import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvError } from 'csv-parse';
import { linedCsvParser, type LinedRecord } from './csv-lines.js';
import { checkInputFile, checkUnchanged } from '../config/input-file.js';
import { ConfigError } from '../config/config-error.js';
import type { RouteRequest } from '../contract/request.js';
import { ALIASES, WORKLOAD_FIELDS, normaliseColumn, type WorkloadField } from './workload-fields.js';
import { ImportError, type RawRow } from './importers/imported-row.js';
import { resolveColumns } from './workload-columns.js';
import { RowError, toRequest } from './workload-row.js';
import {
  MAX_ROW_CHARS,
  type RecordedWorkloadOptions,
  type WorkloadReadStats,
} from './workload-read-types.js';
import { importerFor, isSqliteFile } from './importers/detect-format.js';
import { isLedgerUrl, ledgerImporter } from './importers/ledger.js';
import { redactUrl } from '../ledger/pg/ledger-url.js';

export { WORKLOAD_FIELDS, normaliseColumn, type WorkloadField } from './workload-fields.js';
export * from './workload-read-types.js';
export { parseColumnMap, resolveColumns } from './workload-columns.js';
export { timestampReading } from './workload-row.js';

export function workloadFormat(file: string, format?: string): 'csv' | 'jsonl' {
  if (format === 'csv' || format === 'jsonl') return format;
  return /\.(jsonl|ndjson|json)$/i.test(file) ? 'jsonl' : 'csv';
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
export function recordedWorkload(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
): AsyncGenerator<RouteRequest> {
  return recordedRows(options, stats, (request) => request);
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
export function recordedEntries(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
): AsyncGenerator<RecordedEntry> {
  return recordedRows(options, stats, entryOf);
}

/**
 * The workload's rows, each given to `wrap` with its raw fields: one generator whichever is wanted, the bare
 * requests (a replay) or the entries with their logged answers (shadow), so a replay's row passes through no
 * second generator.
 */
async function* recordedRows<T>(
  options: RecordedWorkloadOptions,
  stats: WorkloadReadStats,
  wrap: (request: RouteRequest, raw: RawRow) => T,
): AsyncGenerator<T> {
  const { file } = options;
  const format = workloadFormat(file, options.format);
  let index = 0;
  let latest: { ms: number; line: number } | undefined;
  const accept = (request: RouteRequest, line: number): RouteRequest => {
    const at = request.arrivalMs!;
    if (latest && at < latest.ms && !options.sort) {
      const iso = (ms: number): string => new Date(ms).toISOString();
      throw new ConfigError(
        `${redactUrl(file)}:${line}: the rows are not in time order: this row arrives at ${iso(at)}, before line ${latest.line} (${iso(latest.ms)}). A replay runs in time order: sort the file by timestamp, or pass --sort to sort it in memory.`,
        file,
        line,
      );
    }
    if (!latest) latest = { ms: at, line };
    else if (at >= latest.ms) {
      latest.ms = at;
      latest.line = line;
    }
    index++;
    stats.rows++;
    return request;
  };
  const rowFailed = (error: unknown, line: number, columnOf: (field: WorkloadField) => number): undefined => {
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
  };
  /** The row's request (undefined when skipped); a promise only when its prompt's tokens must be counted. */
  const handle = (
    raw: RawRow,
    line: number,
    columnOf: (field: WorkloadField) => number,
  ): RouteRequest | undefined | Promise<RouteRequest | undefined> => {
    try {
      const request = toRequest(raw, index, stats, options);
      if (!(request instanceof Promise)) return accept(request, line);
      return request.then(
        (counted) => accept(counted, line),
        (error: unknown) => rowFailed(error, line, columnOf),
      );
    } catch (error) {
      return rowFailed(error, line, columnOf);
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
        const handled = handle(row.raw, row.line, () => 1);
        const request = handled instanceof Promise ? await handled : handled;
        if (request) yield wrap(request, row.raw);
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
      const handled = handle(raw, lineNumber, () => 1);
      const request = handled instanceof Promise ? await handled : handled;
      if (request) yield wrap(request, raw);
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
  // The columns as two arrays, walked by index for each row.
  let fieldNames: WorkloadField[] = [];
  let fieldAt: number[] = [];
  const columnOf = (fieldName: WorkloadField): number => (columns!.get(fieldName) ?? 0) + 1;
  try {
    for await (const { record, endLine } of parser as AsyncIterable<LinedRecord>) {
      if (!columns) {
        columns = resolveColumns(record, options.map, file);
        for (const [fieldName, i] of columns) stats.columns[fieldName] = record[i]!;
        stats.hasTimestamps = columns.has('timestamp');
        fieldNames = [...columns.keys()];
        fieldAt = [...columns.values()];
        continue;
      }
      const raw: RawRow = {};
      for (let f = 0; f < fieldNames.length; f++) raw[fieldNames[f]!] = record[fieldAt[f]!];
      // endLine is where the record ends; quoted fields may span lines.
      let spanned = 0;
      for (const value of record)
        for (let p = value.indexOf('\n'); p >= 0; p = value.indexOf('\n', p + 1)) spanned++;
      countGiven(raw, stats);
      const handled = handle(raw, endLine - spanned, columnOf);
      const request = handled instanceof Promise ? await handled : handled;
      if (request) yield wrap(request, raw);
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
