import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { checkInputFile } from '../config/input-file.js';
import { ConfigError } from '../config/config-error.js';

/**
 * A model's recorded answers keyed by the prompt they answered, for a mock server that answers as that model
 * did: a CSV with a `prompt` column and the source's answers in `SOURCE_response` (RouteLLM's wide layout, as
 * in ../shared/datasets/routellm-gsm8k) or `SOURCE`.
 */
export async function loadRecordedReplies(file: string, source: string): Promise<Map<string, string>> {
  checkInputFile(file, 'recorded answers');
  const replies = new Map<string, string>();
  let header: string[] | undefined;
  let promptAt = -1;
  let textAt = -1;
  for await (const record of createReadStream(file).pipe(
    parse({ bom: true, relax_column_count: true }),
  ) as AsyncIterable<string[]>) {
    if (!header) {
      header = record;
      promptAt = header.indexOf('prompt');
      textAt = header.indexOf(`${source}_response`);
      if (textAt < 0) textAt = header.indexOf(source);
      if (promptAt < 0 || textAt < 0)
        throw new ConfigError(
          `${file}:1: expected a prompt column and ${source}_response (or ${source}) with that source's answers; the header has: ${header.join(', ')}.`,
          file,
          1,
        );
      continue;
    }
    const prompt = record[promptAt]?.trim();
    const text = record[textAt];
    if (prompt && text !== undefined && text !== '') replies.set(prompt, text);
  }
  return replies;
}
