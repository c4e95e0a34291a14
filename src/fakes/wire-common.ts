import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnswerPlan } from './answer-plan.js';
import type { FaultKind } from './faults.js';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Everything a wire handler needs for one request. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  body: Record<string, unknown>;
  fault: FaultKind;
  /** ms since the request arrived, on the server's clock. */
  elapsed(): number;
  /** True once the client went away. */
  closed(): boolean;
  retryAfterSeconds: number;
  slowFirstTokenMs: number;
  /**
   * Time between tokens right now, ms, when it changes with the server's load (a capacity-limited local
   * server decodes slower with more sequences running). Unset: the plan's fixed interval.
   */
  pace?: () => number;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/**
 * Plays an answer out in real time: the first token after TTFT (or the slow-first-token fault), then one per
 * inter-token interval, scheduled against the moment the first token went out — so delays do not drift,
 * and a first token made late by a busy machine does not make the rest come in a burst (a real server
 * starts decoding when prefill ends; it never catches up). `cut` stops half way by dropping
 * the connection; `malformed` and `stream_error` write their broken line half way.
 */
export async function playOut(
  exchange: Exchange,
  plan: AnswerPlan,
  writeToken: (piece: string, index: number) => void,
  writeBroken: (kind: 'malformed' | 'stream_error') => void,
  extraDelayMs = 0,
): Promise<'done' | 'stopped'> {
  const ttft =
    (exchange.fault === 'slow_first_token' ? exchange.slowFirstTokenMs : plan.ttftMs) + extraDelayMs;
  const half = Math.floor(plan.pieces.length / 2);
  // Each token is due one interval after the one before (after the moment the first went out, for the
  // second); the interval is the plan's, or the server's pace at that moment.
  let due = ttft;
  for (let i = 0; i < plan.pieces.length; i++) {
    const wait = due - exchange.elapsed();
    if (wait > 0) await sleep(wait);
    if (exchange.closed()) return 'stopped';
    if (i === half && i > 0) {
      if (exchange.fault === 'cut') {
        exchange.response.socket?.destroy();
        return 'stopped';
      }
      if (exchange.fault === 'malformed' || exchange.fault === 'stream_error') {
        writeBroken(exchange.fault);
        exchange.response.end();
        return 'stopped';
      }
    }
    writeToken(plan.pieces[i]!, i);
    due = (i === 0 ? exchange.elapsed() : due) + (exchange.pace ? exchange.pace() : plan.interTokenMs);
  }
  if (plan.pieces.length === 0) {
    const wait = ttft - exchange.elapsed();
    if (wait > 0) await sleep(wait);
  }
  return 'done';
}

/** Waits out the whole answer before a non-streamed response. */
export async function waitWhole(exchange: Exchange, plan: AnswerPlan, extraDelayMs = 0): Promise<void> {
  const ttft =
    (exchange.fault === 'slow_first_token' ? exchange.slowFirstTokenMs : plan.ttftMs) + extraDelayMs;
  if (exchange.pace) {
    // The pace changes while it decodes: wait a few tokens at a time at the pace of the moment.
    let due = ttft;
    for (let left = plan.pieces.length - 1; ;) {
      const wait = due - exchange.elapsed();
      if (wait > 0) await sleep(wait);
      if (left <= 0 || exchange.closed()) return;
      const chunk = Math.min(8, left);
      due += chunk * exchange.pace();
      left -= chunk;
    }
  }
  const total = ttft + Math.max(0, plan.pieces.length - 1) * plan.interTokenMs;
  const wait = total - exchange.elapsed();
  if (wait > 0) await sleep(wait);
}

/**
 * Waits out a non-streamed answer, then plays the faults that concern a whole response: `cut` drops the
 * connection, `malformed` sends a broken JSON body. Returns true when the exchange is finished (a fault was
 * played or the client left), false when the caller should send the answer.
 */
export async function finishWhole(exchange: Exchange, plan: AnswerPlan, extraDelayMs = 0): Promise<boolean> {
  await waitWhole(exchange, plan, extraDelayMs);
  if (exchange.closed()) return true;
  if (exchange.fault === 'cut') {
    exchange.response.socket?.destroy();
    return true;
  }
  if (exchange.fault === 'malformed') {
    exchange.response.writeHead(200, { 'content-type': 'application/json' });
    exchange.response.end('{"id": "broken');
    return true;
  }
  return false;
}
