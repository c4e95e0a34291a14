import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFidelity, runFidelity } from '../bench/capacity-fidelity.js';
import { startCliMock, type CliMock } from './helpers/cli-mock.js';
import { tempDir } from './helpers/temp.js';

/** Four sequences at once, each 30% slower per extra one; alone, 20 ms to the first token, then 200 tokens/s. */
const MOCK = [
  '--max-concurrency',
  '4',
  '--batch-slowdown',
  '0.3',
  '--ttft',
  'mixtral:8x7b=20',
  '--tps',
  'mixtral:8x7b=200',
  '--output-tokens',
  'mixtral:8x7b=40',
];
const ENV = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };

let mock: CliMock | undefined;
afterAll(() => mock?.stop());

describe('capacity fidelity: the simulated queue against a capacity-limited server', () => {
  it('bench --sweep fits a profile; simulated and measured agree within 10% at light and near-saturated load, and both show the overload', async () => {
    const dir = tempDir();
    const config = join(dir, 'fidelity.yaml');
    // Over the shipped config: no self-critique, so mixtral is the only local model a request calls.
    writeFileSync(config, 'router:\n  self_critique: false\n');
    mock = await startCliMock(['--config', config, ...MOCK]);
    const result = await runFidelity({
      dir,
      configFile: config,
      model: 'mixtral:8x7b',
      sweepArgs: [
        '--base-url',
        mock.url,
        '--sweep-steps',
        '1,2,4,8',
        '--sweep-requests',
        '64',
        '--max-tokens',
        '64',
      ],
      realArgs: ['--base-url', mock.url],
      // Alone a call takes ~215 ms; four at once ~390 ms each: about 10 answers a second at most (the sweep's
      // throughput at four sequences). Near saturation is 9 a second.
      levels: [
        { name: 'light', rate: 3, requests: 40 },
        { name: 'near saturation', rate: 9, requests: 200 },
        { name: 'overloaded', rate: 16, requests: 120 },
      ],
      // Reasoning is MODERATE: mixtral.
      header: 'action,input_tokens,output_tokens',
      row: (inputTokens) => `reasoning,${inputTokens},40`,
      env: ENV,
    });
    console.info(formatFidelity(result));
    expect(result.capacity.max_concurrency).toBe(4);
    const within = (simulated: number, measured: number, tolerance: number): void =>
      expect(Math.abs(simulated - measured) / measured).toBeLessThan(tolerance);
    for (const { simulated, measured } of result.levels.slice(0, 2)) {
      within(simulated.throughput, measured.throughput, 0.1);
      within(simulated.ttftP50, measured.ttftP50, 0.1);
      within(simulated.e2eP50, measured.e2eP50, 0.1);
    }
    // Overloaded, both queue: the first token waits several times longer than at light load.
    const [light, , overloaded] = result.levels;
    expect(overloaded!.simulated.ttftP95).toBeGreaterThan(5 * light!.simulated.ttftP95);
    expect(overloaded!.measured.ttftP95).toBeGreaterThan(5 * light!.measured.ttftP95);
  }, 300_000);
});
