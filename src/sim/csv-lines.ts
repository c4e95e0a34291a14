import { Parser, type Options } from 'csv-parse';

/** One CSV record and the line it ends on (1-based; a quoted field may span lines). */
export interface LinedRecord {
  record: string[];
  /** Lines read when the record ended: the line its last field is on. */
  endLine: number;
}

/**
 * A csv-parse stream whose records carry the line they end on, for errors that name it. csv-parse's own
 * `info: true` builds two objects of a dozen fields for every record, which was a tenth of a long recorded
 * simulation's CPU time; this reads the one counter from the parser's documented `info` at the moment the
 * record is pushed, which is when `info.lines` is where that record ends.
 */
class LinedParser extends Parser {
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null);
    return super.push(
      { record: chunk as string[], endLine: this.info.lines } satisfies LinedRecord,
      encoding,
    );
  }
}

/** Parses CSV into arrays of fields with their line numbers. `info`, `columns` and `raw` are not supported. */
export function linedCsvParser(options: Omit<Options, 'info' | 'columns' | 'raw' | 'objname'>): Parser {
  return new LinedParser(options);
}
