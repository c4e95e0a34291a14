import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFidelity, MOCK_SERVER_ARGS, mockFidelity, runFidelity } from '../bench/capacity-fidelity.js';
import { startCliMock, type CliMock } from './helpers/cli-mock.js';
import { tempDir } from './helpers/temp.js';

const ENV = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };

let mock: CliMock | undefined;
afterAll(() => mock?.stop());

describe('capacity fidelity: the simulated queue against a capacity-limited server', () => {
  it('bench --sweep fits a profile; simulated and measured agree within 10% at light and near-saturated load, and both show the overload', async () => {
    const dir = tempDir();
    const config = join(dir, 'fidelity.yaml');
    // Over the shipped config: no self-critique, so mixtral is the only local model a request calls.
    writeFileSync(config, 'router:\n  self_critique: false\n');
    mock = await startCliMock(['--config', config, ...MOCK_SERVER_ARGS]);
    const result = await runFidelity(mockFidelity(dir, config, mock.url, ENV));
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
