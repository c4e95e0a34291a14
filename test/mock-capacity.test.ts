import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../src/fakes/mock-server.js';
import { projectConfig } from './helpers/config.js';

/** Four streamed requests at once; each one's time to first token and to its last, ms. */
async function burst(url: string): Promise<{ ttft: number; e2e: number }[]> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'local', maxRetries: 0 });
  return Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const start = performance.now();
      let ttft = 0;
      const stream = await client.chat.completions.create({
        model: 'mixtral:8x7b',
        messages: [{ role: 'user', content: `Explain step ${i} briefly.` }],
        stream: true,
      });
      for await (const chunk of stream)
        if (!ttft && chunk.choices[0]?.delta?.content) ttft = performance.now() - start;
      return { ttft, e2e: performance.now() - start };
    }),
  );
}

describe('the fake server as a capacity-limited local server', () => {
  // Alone: first token after 60 ms, then 40 more at 100 tokens/s (10 ms each): ~460 ms.
  const timing = { 'mixtral:8x7b': { ttftMs: 60, tokensPerSecond: 100, outputTokens: 41 } };

  it('runs at most N sequences, queues the rest in order, and decodes slower with more running', async () => {
    const server = await startMockServer({
      config: projectConfig(),
      timing,
      capacity: { maxConcurrency: 2, slowdownPerSequence: 0.5 },
    });
    try {
      const calls = (await burst(server.url)).sort((a, b) => a.ttft - b.ttft);
      const [first, second, third, fourth] = calls as [
        (typeof calls)[0],
        (typeof calls)[0],
        (typeof calls)[0],
        (typeof calls)[0],
      ];
      // Two run at once, each token 1.5× as long as alone: ~60 + 40 × 15 = 660 ms.
      expect(first.ttft).toBeLessThan(400);
      expect(second.ttft).toBeLessThan(400);
      expect(Math.min(first.e2e, second.e2e)).toBeGreaterThan(560);
      // The other two waited for a slot: their first token comes after the first two finished.
      expect(third.ttft).toBeGreaterThan(Math.min(first.e2e, second.e2e) * 0.9);
      expect(fourth.ttft).toBeGreaterThan(Math.min(first.e2e, second.e2e) * 0.9);
    } finally {
      await server.close();
    }
  });

  it('a request that finds the server idle long enough waits the wake more for its first token; back to back, none', async () => {
    const server = await startMockServer({
      config: projectConfig(),
      timing: { 'mixtral:8x7b': { ttftMs: 20, tokensPerSecond: 1000, outputTokens: 2 } },
      capacity: { maxConcurrency: 1, slowdownPerSequence: 0, wake: { ms: 150, afterMs: 300 } },
    });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'local', maxRetries: 0 });
    const ttft = async (): Promise<number> => {
      const start = performance.now();
      const stream = await client.chat.completions.create({
        model: 'mixtral:8x7b',
        messages: [{ role: 'user', content: 'Say hi.' }],
        stream: true,
      });
      let first = 0;
      for await (const chunk of stream)
        if (!first && chunk.choices[0]?.delta?.content) first = performance.now() - start;
      return first;
    };
    try {
      const fresh = await ttft(); // a fresh server starts cold
      const backToBack = await ttft();
      await new Promise((r) => setTimeout(r, 400));
      const afterIdle = await ttft();
      expect(fresh).toBeGreaterThan(150);
      expect(backToBack).toBeLessThan(120);
      expect(afterIdle).toBeGreaterThan(150);
      expect(afterIdle - backToBack).toBeGreaterThan(100);
    } finally {
      await server.close();
    }
  });

  it('without a capacity limit all four start at once', async () => {
    const server = await startMockServer({ config: projectConfig(), timing });
    try {
      const calls = await burst(server.url);
      for (const call of calls) expect(call.ttft).toBeLessThan(400);
    } finally {
      await server.close();
    }
  });
});
