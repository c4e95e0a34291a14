import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** Bytes buffered before a write: few system calls, bounded memory. */
const FLUSH_BYTES = 1 << 20;

/** Appends JSON lines to a file through a buffer; synchronous writes keep ordering and memory simple. */
export class JsonlWriter {
  private readonly fd: number;
  private position = 0;
  private buffer: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(row: unknown): void {
    const line = JSON.stringify(row);
    this.buffer.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    // At an explicit position: after `restart` the file starts again at 0.
    this.position += writeSync(this.fd, `${this.buffer.join('\n')}\n`, this.position, 'utf8');
    this.buffer = [];
    this.size = 0;
  }

  /** Drops every line written so far: the file starts again, empty. */
  restart(): void {
    this.buffer = [];
    this.size = 0;
    this.lines = 0;
    ftruncateSync(this.fd, 0);
    this.position = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
