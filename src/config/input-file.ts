import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { ConfigError } from './config-error.js';

/** Bytes read from the start of a file to tell text from binary. */
const SNIFF_BYTES = 1024;

/**
 * Checks that `file` is a readable regular file of UTF-8 text before a reader opens it, so every way it can
 * be wrong gets its own message naming the file: missing, a directory, a FIFO or device, unreadable, binary
 * (a NUL byte), or not UTF-8 (unless `binary`: a database file). Returns the file's stats (size and mtime, to notice a file that grows while it
 * is read).
 */
export function checkInputFile(file: string, what: string, options: { binary?: boolean } = {}): Stats {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the ${what}: ${reason(error)}.`, file);
  }
  if (stats.isDirectory())
    throw new ConfigError(`${file}: the ${what} is a directory; expected a file.`, file);
  if (stats.isFIFO())
    throw new ConfigError(
      `${file}: the ${what} is a FIFO (named pipe); expected a regular file (write the data to a file first).`,
      file,
    );
  if (!stats.isFile())
    throw new ConfigError(`${file}: the ${what} is not a regular file (a device or socket).`, file);
  if (options.binary) return stats;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the ${what}: ${reason(error)}.`, file);
  }
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const length = readSync(fd, head, 0, SNIFF_BYTES, 0);
    const bytes = head.subarray(0, length);
    const nul = bytes.indexOf(0);
    if (nul >= 0)
      throw new ConfigError(
        `${file}: the ${what} is a binary file (a NUL byte at offset ${nul}); expected UTF-8 text.`,
        file,
      );
    const bad = invalidUtf8At(bytes);
    if (bad !== undefined)
      throw new ConfigError(
        `${file}: the ${what} is not UTF-8 text (an invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}); convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8).`,
        file,
      );
  } finally {
    closeSync(fd);
  }
  return stats;
}

/** Throws when the file changed size or time while it was read (a log still being written, say). */
export function checkUnchanged(file: string, what: string, before: Stats): void {
  let after: Stats;
  try {
    after = statSync(file);
  } catch {
    return;
  }
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs)
    throw new ConfigError(
      `${file}: the ${what} changed while it was read (${before.size} bytes when opened, ${after.size} at the end); copy it somewhere stable and run again.`,
      file,
    );
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/**
 * Offset of the first byte that breaks UTF-8 in `bytes`, or undefined. A sequence cut by the end of the
 * sample is not counted as invalid.
 */
function invalidUtf8At(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    if (i + length > bytes.length) return undefined;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}
