import type { RouterSink } from '../../router/router.js';
import type { RouteRequest, RouteResult } from '../../router/types.js';
import { rowsOf } from '../ledger-sink.js';
import { RowBuffer } from '../row-buffer.js';
import type { FleetLink } from './fleet-link.js';
import { isUnreachable } from './pg-ledger-db.js';
import { writeItems, type FleetItem } from './pg-rows.js';

export interface PgLedgerSinkOptions {
  instance: string;
  storeText: boolean;
  /** Requests per transaction. @default 50 */
  batchSize?: number;
  /** Longest a row waits in the buffer, ms. @default 250 */
  flushMs?: number;
  onWarning: (message: string) => void;
}

/**
 * A router sink writing every request and its attempts to the shared PostgreSQL ledger, batched (one
 * transaction of two statements a batch), each row tagged with this instance. A batch that cannot be
 * written because the database is unreachable goes to the link's spool, to be replayed exactly once.
 */
export class PgLedgerSink implements RouterSink {
  private readonly buffer: RowBuffer<FleetItem>;
  private readonly writing = new Set<Promise<void>>();
  /** Requests written to the database, and to the spool. */
  written = 0;
  spooled = 0;

  constructor(
    private readonly link: FleetLink,
    private readonly options: PgLedgerSinkOptions,
  ) {
    this.buffer = new RowBuffer((batch) => this.write(batch), options.batchSize, options.flushMs);
  }

  onRequest(result: RouteResult, request: RouteRequest): void {
    this.buffer.push({ ...rowsOf(result, request, this.options.storeText), instance: this.options.instance });
  }

  /** Starts writing the buffered rows; `drain()` waits for every write to end. */
  flush(): void {
    this.buffer.flush();
  }

  private write(batch: FleetItem[]): void {
    if (!this.link.online) return this.spool(batch);
    const since = this.link.epoch;
    const write = writeItems(this.link.pool, batch)
      .then(() => {
        this.written += batch.length;
      })
      .catch((error: unknown) => {
        if (isUnreachable(error)) this.link.lost(error, since);
        else
          this.options.onWarning(`cannot write the PostgreSQL ledger: ${(error as Error).message}; spooled`);
        this.spool(batch);
      })
      .finally(() => this.writing.delete(write));
    this.writing.add(write);
  }

  private spool(batch: FleetItem[]): void {
    for (const item of batch) this.link.spool({ usage: item });
    this.spooled += batch.length;
  }

  /** Writes what is buffered and waits for every write in flight. */
  async drain(): Promise<void> {
    this.flush();
    while (this.writing.size) await Promise.allSettled([...this.writing]);
  }

  close(): void {
    this.flush();
  }
}
