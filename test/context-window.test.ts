import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../src/backends/errors.js';
import { createSimulatedBackend } from '../src/backends/simulated/simulated-backend.js';
import { loadConfigFile } from '../src/config/load-config.js';
import { createRouter } from '../src/router/router.js';
import { createVirtualClock } from '../src/core/clock.js';
import { simulate } from '../src/sim/simulate.js';
import { runCli } from './helpers/cli.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { withMock } from './helpers/mock.js';
import { tempDir } from './helpers/temp.js';

const config = loadConfigFile(PROJECT_CONFIG);
const window = (name: string): number => config.models.find((m) => m.name === name)!.contextWindow;

describe('context windows, as a deployment enforces them', () => {
  it('a request longer than a local model’s window skips it, and the reason is recorded', async () => {
    const router = createRouter(config, { backends: createSimulatedBackend({ seed: 3 }) });
    const phi = window('phi3:mini');
    // Fits llama3:8b (8,192) but not phi3:mini (4,096) once the 512 output tokens it may write are added.
    const inputTokens = phi - 512 + 1;
    const result = await router.route({ action: 'tag', prompt: 'Tag this.', inputTokens, maxTokens: 512 });
    expect(result.tier).toBe('LOCAL_FAST');
    expect(result.attempts[0]!.model).toBe('llama3:8b');
    expect(result.skippedForContext).toEqual([
      { model: 'phi3:mini', tier: 'LOCAL_FAST', window: phi, needed: inputTokens + 512 },
    ]);
    expect(result.reason).toContain(
      `phi3:mini skipped: ${inputTokens + 512} tokens (input + max output) > its ${phi}-token window`,
    );
    // One token shorter, it fits.
    const fits = await router.route({
      action: 'tag',
      prompt: 'Tag this.',
      inputTokens: inputTokens - 1,
      maxTokens: 512,
    });
    expect(fits.attempts[0]!.model).toBe('phi3:mini');
    expect(fits.skippedForContext).toBeUndefined();
  });

  it('the simulated backend refuses an overlong request as an OpenAI-compatible server does', async () => {
    const backend = createSimulatedBackend({ seed: 1, clock: createVirtualClock() });
    const phi = config.models.find((m) => m.name === 'phi3:mini')!;
    const call = backend.doGenerate({
      model: phi,
      prompt: 'x',
      inputTokens: 4000,
      maxTokens: 512,
      purpose: 'answer',
      requestId: 'r',
      step: 0,
      complexity: 'SIMPLE',
      expects: 'text',
      request: { prompt: 'x' },
    });
    await expect(call).rejects.toBeInstanceOf(BadRequestError);
    await expect(call).rejects.toThrow(
      /maximum context length is 4096 tokens\. However, you requested 4512 tokens/,
    );
  });

  it('the fake OpenAI server refuses it too, in the API’s own error format, through the official client', async () => {
    const { server, config: mocked } = await withMock();
    try {
      const phi = mocked.models.find((m) => m.name === 'phi3:mini')!;
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
      const error = await client.chat.completions
        .create({
          model: phi.model,
          messages: [{ role: 'user', content: 'word '.repeat(3600) }],
          max_tokens: 1024,
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
      expect(String((error as Error).message)).toMatch(/maximum context length is 4096 tokens/);
    } finally {
      await server.close();
    }
  });

  it('a replay counts the requests that skipped a model and those no local model could take', async () => {
    const dir = tempDir();
    const file = join(dir, 'long.csv');
    // 1,000 tokens fit everything; 6,000 skip phi3:mini (4,096); 40,000 fit no local model (32,768 at most)
    // and go to the API after skipping all four of them.
    writeFileSync(
      file,
      'timestamp,action,input_tokens,output_tokens\n2026-03-01T10:00:00Z,tag,1000,50\n2026-03-01T10:01:00Z,tag,6000,50\n2026-03-01T10:02:00Z,tag,40000,50\n',
    );
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file },
      out: false,
      parallel: false,
    });
    expect(summary.hybrid.contextSkips).toEqual({
      requests: 2,
      noLocalModel: 1,
      byModel: { 'phi3:mini': 2, 'llama3:8b': 1, 'mixtral:8x7b': 1, 'codestral:22b': 1 },
    });
    expect(summary.baseline.contextSkips.requests).toBe(0);
    const { code, stdout } = await runCli(['simulate', '--workload', file, '--no-write']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /CONTEXT {2}2 request\(s\) \(66\.7%\) did not fit a model's context window .*phi3:mini ×2.* 1 fitted no local model of their chain and went to the API\./,
    );
  });
});
