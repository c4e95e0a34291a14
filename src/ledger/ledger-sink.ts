import { appendFileSync } from 'node:fs';
import type { RouterSink } from '../router/router.js';
import { isLocalTier, type RouteRequest, type RouteResult } from '../router/types.js';
import { openLedger, type Db } from './ledger-db.js';
import { RowBuffer } from './row-buffer.js';

export interface LedgerSinkOptions {
  path: string;
  /** Keep prompts and answers. @default false */
  storeText?: boolean;
  /** Requests per transaction. @default 50 */
  batchSize?: number;
  /** Longest a row waits in the buffer, ms. @default 250 */
  flushMs?: number;
  /** Where rows go when the ledger cannot be written. @default `<path>.fallback.jsonl` */
  fallbackPath?: string;
  /** Receives a warning once when falling back. @default stderr */
  onWarning?: (message: string) => void;
  /** An already open ledger (shared with the SQLite budget guard). */
  db?: Db;
  /** The router instance recorded with each row. */
  instance?: string;
}

/** One ledger row per attempt, as stored and exported. */
export interface AttemptRow {
  ts_ms: number;
  request_id: string;
  step: number;
  action: string | null;
  complexity: string;
  tier: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  ttft_ms: number;
  latency_ms: number;
  confidence: number;
  checks: string;
  outcome: string;
  budget_limited: number;
  prompt: string | null;
  response: string | null;
}

export interface RequestRow {
  request_id: string;
  ts_ms: number;
  action: string | null;
  complexity: string;
  start_tier: string;
  final_tier: string | null;
  final_model: string | null;
  passed: number;
  confidence: number;
  attempts: number;
  cost_usd: number;
  /** Input tokens of the first attempt: what a pure-API call would have read. */
  input_tokens: number;
  /** Output tokens of the answer returned. */
  output_tokens: number;
  latency_ms: number;
  budget_limited: number;
}

export function rowsOf(
  result: RouteResult,
  request: RouteRequest,
  storeText: boolean,
): { attempts: AttemptRow[]; request: RequestRow } {
  const chosen = result.attempts.find(
    (a) => a.model === result.model && !a.error && (a.passed || !result.passed),
  );
  const attempts = result.attempts.map((a, i): AttemptRow => ({
    ts_ms: result.startedAtMs,
    request_id: result.id,
    step: a.step,
    action: result.action ?? null,
    complexity: result.complexity,
    tier: a.tier,
    model: a.model,
    provider: a.provider,
    input_tokens: a.inputTokens,
    output_tokens: a.outputTokens,
    cached_tokens: a.cachedInputTokens,
    cost_usd: a.costUsd,
    ttft_ms: a.ttftMs,
    latency_ms: a.latencyMs,
    confidence: a.confidence,
    checks: JSON.stringify(Object.fromEntries(Object.entries(a.checks).map(([k, v]) => [k, v.score]))),
    outcome: a.error ?? (a.passed ? 'pass' : 'quality_fail'),
    budget_limited: a.budgetLimited ? 1 : 0,
    prompt: storeText && i === 0 ? request.prompt : null,
    response: storeText && a === chosen ? result.text : null,
  }));
  return {
    attempts,
    request: {
      request_id: result.id,
      ts_ms: result.startedAtMs,
      action: result.action ?? null,
      complexity: result.complexity,
      start_tier: result.tier,
      final_tier: result.finalTier ?? null,
      final_model: result.model ?? null,
      passed: result.passed ? 1 : 0,
      confidence: result.confidence,
      attempts: result.attempts.length,
      cost_usd: result.totals.costUsd,
      input_tokens:
        result.attempts.find((a) => !a.error)?.inputTokens ?? result.attempts[0]?.inputTokens ?? 0,
      output_tokens: chosen?.outputTokens ?? 0,
      latency_ms: result.totals.latencyMs,
      budget_limited: result.budgetLimited ? 1 : 0,
    },
  };
}

/** A request with its attempts, and the router instance that recorded them (when it is named). */
export type LedgerItem = { attempts: AttemptRow[]; request: RequestRow; instance?: string | null };

/** An attempt row's columns, in the table's order. */
export const ATTEMPT_COLUMNS = [
  'ts_ms',
  'request_id',
  'step',
  'action',
  'complexity',
  'tier',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cost_usd',
  'ttft_ms',
  'latency_ms',
  'confidence',
  'checks',
  'outcome',
  'budget_limited',
  'prompt',
  'response',
] as const satisfies readonly (keyof AttemptRow)[];
const REQUEST_COLUMNS = [
  'request_id',
  'ts_ms',
  'action',
  'complexity',
  'start_tier',
  'final_tier',
  'final_model',
  'passed',
  'confidence',
  'attempts',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'latency_ms',
  'budget_limited',
] as const satisfies readonly (keyof RequestRow)[];

/**
 * A transaction that writes requests with their attempts: they commit together or not at all. Values are
 * bound by position (a named binding costs better-sqlite3 a lookup a column, and the row a copy).
 */
export function batchWriter(db: Db): (batch: readonly LedgerItem[]) => void {
  const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
  const attempt = db.prepare(
    `INSERT INTO attempts (${ATTEMPT_COLUMNS.join(', ')}, instance) VALUES (${placeholders(ATTEMPT_COLUMNS.length + 1)})`,
  );
  const request = db.prepare(
    `INSERT OR REPLACE INTO requests (${REQUEST_COLUMNS.join(', ')}, instance) VALUES (${placeholders(REQUEST_COLUMNS.length + 1)})`,
  );
  const attemptValues: unknown[] = new Array(ATTEMPT_COLUMNS.length + 1);
  const requestValues: unknown[] = new Array(REQUEST_COLUMNS.length + 1);
  return db.transaction((batch: readonly LedgerItem[]) => {
    for (const item of batch) {
      const instance = item.instance ?? null;
      for (const row of item.attempts) {
        for (let i = 0; i < ATTEMPT_COLUMNS.length; i++) attemptValues[i] = row[ATTEMPT_COLUMNS[i]!];
        attemptValues[ATTEMPT_COLUMNS.length] = instance;
        attempt.run(attemptValues);
      }
      const row = item.request;
      for (let i = 0; i < REQUEST_COLUMNS.length; i++) requestValues[i] = row[REQUEST_COLUMNS[i]!];
      requestValues[REQUEST_COLUMNS.length] = instance;
      request.run(requestValues);
    }
  });
}

/** Whether the ledger answered from its tier: local share in usage reports. */
export const servedLocally = (row: Pick<RequestRow, 'final_tier'>): boolean =>
  row.final_tier !== null && isLocalTier(row.final_tier as never);

/**
 * A router sink that records every attempt and request in the SQLite ledger, batched in transactions (a
 * crash loses at most the batch in flight; WAL keeps committed rows intact). When the ledger cannot be
 * opened or written (corrupt, locked, disk full), rows go to a fallback JSONL file instead — never dropped.
 */
export class LedgerSink implements RouterSink {
  private db: Db | undefined;
  private readonly buffer: RowBuffer<LedgerItem>;
  private writeBatch: ((batch: readonly LedgerItem[]) => void) | undefined;
  private warned = false;
  readonly fallbackPath: string;
  /** Rows written to the fallback file so far. */
  fallbackRows = 0;

  constructor(private readonly options: LedgerSinkOptions) {
    this.fallbackPath = options.fallbackPath ?? `${options.path}.fallback.jsonl`;
    this.buffer = new RowBuffer((batch) => this.write(batch), options.batchSize, options.flushMs);
    try {
      this.db = options.db ?? openLedger(options.path);
      this.prepare(this.db);
    } catch (error) {
      this.fallBack(error);
    }
  }

  private prepare(db: Db): void {
    this.writeBatch = batchWriter(db);
  }

  private fallBack(error: unknown): void {
    this.writeBatch = undefined;
    if (!this.warned) {
      this.warned = true;
      (this.options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(
        `${(error as Error).message.replace(/\.$/, '')}; usage is written to ${this.fallbackPath} instead (import it later with hybridllm usage --import)`,
      );
    }
  }

  onRequest(result: RouteResult, request: RouteRequest): void {
    this.buffer.push({
      ...rowsOf(result, request, this.options.storeText ?? false),
      instance: this.options.instance ?? null,
    });
  }

  /** Writes the buffered rows now. */
  flush(): void {
    this.buffer.flush();
  }

  private write(batch: LedgerItem[]): void {
    if (this.writeBatch) {
      try {
        this.writeBatch(batch);
        return;
      } catch (error) {
        this.fallBack(
          new Error(`${this.options.path}: cannot write the usage ledger: ${(error as Error).message}`),
        );
      }
    }
    appendFileSync(this.fallbackPath, batch.map((item) => `${JSON.stringify(item)}\n`).join(''));
    this.fallbackRows += batch.length;
  }

  close(): void {
    this.flush();
    if (!this.options.db) this.db?.close();
    this.db = undefined;
  }
}
