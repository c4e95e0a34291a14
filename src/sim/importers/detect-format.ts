import { statSync } from 'node:fs';
import { ConfigError } from '../../config/config-error.js';
import type { Importer, ImportFormat } from './imported-row.js';
import { langfuseImporter } from './langfuse.js';
import { ledgerImporter } from './ledger.js';
import { liteLlmImporter } from './litellm.js';
import { openAiBatchImporter } from './openai-batch.js';
import { otelImporter } from './otel.js';
import { readHead } from './json-records.js';

/** Every log format, in the order detection tries them (the most specific signatures first). */
export const IMPORTERS: readonly Importer[] = [
  ledgerImporter,
  otelImporter,
  openAiBatchImporter,
  liteLlmImporter,
  langfuseImporter,
];

/**
 * The importer for a workload file: the one `--format` names, else the first whose signature the file's
 * first bytes carry; undefined for a plain CSV or JSON-lines workload.
 */
export function importerFor(file: string, format?: string): Importer | undefined {
  if (format === 'csv' || format === 'jsonl') return undefined;
  if (format) {
    const named = IMPORTERS.find((i) => i.name === (format as ImportFormat));
    if (!named)
      throw new ConfigError(
        `--format ${format}: expected csv, jsonl or a log format: ${IMPORTERS.map((i) => i.name).join(', ')}.`,
      );
    return named;
  }
  const head = readHead(file);
  return IMPORTERS.find((i) => i.detect(head));
}

/** Whether a file starts with SQLite's header (an unreadable or missing one is not: the caller says why). */
export function isSqliteFile(file: string): boolean {
  try {
    // Only a regular file is opened here: opening a FIFO would wait for a writer.
    return statSync(file).isFile() && readHead(file).startsWith('SQLite format 3\u0000');
  } catch {
    return false;
  }
}
