import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { compareCosts } from '../src/cost/cost-model.js';
import { HARDWARE_CATALOGUE } from '../src/cost/hardware-catalogue.js';
import { runSimulation } from '../src/sim/run-simulation.js';
import { readFileSync } from 'node:fs';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';

const withHardware = (hardware: string): string =>
  PROJECT_CONFIG_TEXT.replace(
    / {2}hardware:\n {4}- name: studio\n {6}catalogue: apple-96gb[^\n]*\n/,
    `  hardware:\n${hardware}`,
  );

describe('hardware as line items', () => {
  it('the shipped placement fits, and its fixed cost is the catalogue price over its amortisation plus ops time', () => {
    const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
    const studio = config.localCosts.hardware.find((h) => h.name === 'studio')!;
    expect(studio.models.map((m) => m.name)).toEqual([
      'phi3:mini',
      'llama3:8b',
      'mixtral:8x7b',
      'codestral:22b',
    ]);
    // Mixtral: 26 GB of weights + 32,768 tokens × 32 layers × 8 KV heads × 128 × 4 bytes = 4 GiB of KV cache.
    expect(studio.models.find((m) => m.name === 'mixtral:8x7b')!.residentGb).toBeCloseTo(30, 9);
    const apple = HARDWARE_CATALOGUE['apple-96gb']!;
    expect(studio.usdPerMonth).toBeCloseTo(apple.purchaseUsd! / apple.amortisationMonths!, 9);
    expect(config.localCosts.fixedUsdPerMonth).toBeCloseTo(3999 / 36 + 1 * 100, 9);
    // A placed model draws its machine's busy watts above idle; idle energy is counted all day.
    expect(config.models.find((m) => m.name === 'mixtral:8x7b')!.watts).toBe(
      apple.busyWatts - apple.idleWatts,
    );
    expect(config.localCosts.idleKwhPerDay).toBeCloseTo((apple.idleWatts * 24) / 1000, 9);
  });

  it('a placement that does not fit is refused with file:line', () => {
    const text = withHardware('    - name: small\n      catalogue: consumer-24gb\n').replaceAll(
      'hardware: studio',
      'hardware: small',
    );
    expect(() => parseConfig(text, 'small.yaml')).toThrow(
      /small\.yaml:\d+:\d+: .*the models placed on 'small' do not fit: .*mixtral:8x7b 30\.0 GB \(26 weights \+ 4\.0 KV cache\).* need \d+\.\d GB, and it has 24 GB/,
    );
    const lines = text.split('\n');
    const message = (() => {
      try {
        parseConfig(text, 'small.yaml');
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    // The line named is the placement that overflowed (mixtral's `hardware: small`).
    const line = Number(/small\.yaml:(\d+):/.exec(message)![1]);
    expect(lines[line - 1]).toContain('hardware: small');
    expect(
      lines
        .slice(0, line)
        .reverse()
        .find((l) => l.startsWith('  - name:')),
    ).toContain('mixtral:8x7b');
    expect(() => parseConfig(withHardware('    - name: x\n      catalogue: nope\n'), 'x.yaml')).toThrow(
      /x\.yaml:\d+:\d+: .*no catalogue entry 'nope'/,
    );
    expect(() => parseConfig(withHardware('    - name: x\n      gpu_memory_gb: 80\n'), 'x.yaml')).toThrow(
      /x\.yaml:\d+:\d+: .*hardware 'x' has no cost/,
    );
  });

  it('all-in counts idle energy for every hour the machine is on, and each item once per month', async () => {
    const scenario = new URL('../scenarios/light.yaml', import.meta.url).pathname;
    const output = await runSimulation({
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: {
        kind: 'synthetic',
        scenario: { file: scenario, text: readFileSync(scenario, 'utf8') },
        days: 30,
      },
      seed: 2,
    });
    const config = output.run.config;
    const c = compareCosts(output.hybrid.stats, output.baseline.stats, config, 30);
    const idleKwh = config.localCosts.idleKwhPerDay * 30;
    let busyKwh = 0;
    for (const [name, model] of Object.entries(output.hybrid.stats.byModel))
      busyKwh += ((config.models.find((m) => m.name === name)?.watts ?? 0) * model.busyMs) / 3.6e9;
    expect(c.energyKwh).toBeCloseTo(idleKwh + busyKwh, 9);
    expect(c.hybrid.idleEnergyUsd).toBeCloseTo(idleKwh * 0.15, 9);
    // Idle dominates at light load: a machine on all month is not free when nobody calls it.
    expect(idleKwh).toBeGreaterThan(busyKwh);
    expect(c.hybrid.fixedUsd).toBeCloseTo((3999 / 36 + 100) * (30 / (365 / 12)), 9);
  });
});
