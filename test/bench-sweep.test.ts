import { describe, expect, it } from 'vitest';
import { sweep } from '../src/bench/sweep.js';
import { loadTasks } from '../src/bench/tasks.js';
import { loadProfileFile } from '../src/bench/profile.js';
import { withEndpoint } from '../src/config/endpoint-override.js';
import { startMockServer } from '../src/fakes/mock-server.js';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { projectConfig } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

describe('bench --sweep', () => {
  it('measures a capacity-limited server across load and fits its capacity profile', async () => {
    const config = projectConfig();
    // Alone: first token after 20 ms, then 20 more at 100 tokens/s. Four sequences at once, each 30% slower
    // per extra one running. After 300 ms idle, 50 ms more to the first token.
    const server = await startMockServer({
      config,
      timing: { 'mixtral:8x7b': { ttftMs: 20, tokensPerSecond: 100, outputTokens: 21 } },
      capacity: { maxConcurrency: 4, slowdownPerSequence: 0.3, wake: { ms: 50, afterMs: 300 } },
    });
    try {
      const mocked = withEndpoint(config, server.url);
      const outDir = tempDir();
      const result = await sweep({
        config: mocked,
        configFile: 'llm_config.yaml',
        model: mocked.models.find((m) => m.name === 'mixtral:8x7b')!,
        tasks: loadTasks().filter((t) => t.action === 'tag'),
        steps: [1, 2, 4, 8],
        requestsPerStep: (c) => Math.max(8, 4 * c),
        maxTokens: 64,
        outDir,
        slo: { ttftMs: 1000 },
        idleRequests: 24,
      });
      const at = (c: number) => result.steps.find((s) => s.concurrency === c)!;
      expect(result.steps.map((s) => s.concurrency)).toEqual([1, 2, 4, 8]);
      expect(result.steps.every((s) => s.errors === 0)).toBe(true);
      // Throughput grows to four sequences, then the queue holds it flat, and the wait shows in TTFT.
      expect(at(4).requestsPerS).toBeGreaterThan(at(1).requestsPerS * 1.8);
      expect(at(8).requestsPerS).toBeLessThan(at(4).requestsPerS * 1.05);
      expect(at(8).ttftMs.p95).toBeGreaterThan(at(4).ttftMs.p95 + 150);
      expect(result.stopped).toMatch(/throughput stopped growing at concurrency 8/);
      // The fitted profile: four sequences; decode ~100 tokens/s alone, slower as more run.
      expect(result.capacity.max_concurrency).toBe(4);
      const decode = result.capacity.decode;
      expect(decode.map((p) => p.sequences)).toEqual([1, 2, 4]);
      expect(decode[0]!.tokens_per_s).toBeGreaterThan(75);
      expect(decode[0]!.tokens_per_s).toBeLessThan(115);
      expect(decode[2]!.tokens_per_s).toBeLessThan(decode[0]!.tokens_per_s * 0.75);
      // The idle probe: 24 requests one at a time after idle times from ~22 ms to ~2.2 s, shown in three
      // groups. The shortest-idle group never meets a cold server, the longest always does, and pays ~50 ms.
      expect(result.idle!.requests).toBe(24);
      expect(result.idle!.points).toHaveLength(3);
      expect(result.idle!.points[0]!.coldShare).toBe(0);
      expect(result.idle!.points[2]!.coldShare).toBe(1);
      // The wake curve is one step, between two neighbouring idle times around 300 ms: none cold up to the
      // one, all from the other.
      const wake = result.capacity.wake!;
      expect(wake.map((p) => p.share)).toEqual([0, 0, 1, 1]);
      expect(wake[0]!.idle_ms).toBeLessThan(100);
      expect(wake[1]!.idle_ms).toBeLessThanOrEqual(300);
      expect(wake[2]!.idle_ms).toBeGreaterThan(200);
      expect(wake[2]!.idle_ms / wake[1]!.idle_ms).toBeLessThan(1.3);
      expect(wake[3]!.idle_ms).toBeGreaterThan(1500);
      for (const p of wake) {
        expect(p.ms).toBeGreaterThan(40);
        expect(p.ms).toBeLessThan(60);
      }
      // profiles.yaml carries it, and simulate --profiles reads it.
      const profiles = loadProfileFile(join(outDir, 'profiles.yaml'));
      expect(profiles.models['mixtral:8x7b']!.capacity!.max_concurrency).toBe(4);
      const html = readFileSync(join(outDir, 'sweep.html'), 'utf8');
      expect(html).toContain('data-chart="sweep"');
      expect(html).not.toMatch(/<script|src="http/);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe('bench --sweep against a server that answers nothing', () => {
  it('stops at the first level with the first error, writing no profile', async () => {
    const config = projectConfig();
    // A port nothing listens on: every request is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = withEndpoint(config, `http://127.0.0.1:${port}`);
    const outDir = tempDir();
    await expect(
      sweep({
        config: down,
        configFile: 'llm_config.yaml',
        model: down.models.find((m) => m.name === 'mixtral:8x7b')!,
        tasks: loadTasks().filter((t) => t.action === 'tag'),
        steps: [1, 2, 4],
        requestsPerStep: () => 4,
        outDir,
      }),
    ).rejects.toThrow(
      /every request at concurrency 1 failed \(the first: ConnectionError: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused\); nothing measured to fit a profile from/,
    );
    expect(existsSync(join(outDir, 'profiles.yaml'))).toBe(false);
    expect(existsSync(join(outDir, 'concurrency-2'))).toBe(false);
    expect(existsSync(join(outDir, 'concurrency-1', 'results.jsonl'))).toBe(true);
  });
});
