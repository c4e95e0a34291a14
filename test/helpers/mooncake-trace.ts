import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/rng.js';

/**
 * Writes a trace in the layout of Mooncake's published traces (kvcache-ai/Mooncake, `mooncake_trace.jsonl`:
 * one JSON object a line with `timestamp` in ms from the trace's start, `input_length`, `output_length` and
 * `hash_ids`, the 512-token prefix blocks a request shares with earlier ones), generated from a seed: long
 * inputs whose leading blocks are shared by the requests of one conversation.
 */
export function writeMooncakeTrace(
  dir: string,
  options: {
    requests: number;
    perSecond: number;
    seed?: number;
    inputTokens?: number;
    outputTokens?: number;
  },
): string {
  const random = createRng(options.seed ?? 7);
  const rng = { next: random };
  const lines: string[] = [];
  let t = 0;
  let nextBlock = 0;
  const conversations: number[][] = [];
  for (let i = 0; i < options.requests; i++) {
    t += -Math.log(1 - rng.next()) * (1000 / options.perSecond);
    const input = Math.round((options.inputTokens ?? 2500) * (0.6 + 0.8 * rng.next()));
    const blocks = Math.ceil(input / 512);
    // Half the requests go on an earlier conversation: they share its leading blocks.
    const earlier =
      conversations.length && rng.next() < 0.5
        ? conversations[Math.floor(rng.next() * conversations.length)]
        : undefined;
    const hashIds: number[] = [];
    for (let b = 0; b < blocks; b++)
      hashIds.push(earlier && b < earlier.length - 1 ? earlier[b]! : nextBlock++);
    if (!earlier) conversations.push(hashIds);
    const output = Math.max(1, Math.round((options.outputTokens ?? 300) * (0.5 + rng.next())));
    lines.push(
      JSON.stringify({
        timestamp: Math.round(t),
        input_length: input,
        output_length: output,
        hash_ids: hashIds,
      }),
    );
  }
  const file = join(dir, 'mooncake_trace.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
