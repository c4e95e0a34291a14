import { describe, expect, it } from 'vitest';
import { PromptCache } from '../src/backends/simulated/prompt-cache.js';
import { parseConfig } from '../src/config/load-config.js';
import { priceTokens } from '../src/cost/price-table.js';
import { interval } from '../src/sim/monte-carlo.js';
import { runSimulation } from '../src/sim/run-simulation.js';
import { PROJECT_CONFIG, PROJECT_CONFIG_TEXT } from './helpers/config.js';

const config = parseConfig(PROJECT_CONFIG_TEXT, PROJECT_CONFIG);
const sonnet = config.models.find((m) => m.name === 'claude-sonnet-4-6')!;

describe('Anthropic prompt-cache pricing', () => {
  it('bills reads at 0.1×, 5-minute writes at 1.25× and 1-hour writes at 2× the input price, to 1e-9 USD', () => {
    expect(sonnet.price.inputPerMtok).toBe(3);
    // 10,000 input tokens of which 4,000 read and 2,000 written, and 500 output tokens, by hand:
    // 4,000 × $3 + 4,000 × $0.30 + 2,000 × $3.75 + 500 × $15 = $28,200 per million = $0.0282.
    expect(Math.abs(priceTokens(sonnet.price, 10_000, 500, 4_000, 2_000) - 0.0282)).toBeLessThan(1e-9);
    const hourly = parseConfig(
      PROJECT_CONFIG_TEXT.replace(
        '  - name: claude-sonnet-4-6\n    provider: anthropic\n',
        '  - name: claude-sonnet-4-6\n    provider: anthropic\n    prompt_cache: { ttl: 1h }\n',
      ),
      'hourly.yaml',
    ).models.find((m) => m.name === 'claude-sonnet-4-6')!;
    expect(hourly.promptCache?.ttlMs).toBe(3_600_000);
    // The same call with 1-hour writes: 2,000 × $6 instead of × $3.75 → $0.0327.
    expect(Math.abs(priceTokens(hourly.price, 10_000, 500, 4_000, 2_000) - 0.0327)).toBeLessThan(1e-9);
    // Haiku 4.5 only caches prefixes of 4,096 tokens or more; Sonnet 4.6 from 2,048.
    expect(config.models.find((m) => m.name === 'claude-haiku-4-5')!.promptCache?.minTokens).toBe(4096);
    expect(sonnet.promptCache).toMatchObject({ mode: 'explicit', minTokens: 2048, ttlMs: 300_000 });
    expect(() =>
      parseConfig(
        PROJECT_CONFIG_TEXT.replace(
          '  - name: claude-sonnet-4-6\n    provider: anthropic\n',
          '  - name: claude-sonnet-4-6\n    provider: anthropic\n    prompt_cache: { ttl: 30 }\n',
        ),
        'bad.yaml',
      ),
    ).toThrow(/bad\.yaml:\d+:\d+.*expected '5m' or '1h'/);
  });

  it('reads the live leading blocks, writes the rest, and forgets a block a TTL after its last use', () => {
    const cache = new PromptCache({ mode: 'explicit', ttlMs: 300_000, minTokens: 1024, increment: 1 });
    const system = { id: 'p:agent', tokens: 2000 };
    const h0 = { id: 'agent|s1|0', tokens: 500 };
    expect(cache.use([system], 0)).toEqual({ readTokens: 0, writeTokens: 2000 });
    expect(cache.use([system, h0], 299_999)).toEqual({ readTokens: 2000, writeTokens: 500 });
    // The read at 299,999 refreshed the system block: still alive at 500,000.
    expect(cache.use([system, h0], 500_000)).toEqual({ readTokens: 2500, writeTokens: 0 });
    expect(cache.use([system, h0], 800_000)).toEqual({ readTokens: 0, writeTokens: 2500 });
    // Below the minimum nothing is cached or read.
    expect(cache.use([{ id: 'short', tokens: 1000 }], 800_001)).toEqual({ readTokens: 0, writeTokens: 0 });
    expect(cache.size(2_000_000)).toBe(0);
    // OpenAI: automatic, no write charge, counted from 1,024 in steps of 128.
    const openai = new PromptCache({ mode: 'automatic', ttlMs: 300_000, minTokens: 1024, increment: 128 });
    openai.use([{ id: 'a', tokens: 1500 }], 0);
    expect(
      openai.use(
        [
          { id: 'a', tokens: 1500 },
          { id: 'b', tokens: 10 },
        ],
        1,
      ),
    ).toEqual({
      readTokens: 1024 + 3 * 128,
      writeTokens: 0,
    });
  });
});

/** One action to Sonnet only, sessions of 5 iterations, a fixed count a day spread evenly over the hours. */
function sessionScenario(perDay: number, days: number): string {
  return `name: sessions
iterations_per_day: ${perDay}
days: ${days}
seed: 1
arrival: { pattern: fixed, hourly_weights: [${new Array(24).fill(1).join(', ')}] }
session: { iterations: { mean: 5, sd: 0 }, history_tokens_per_iteration: 500 }
actions:
  orchestration:
    share: 1
    expects: text
    shared_prefix_tokens: 3000
    input_tokens: { mean: 400, sd: 0 }
    output_tokens: { mean: 200, sd: 0 }
faults: {}
`;
}

describe('prompt caching in an agent-session scenario', () => {
  it("the premium model's cache-hit share matches its analytic expectation within the Monte Carlo interval", async () => {
    const perDay = 500;
    const days = 8;
    const seeds = [1, 2, 3, 4, 5, 6];
    const shares: number[] = [];
    for (const seed of seeds) {
      const output = await runSimulation({
        config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
        workload: {
          kind: 'synthetic',
          scenario: { file: 'sessions.yaml', text: sessionScenario(perDay, days) },
        },
        seed,
      });
      const model = output.baseline.stats.byModel['claude-sonnet-4-6']!;
      expect(model.calls).toBe(perDay * days);
      shares.push(model.cachedInputTokens / model.inputTokens);
    }
    // Independent expectation. Iteration k (0–4) sends 3,000 + 500k + 400 tokens; the last call to Sonnet was
    // the request just before, so it reads what that one cached if the gap is under the 5-minute TTL:
    // 3,000 + 500(k − 1) for k ≥ 1, and the shared 3,000 for k = 0. With n arrivals spread uniformly over a
    // day D, a gap exceeds T with probability (1 − T/D)^n; the overnight gap (first of the day) is the sum of
    // two such spacings.
    const T = 300;
    const D = 86_400;
    const p = 1 - (1 - T / D) ** perDay;
    const x = (perDay * T) / D;
    const pFirst = 1 - Math.exp(-x) * (1 + x);
    const sessions = perDay / 5;
    let read = 0;
    let input = 0;
    for (let k = 0; k < 5; k++) {
      input += 3000 + 500 * k + 400;
      const tokens = k === 0 ? 3000 : 3000 + 500 * (k - 1);
      // Of a day's sessions, the first starts after the overnight gap (none before the first day).
      const chance = k === 0 ? ((sessions - 1) * p + ((days - 1) / days) * pFirst) / sessions : p;
      read += chance * tokens;
    }
    const expected = read / input;
    const { low, high } = interval(shares);
    expect(expected).toBeGreaterThan(low);
    expect(expected).toBeLessThan(high);
    // And it is a real effect: most of the input is read from the cache.
    expect(expected).toBeGreaterThan(0.5);
  });
});

describe('a Mooncake-style trace with hash_ids', () => {
  it('gives the premium model the cached-token total an independent prefix-cache computation gives', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./helpers/temp.js');
    // 40 conversations over two hours, each turn resending its growing history (blocks of 512 tokens),
    // timestamps in milliseconds from the start; gaps from seconds to ten minutes, so some entries expire.
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const rows: { timestamp: number; input_length: number; output_length: number; hash_ids: number[] }[] = [];
    const conversations = Array.from({ length: 40 }, (_, c) => ({ id: c, blocks: [] as number[] }));
    let t = 0;
    let nextHash = 1;
    for (let i = 0; i < 600; i++) {
      t += Math.floor(next() * 24_000);
      const conversation = conversations[Math.floor(next() * conversations.length)]!;
      // A shared system prompt (hash ids 1–4) starts every conversation.
      if (conversation.blocks.length === 0) conversation.blocks.push(...[-1, -2, -3, -4]);
      conversation.blocks.push(nextHash++);
      const input = conversation.blocks.length * 512 - Math.floor(next() * 300);
      rows.push({
        timestamp: t,
        input_length: input,
        output_length: 40 + Math.floor(next() * 200),
        hash_ids: conversation.blocks.map((h) => (h < 0 ? -h : h + 10)),
      });
    }
    const dir = tempDir();
    const file = join(dir, 'mooncake.jsonl');
    writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const output = await runSimulation({
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: { kind: 'recorded', file, timeUnit: 'ms' },
      seed: 3,
    });
    const sonnetStats = output.baseline.stats.byModel['claude-sonnet-4-6']!;
    expect(sonnetStats.calls).toBe(rows.length);

    // Independent: Anthropic's rules for Sonnet 4.6 (2,048-token minimum, 5-minute TTL refreshed on use).
    const lastUse = new Map<number, number>();
    let read = 0;
    let written = 0;
    for (const row of rows) {
      const sizes = row.hash_ids
        .map((_, i) => Math.min(512, row.input_length - i * 512))
        .filter((n) => n > 0);
      const prefix = sizes.reduce((a, b) => a + b, 0);
      if (prefix < 2048) continue;
      let hit = 0;
      for (let i = 0; i < sizes.length; i++) {
        const at = lastUse.get(row.hash_ids[i]!);
        if (at === undefined || row.timestamp - at >= 300_000) break;
        hit += sizes[i]!;
      }
      const counted = hit >= 2048 ? hit : 0;
      read += counted;
      written += prefix - counted;
      for (let i = 0; i < sizes.length; i++) lastUse.set(row.hash_ids[i]!, row.timestamp);
    }
    expect(read).toBeGreaterThan(0);
    expect(sonnetStats.cachedInputTokens).toBe(read);
    expect(sonnetStats.cacheWriteTokens).toBe(written);
    // And the bill prices each part at its own rate.
    const price = sonnet.price;
    const independentUsd =
      ((sonnetStats.inputTokens - read - written) * price.inputPerMtok +
        read * price.cachedInputPerMtok +
        written * price.cacheWriteInputPerMtok +
        sonnetStats.outputTokens * price.outputPerMtok) /
      1e6;
    expect(Math.abs(sonnetStats.costUsd - independentUsd)).toBeLessThan(1e-9);
  });
});

describe('a trace that recorded its cache use', () => {
  it('bills the recorded cache reads and writes of each row, and refuses more cached than input tokens', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./helpers/temp.js');
    const dir = tempDir();
    const file = join(dir, 'cached.csv');
    writeFileSync(
      file,
      'timestamp,input_tokens,output_tokens,cache_read_input_tokens,cache_creation_input_tokens\n' +
        '2026-03-01T10:00:00Z,6000,100,0,5000\n2026-03-01T10:01:00Z,6200,120,5000,200\n2026-03-01T10:02:00Z,900,80,,\n',
    );
    const output = await runSimulation({
      config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
      workload: { kind: 'recorded', file },
      seed: 1,
    });
    const model = output.baseline.stats.byModel['claude-sonnet-4-6']!;
    expect(model.cachedInputTokens).toBe(5000);
    expect(model.cacheWriteTokens).toBe(5200);
    // By hand: 1,000 + 1,000 + 900 uncached at $3, 5,000 read at $0.30, 5,200 written at $3.75, 300 out at $15.
    expect(Math.abs(model.costUsd - (2900 * 3 + 5000 * 0.3 + 5200 * 3.75 + 300 * 15) / 1e6)).toBeLessThan(
      1e-9,
    );
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'input_tokens,output_tokens,cached_tokens\n100,10,50\n100,10,500\n');
    await expect(
      runSimulation({
        config: { file: PROJECT_CONFIG, text: PROJECT_CONFIG_TEXT },
        workload: { kind: 'recorded', file: bad },
        seed: 1,
      }),
    ).rejects.toThrow(
      /bad\.csv:3:3: column 'cached_tokens' \(cached_tokens\)|bad\.csv:3:3: cached_tokens: 500 cached/,
    );
  });
});
