import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../config/config-error.js';

/**
 * The labelled answers a shadow run writes, in the long layout `simulate --answers` and `calibrate` read:
 * one row per request and model, appended as each is judged, so a stopped run loses nothing judged.
 */
export const SHADOW_COLUMNS = [
  'request_id',
  'model',
  'answer',
  'correct',
  'output_tokens',
  'latency_ms',
  'judge',
] as const;

export interface ShadowRow {
  /** The workload's row number. */
  requestId: number;
  model: string;
  answer: string;
  correct: boolean | undefined;
  outputTokens: number;
  latencyMs: number;
  /** Which judge gave the verdict (`exact`, `json`, `math`, `llm`, `reference`, `call failed`, …). */
  judge: string;
}

/** Reads the rows already written (for --resume), naming a file that is not one of ours. */
export function readShadowFile(file: string): ShadowRow[] {
  const text = readFileSync(file, 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<
    string,
    string
  >[];
  const header = text.split('\n', 1)[0]!.split(',');
  if (!SHADOW_COLUMNS.every((c) => header.includes(c)))
    throw new ConfigError(
      `${file}:1: not a shadow answers file: expected the columns ${SHADOW_COLUMNS.join(', ')}; found ${header.join(', ')}.`,
      file,
      1,
    );
  return records.map((r) => ({
    requestId: Number(r['request_id']),
    model: r['model']!,
    answer: r['answer'] ?? '',
    correct: r['correct'] === 'True' ? true : r['correct'] === 'False' ? false : undefined,
    outputTokens: Number(r['output_tokens'] ?? 0),
    latencyMs: Number(r['latency_ms'] ?? 0),
    judge: r['judge'] ?? '',
  }));
}

/** Appends rows to the file (writing the header first when it is new); each call is one write. */
export function appendShadowRows(file: string, rows: readonly ShadowRow[]): void {
  const header = existsSync(file) ? '' : `${SHADOW_COLUMNS.join(',')}\n`;
  appendFileSync(
    file,
    header +
      stringify(
        rows.map((r) => [
          r.requestId,
          r.model,
          r.answer,
          r.correct === undefined ? '' : r.correct ? 'True' : 'False',
          r.outputTokens,
          Math.round(r.latencyMs * 10) / 10,
          r.judge,
        ]),
      ),
  );
}
