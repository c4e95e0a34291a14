import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { ConfigError } from '../config/config-error.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { isLocalTier } from '../router/types.js';
import { csvError, workloadFormat } from './recorded-workload.js';
import { checkInputFile } from '../config/input-file.js';
import { countTokens } from './tokens.js';

/** One model's recorded answer to one request. */
export interface RecordedAnswer {
  text: string;
  /** Ground truth when the file has it. */
  correct?: boolean;
  /** A graded label in [0, 1] when the file gives a score; `correct` is score ≥ 0.5. */
  score?: number;
  outputTokens: number;
  /** Recorded latency, ms; absent → drawn from the model's profile. */
  latencyMs?: number;
  /** A critic's recorded verdict on this answer ("YES …" / "NO …"), used as the self-critique reply. */
  critique?: string;
}

/** Recorded answers: request id (`row1`, `row2` … as the workload numbers its rows) → source → answer. */
export interface AnswerTable {
  file: string;
  /** `wide` (one column per model, RouteLLM style) or `long` (request_id, model, answer, correct). */
  layout: 'wide' | 'long';
  /** The answer sources (models) the file holds, in file order. */
  sources: string[];
  rows: Map<string, Map<string, RecordedAnswer>>;
  /** Whether any answer carries a label. */
  labelled: boolean;
  /** Whether any answer carries a recorded critique. */
  critiques: boolean;
}

const WIDE_SUFFIXES = ['_response', '_answer'];
const LONG_ID = ['request_id', 'requestid', 'id', 'row'];
const LONG_MODEL = ['model', 'source'];
const LONG_TEXT = ['answer', 'response', 'output', 'completion'];
const LONG_LABEL = ['correct', 'label', 'score', 'is_correct'];

class RowError extends Error {}

type Layout =
  | { kind: 'wide'; sources: string[] }
  | { kind: 'long'; id: string; model: string; text: string; label?: string };

function parseLabel(value: string): { correct: boolean; score?: number } | undefined {
  const v = value.trim().toLowerCase();
  if (v === '') return undefined;
  if (['true', 'yes', 'correct', 'y', 't'].includes(v)) return { correct: true };
  if (['false', 'no', 'incorrect', 'wrong', 'n', 'f'].includes(v)) return { correct: false };
  const number = Number(v);
  if (Number.isFinite(number) && number >= 0 && number <= 1) return { correct: number >= 0.5, score: number };
  throw new RowError(`expected True/False or a score from 0 to 1, found ${JSON.stringify(value)}`);
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new RowError(`expected a non-negative number, found ${JSON.stringify(value)}`);
  return number;
}

/** Streams the file's rows as objects keyed by column name, with their line numbers. */
async function* readRows(file: string): AsyncGenerator<{ row: Record<string, string>; line: number }> {
  checkInputFile(file, 'recorded answers');
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          `${file}: cannot read the recorded answers: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`,
          file,
        ),
      ),
    );
  });
  if (workloadFormat(file) === 'jsonl') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      let object: unknown;
      try {
        object = JSON.parse(text);
      } catch (error) {
        throw new ConfigError(
          `${file}:${line}:1: not valid JSON: ${(error as Error).message}.`,
          file,
          line,
          1,
        );
      }
      if (!object || typeof object !== 'object' || Array.isArray(object))
        throw new ConfigError(`${file}:${line}:1: expected a JSON object.`, file, line, 1);
      const row: Record<string, string> = {};
      for (const [key, value] of Object.entries(object))
        if (value !== null && value !== undefined)
          row[key] = typeof value === 'string' ? value : String(value);
      yield { row, line };
    }
    return;
  }
  const parser = input.pipe(parse({ columns: true, info: true, bom: true, skip_empty_lines: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>)
      yield { row: record, line: info.lines };
  } catch (error) {
    throw csvError(error, file, 'recorded answers file');
  } finally {
    input.destroy();
  }
}

const find = (keys: readonly string[], names: readonly string[]): string | undefined =>
  keys.find((key) => names.includes(key.toLowerCase()));

/**
 * Reads recorded answers: the RouteLLM wide layout (for each model a label column `M` and a text column
 * `M_response`, optionally `M_output_tokens` and `M_latency_ms`), one row per request in workload order; or
 * the long layout (`request_id, model, answer[, correct, output_tokens, latency_ms]`), where request_id is the
 * workload's row number (`12` or `row12`). Output tokens not recorded are counted from the text
 * (cl100k_base). A critic's recorded verdict on an answer may sit in `M_critique` (wide) or `critique` (long).
 */
export async function loadAnswerTable(file: string): Promise<AnswerTable> {
  const table: AnswerTable = {
    file,
    layout: 'wide',
    sources: [],
    rows: new Map(),
    labelled: false,
    critiques: false,
  };
  let layout: Layout | undefined;
  let index = 0;
  const sources = new Set<string>();
  for await (const { row, line } of readRows(file)) {
    const keys = Object.keys(row);
    if (!layout) {
      const wide = keys
        .filter((key) => WIDE_SUFFIXES.some((suffix) => key.endsWith(suffix)))
        .map((key) => key.slice(0, key.length - WIDE_SUFFIXES.find((suffix) => key.endsWith(suffix))!.length))
        .filter((source) => source !== '');
      const id = find(keys, LONG_ID);
      const model = find(keys, LONG_MODEL);
      const text = find(keys, LONG_TEXT);
      if (id && model && text) {
        const label = find(keys, LONG_LABEL);
        layout = { kind: 'long', id, model, text, ...(label ? { label } : {}) };
      } else if (wide.length) layout = { kind: 'wide', sources: wide };
      else
        throw new ConfigError(
          `${file}:1: no recorded answers found. Expected either one column per model named MODEL_response (with MODEL holding True/False), as RouteLLM writes them, or the long layout request_id, model, answer, correct. Header: ${keys.join(', ')}.`,
          file,
          1,
        );
      table.layout = layout.kind;
    }
    index++;
    try {
      if (layout.kind === 'wide') {
        const answers = new Map<string, RecordedAnswer>();
        for (const source of layout.sources) {
          const text = row[`${source}_response`] ?? row[`${source}_answer`];
          if (text === undefined || text === '') continue;
          sources.add(source);
          answers.set(
            source,
            await answerOf(
              text,
              row[source],
              row[`${source}_output_tokens`],
              row[`${source}_latency_ms`],
              source,
              row[`${source}_critique`],
            ),
          );
        }
        table.rows.set(`row${index}`, answers);
      } else {
        const rawId = row[layout.id]!.trim();
        const id = /^\d+$/.test(rawId) ? `row${rawId}` : rawId;
        const source = row[layout.model]!.trim();
        if (!source) throw new RowError(`${layout.model}: empty model name`);
        sources.add(source);
        let answers = table.rows.get(id);
        if (!answers) table.rows.set(id, (answers = new Map()));
        answers.set(
          source,
          await answerOf(
            row[layout.text] ?? '',
            layout.label ? row[layout.label] : undefined,
            row['output_tokens'],
            row['latency_ms'],
            layout.label ?? 'correct',
            row['critique'],
          ),
        );
      }
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      throw new ConfigError(`${file}:${line}: ${error.message}.`, file, line);
    }
  }
  if (!layout) throw new ConfigError(`${file}: the recorded answers file is empty.`, file);
  table.sources = [...sources];
  for (const answers of table.rows.values())
    for (const answer of answers.values()) {
      if (answer.correct !== undefined) table.labelled = true;
      if (answer.critique !== undefined) table.critiques = true;
    }
  return table;
}

async function answerOf(
  text: string,
  label: string | undefined,
  tokens: string | undefined,
  latency: string | undefined,
  labelColumn: string,
  critique?: string,
): Promise<RecordedAnswer> {
  let parsed: ReturnType<typeof parseLabel>;
  try {
    parsed = label === undefined ? undefined : parseLabel(label);
  } catch (error) {
    throw new RowError(`column '${labelColumn}': ${(error as Error).message}`);
  }
  const outputTokens = parseNumber(tokens) ?? (await countTokens(text));
  const latencyMs = parseNumber(latency);
  return {
    text,
    outputTokens: Math.round(outputTokens),
    ...(parsed ? { correct: parsed.correct } : {}),
    ...(parsed?.score !== undefined ? { score: parsed.score } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(critique?.trim() ? { critique: critique.trim() } : {}),
  };
}

/** Names of local model families, to tell which recorded source stands for the local tier. */
const LOCAL_FAMILIES =
  /mixtral|mistral|llama|phi|qwen|gemma|codestral|deepseek|vicuna|zephyr|falcon|olmo|granite|starcoder/i;

/**
 * Which recorded source answers for each configured model. `--answer-map MODEL=SOURCE` pairs are taken as
 * given (models left without a source answer from their profiles, and are counted as such); with none, a
 * source named like an open-weights family (Mixtral, Llama, Qwen …) stands for every enabled local model,
 * and the other source for every enabled API model.
 */
export function answerMapping(
  table: AnswerTable,
  config: RouterConfig,
  explicit: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const mapping = new Map<string, string>();
  const byName = new Map(config.models.map((m) => [m.name, m]));
  for (const [model, source] of Object.entries(explicit)) {
    if (!byName.has(model))
      throw new ConfigError(
        `--answer-map ${model}=${source}: no model named '${model}' in ${config.source}; known: ${[...byName.keys()].join(', ')}.`,
      );
    if (!table.sources.includes(source))
      throw new ConfigError(
        `--answer-map ${model}=${source}: ${table.file} has no answers from '${source}'; it has: ${table.sources.join(', ')}.`,
      );
    mapping.set(model, source);
  }
  if (mapping.size) return mapping;
  const local = table.sources.filter((s) => LOCAL_FAMILIES.test(s));
  const api = table.sources.filter((s) => !LOCAL_FAMILIES.test(s));
  if (local.length !== 1 || api.length !== 1)
    throw new ConfigError(
      `${table.file}: cannot tell which recorded answers stand for the local tier and which for the API tier (sources: ${table.sources.join(', ')}). Say it with --answer-map MODEL=SOURCE, e.g. --answer-map mixtral:8x7b=${table.sources[0] ?? 'SOURCE'}.`,
      table.file,
    );
  const enabled = config.models.filter((m: ModelConfig) => m.enabled);
  for (const model of enabled) mapping.set(model.name, isLocalTier(model.tier) ? local[0]! : api[0]!);
  return mapping;
}

/** Parses `--answer-map MODEL=SOURCE` options (the model name may itself hold `:`). */
export function parseAnswerMap(entries: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1)
      throw new ConfigError(
        `--answer-map ${entry}: expected MODEL=SOURCE, e.g. mixtral:8x7b=mistralai/Mixtral-8x7B-Instruct-v0.1.`,
      );
    map[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return map;
}
