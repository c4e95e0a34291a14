import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouteRequest } from '../src/router/types.js';
import { ReplayBuffer } from '../src/sim/replay-buffer.js';
import { materialise } from '../src/sim/run-spec.js';
import { emptyReadStats, recordedWorkload } from '../src/sim/recorded-workload.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

async function collect(read: AsyncIterable<RouteRequest> | Iterable<RouteRequest>): Promise<RouteRequest[]> {
  const out: RouteRequest[] = [];
  for await (const request of read) out.push(request);
  return out;
}

/** Each request as JSON: equal text means equal values and the same keys in the same order. */
const texts = (requests: readonly RouteRequest[]): string[] => requests.map((r) => JSON.stringify(r));

function csv(content: string): string {
  const path = join(tempDir(), 'workload.csv');
  writeFileSync(path, content);
  return path;
}

describe('the replay buffer', () => {
  it('replays a read key for key: column rows, rows with text and prefix blocks, sorted ids', async () => {
    const requests: RouteRequest[] = [
      { id: 'row1', prompt: '', inputTokens: 120, arrivalMs: 1_767_225_600_000.5, action: 'tag' },
      { id: 'row2', prompt: '', inputTokens: 0, arrivalMs: 1_767_225_601_000, outputTokens: 0 },
      { id: 'row3', prompt: 'Extract the total.', inputTokens: 9, arrivalMs: 1_767_225_602_000 },
      {
        id: 'row4',
        prompt: '',
        inputTokens: 1024,
        arrivalMs: 1_767_225_603_000,
        prefixBlocks: [{ id: 'h1', tokens: 512 }],
      },
      // A sorted replay's ids are out of position; an id of another shape is kept as it is.
      {
        id: 'row9',
        prompt: '',
        inputTokens: 7,
        arrivalMs: 1_767_225_604_000,
        action: 'tag',
        outputTokens: 3,
      },
      { id: 'req-6', prompt: '', inputTokens: 7, arrivalMs: 1_767_225_605_000 },
      { id: 'row7', prompt: '', inputTokens: 7, arrivalMs: 1_767_225_606_000, action: 'classification' },
    ];
    const buffer = new ReplayBuffer();
    // The recording pass yields the very requests it was given.
    const first = await collect(buffer.record(requests));
    expect(first).toEqual(requests);
    expect(buffer.complete).toBe(true);
    expect(buffer.length).toBe(7);
    const again = [...buffer.replay()];
    expect(texts(again)).toEqual(texts(requests));
    // Fresh objects each replay: a pass cannot change what the next one routes.
    expect(again[0]).not.toBe(requests[0]);
    again[2]!.prompt = 'changed';
    expect([...buffer.replay()][2]!.prompt).toBe('Extract the total.');
  });

  it('replays more rows than a column chunk holds, in order', async () => {
    const requests: RouteRequest[] = Array.from({ length: 150_000 }, (_, i) => ({
      id: `row${i + 1}`,
      prompt: '',
      inputTokens: (i * 7919) % 1500,
      arrivalMs: 1_767_225_600_000 + i * 250,
      ...(i % 3 ? { action: ['tag', 'edit_file'][i % 2]! } : {}),
      ...(i % 5 ? { outputTokens: i % 500 } : {}),
    }));
    const buffer = new ReplayBuffer();
    await collect(buffer.record(requests));
    const again = [...buffer.replay()];
    expect(again.length).toBe(requests.length);
    expect(texts(again)).toEqual(texts(requests));
  });

  it('records nothing from a read stopped early, and records the next whole read', async () => {
    const requests: RouteRequest[] = [1, 2, 3].map((n) => ({
      id: `row${n}`,
      prompt: '',
      inputTokens: n,
      arrivalMs: n * 1000,
    }));
    const buffer = new ReplayBuffer();
    for await (const request of buffer.record(requests)) if (request.id === 'row2') break;
    expect(buffer.complete).toBe(false);
    expect(() => [...buffer.replay()]).toThrow(/no complete read/);
    await collect(buffer.record(requests));
    expect(buffer.complete).toBe(true);
    expect(texts([...buffer.replay()])).toEqual(texts(requests));
  });

  it('gives up past its memory bound and lets every later read through untouched', async () => {
    const requests: RouteRequest[] = Array.from({ length: 70_000 }, (_, i) => ({
      id: `row${i + 1}`,
      prompt: '',
      inputTokens: 10,
      arrivalMs: i,
    }));
    // One column chunk (65,536 rows) fits; the second does not.
    const buffer = new ReplayBuffer(65_536 * 18 + 1000);
    expect((await collect(buffer.record(requests))).length).toBe(70_000);
    expect(buffer.complete).toBe(false);
    const read = requests.slice(0, 2);
    expect(buffer.record(read)).toBe(read);
  });

  it('lets a simulation read the file once: later passes route from memory', async () => {
    const path = csv(
      'timestamp,action,prompt,input_tokens,output_tokens\n' +
        '2026-01-01T00:00:00Z,tag,,120,8\n' +
        '2026-01-01T00:00:01Z,edit_file,"Rename the function.",900,\n' +
        '2026-01-01T00:00:02Z,,,300,40\n',
    );
    const run = materialise({
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: { kind: 'recorded', file: path },
      seed: 1,
    });
    const stats = emptyReadStats();
    const fromFile = await collect(recordedWorkload({ file: path }, stats));
    const first = await collect(run.workload());
    expect(texts(first)).toEqual(texts(fromFile));
    expect(run.readStats.rows).toBe(3);
    // The file is gone: a second pass that read it would fail.
    rmSync(path);
    const second = run.workload();
    expect(Symbol.iterator in second).toBe(true);
    expect(texts(await collect(second))).toEqual(texts(fromFile));
    // The counts still describe the one read, and every pass is counted.
    expect(run.readStats.rows).toBe(3);
    expect(run.readStats.textRows).toBe(1);
    expect(run.workloadReads.count).toBe(2);
  });
});
