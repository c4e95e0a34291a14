import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A run folder written under a temporary name and renamed into place only when complete, so a failed or
 * interrupted run leaves nothing half-written behind.
 */
export class RunFolder {
  readonly partial: string;
  private finished = false;

  constructor(
    readonly outDir: string,
    readonly runId: string,
  ) {
    mkdirSync(outDir, { recursive: true });
    this.partial = join(outDir, `.${runId}.partial-${process.pid}`);
    rmSync(this.partial, { recursive: true, force: true });
    mkdirSync(this.partial);
  }

  path(name: string): string {
    return join(this.partial, name);
  }

  write(name: string, content: string): void {
    writeFileSync(this.path(name), content);
  }

  /** Moves the folder into place; returns its final path (suffixed when the name is taken). */
  commit(): string {
    let target = join(this.outDir, this.runId);
    for (let n = 2; existsSync(target); n++) target = join(this.outDir, `${this.runId}-${n}`);
    renameSync(this.partial, target);
    this.finished = true;
    return target;
  }

  /** Removes the partial folder (after a failure). */
  discard(): void {
    if (!this.finished) rmSync(this.partial, { recursive: true, force: true });
  }
}

/** A sortable, readable run id: `20261124-221346-heavy-s33`. */
export function runId(name: string, seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${name}-s${seed}`;
}
