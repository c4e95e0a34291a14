// What reading a recorded workload is asked (its options) and what it found (its stats), with the
// constants the readers share.
import type { ImportFormat } from './importers/imported-row.js';
import type { WorkloadField } from './workload-fields.js';

/** Tokens per prefix block named by `hash_ids` (Mooncake's traces use 512). */
export const DEFAULT_BLOCK_TOKENS = 512;

export const TIME_UNITS = ['s', 'ms', 'us'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

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
