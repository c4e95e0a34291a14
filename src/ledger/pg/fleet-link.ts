import { appendFileSync, existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { isUnreachable, type PgPool } from './pg-ledger-db.js';
import { writeItems, type FleetItem } from './pg-rows.js';

/** A settlement made while the database was unreachable, replayed (once) when it is back. */
export interface SpooledSettlement {
  id: string;
  windows: string[];
  usd: number;
}

type SpoolLine = { usage: FleetItem } | { settle: SpooledSettlement };

export interface FleetLinkOptions {
  spoolPath: string;
  onWarning: (message: string) => void;
  /** How often an unreachable database is tried again, ms. @default 1000 */
  retryEveryMs?: number;
  /** Called when the database is back and the spool replayed, before the link counts as online. */
  onReconnect?: () => void | Promise<void>;
  /** What the instance goes on with while the database is away, for the warning (e.g. its lease). */
  describeOutage?: () => string;
}

/** What a replay wrote. */
export interface ReplayCount {
  requests: number;
  attemptsAdded: number;
  settlements: number;
}

/** Replays a spool file into the database: usage rows and settlements, each idempotent. */
export async function replaySpoolFile(pool: PgPool, file: string): Promise<ReplayCount> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const count: ReplayCount = { requests: 0, attemptsAdded: 0, settlements: 0 };
  let batch: FleetItem[] = [];
  let settlements: SpooledSettlement[] = [];
  const write = async (): Promise<void> => {
    count.attemptsAdded += await writeItems(pool, batch);
    count.requests += batch.length;
    batch = [];
  };
  const settle = async (): Promise<void> => {
    if (settlements.length)
      await pool.query('SELECT hybridllm_settle($1, $2, $3)', [
        settlements.map((l) => l.id),
        settlements.map((l) => l.windows.join('|')),
        settlements.map((l) => l.usd),
      ]);
    count.settlements += settlements.length;
    settlements = [];
  };
  for (const [i, text] of lines.entries()) {
    if (!text.trim()) continue;
    let line: SpoolLine;
    try {
      line = JSON.parse(text) as SpoolLine;
    } catch {
      // A line cut short by a crash mid-write: everything before it stands.
      if (i === lines.length - 1 || lines.slice(i + 1).every((l) => !l.trim())) break;
      throw new Error(`${file}:${i + 1}: not a spool line (invalid JSON)`);
    }
    if ('usage' in line) {
      batch.push(line.usage);
      if (batch.length >= 500) await write();
    } else if ('settle' in line) {
      settlements.push(line.settle);
      if (settlements.length >= 500) await settle();
    }
  }
  await write();
  await settle();
  return count;
}

/**
 * The link between one instance and the shared PostgreSQL ledger. While the database answers, the ledger
 * and the budget go straight to it. When it stops answering, they spool to a local JSONL file (written
 * synchronously, so a crash loses nothing already handed over) and the link tries the database again every
 * second; once it answers, the spool is replayed — usage rows and settlements are idempotent by request
 * id and step, and by reservation id, so a replay interrupted and run again adds nothing twice.
 */
export class FleetLink {
  online = true;
  /**
   * Outages ended so far. An operation notes it when it starts, and its failure marks the database lost
   * only if no reconnection happened since (a query cut by the last outage is not a new one).
   */
  epoch = 0;
  /** Set while the database is back and the spool is being replayed: work waits for it, not the spool. */
  reconnecting: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private closed = false;
  /** Rows and settlements spooled since the link went down. */
  spooled = 0;
  private readonly replaying: string;
  private lastFailure = '';

  constructor(
    readonly pool: PgPool,
    private readonly options: FleetLinkOptions,
  ) {
    this.replaying = `${options.spoolPath}.replaying`;
    this.timer = setInterval(() => void this.tick(), options.retryEveryMs ?? 1000);
    this.timer.unref();
  }

  get spoolPath(): string {
    return this.options.spoolPath;
  }

  /** Appends usage or a settlement to the spool. */
  spool(line: SpoolLine): void {
    appendFileSync(this.options.spoolPath, `${JSON.stringify(line)}\n`);
    this.spooled++;
  }

  /**
   * Marks the database unreachable (once per outage, with one warning). `since` is the epoch the failed
   * operation started in: a failure from before the last reconnection says nothing about now.
   */
  lost(error: unknown, since = this.epoch): void {
    if (!this.online || this.closed || since !== this.epoch) return;
    this.online = false;
    this.spooled = 0;
    this.options.onWarning(
      `the PostgreSQL ledger is unreachable (${(error as Error).message || (error as { code?: string }).code}); usage is spooled to ${this.options.spoolPath} and ${this.options.describeOutage?.() ?? 'the budget held locally'} until it is back`,
    );
  }

  private async tick(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      if (!this.online) await this.reconnect();
      else if (existsSync(this.options.spoolPath) || existsSync(this.replaying)) await this.replayPending();
    } catch (error) {
      // Still unreachable (or lost again mid-replay): the files stay, and the next tick tries again. Any
      // other failure is said once per message, since it will not pass by waiting.
      const message = (error as Error).message ?? String(error);
      if (!isUnreachable(error) && message !== this.lastFailure) {
        this.lastFailure = message;
        this.options.onWarning(
          `replaying ${this.options.spoolPath} failed: ${message}; it stays for the next try`,
        );
      }
    } finally {
      this.busy = false;
    }
  }

  /**
   * The database answers again: the spool is replayed before the link counts as online (the fleet's spend
   * includes ours first). Meanwhile `reconnecting` is set, so that no budget is taken locally while the
   * database is there to be asked.
   */
  private async reconnect(): Promise<void> {
    await this.pool.query('SELECT 1');
    let done!: () => void;
    this.reconnecting = new Promise<void>((resolve) => (done = resolve));
    try {
      await this.replayPending();
      const spooled = this.spooled;
      await this.options.onReconnect?.();
      this.epoch++;
      this.online = true;
      // Anything spooled after the replay started is moved aside in this same tick, so no writer appends
      // to it again (they now see the link online), and replayed next.
      await this.replayPending();
      this.options.onWarning(
        `the PostgreSQL ledger is back; ${spooled} spooled row(s) and settlement(s) replayed into it`,
      );
    } finally {
      this.reconnecting = undefined;
      done();
    }
  }

  /**
   * Replays a spool left from before (a crash, or the previous outage) and the current one. The spool is
   * renamed first (synchronously), so writers start a new one and nothing is appended to a file being read.
   */
  private async replayPending(): Promise<void> {
    if (existsSync(this.replaying)) {
      await replaySpoolFile(this.pool, this.replaying);
      unlinkSync(this.replaying);
    }
    if (existsSync(this.options.spoolPath)) {
      renameSync(this.options.spoolPath, this.replaying);
      await replaySpoolFile(this.pool, this.replaying);
      unlinkSync(this.replaying);
    }
  }

  /** One last replay attempt when the database answers; the spool stays on disk when it does not. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    try {
      if (this.online) await this.replayPending();
    } catch {
      // kept on disk: the next start replays it
    }
  }
}
