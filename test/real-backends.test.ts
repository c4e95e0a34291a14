import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GenerateCall, GenerateResult } from '../src/backends/backend.js';
import { createRealBackends } from '../src/backends/real-backends.js';
import type { ModelConfig, RouterConfig } from '../src/config/router-config.js';
import type { MockServer } from '../src/fakes/mock-server.js';
import type { FaultKind } from '../src/fakes/faults.js';
import { createRouter } from '../src/router/router.js';
import { createRealClock } from '../src/core/clock.js';
import { PLANTED_KEY, TEST_ENV, withMock } from './helpers/mock.js';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function call(model: ModelConfig, overrides: Partial<GenerateCall> = {}): GenerateCall {
  return {
    model,
    request: { prompt: 'x', requiredFields: ['label'] },
    requestId: 'r1',
    complexity: 'SIMPLE',
    expects: 'json',
    purpose: 'answer',
    prompt: 'Classify this ticket',
    maxTokens: 200,
    step: 0,
    ...overrides,
  };
}

function modelOf(config: RouterConfig, name: string, patch: Partial<ModelConfig> = {}): ModelConfig {
  return { ...config.models.find((m) => m.name === name)!, ...patch };
}

const PROVIDERS = [
  ['ollama', 'phi3:mini'],
  ['openai-compatible', 'mixtral:8x7b'],
  ['anthropic', 'claude-sonnet-4-6'],
  ['openai', 'gpt-4o'],
] as const;

describe('real backends through the official clients, against the fake servers', () => {
  for (const stream of [true, false]) {
    for (const [provider, name] of PROVIDERS) {
      it(`${provider}, ${stream ? 'streamed' : 'not streamed'}: text, token counts and TTFT as the server sent them`, async () => {
        const mock = await withMock({
          timing: { [name]: { ttftMs: 40, tokensPerSecond: 500 } },
          timeScale: 1,
        });
        server = mock.server;
        const model = modelOf(
          mock.config,
          name,
          provider === 'openai-compatible'
            ? { provider, endpoint: { baseUrl: `${server.url}/v1` } }
            : { provider },
        );
        const backends = createRealBackends({
          clock: createRealClock(),
          configFile: 'llm_config.yaml',
          env: TEST_ENV,
          stream,
        });
        const result = await backends[provider].doGenerate(call(model));
        expect(JSON.parse(result.text)).toHaveProperty('label');
        expect(result.outputTokens).toBeGreaterThan(0);
        expect(result.inputTokens).toBeGreaterThan(0);
        expect(result.ttftMs).toBeGreaterThanOrEqual(35);
        expect(result.latencyMs).toBeGreaterThanOrEqual(result.ttftMs);
        // The server paces the answer: TTFT, then one token per 2 ms. The total covers both; where the
        // client marks the first token within it depends on when it gets to read that chunk (a cold worker
        // can be a few ms late, then reads the next tokens in a burst), so the decode span is checked loosely.
        const decodeMs = ((result.outputTokens - 1) / 500) * 1000;
        expect(result.latencyMs).toBeGreaterThanOrEqual(35 + decodeMs * 0.9);
        if (stream) expect(result.latencyMs - result.ttftMs).toBeGreaterThan(decodeMs * 0.3);
        const entry = server.log.at(-1)!;
        expect(entry).toMatchObject({ model: model.model, stream, status: 200 });
        if (provider === 'ollama') expect(result.server?.['eval_count']).toBe(result.outputTokens);
      });
    }
  }

  it('maps max tokens to a length finish reason, which the coherence check sees', async () => {
    const mock = await withMock({ timing: { 'claude-sonnet-4-6': { outputTokens: 300 } } });
    server = mock.server;
    const backends = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const result = await backends.anthropic.doGenerate(
      call(modelOf(mock.config, 'claude-sonnet-4-6'), { maxTokens: 50 }),
    );
    expect(result).toMatchObject({ finishReason: 'length', outputTokens: 50 });
  });
});

const FAULTS: [FaultKind, string, 'retry' | 'next'][] = [
  ['rate_limit', 'RateLimitedError', 'retry'],
  ['server_error', 'TransientError', 'retry'],
  ['overloaded', 'TransientError', 'retry'],
  ['reset', 'ConnectionError', 'retry'],
  ['hang', 'TimeoutError', 'retry'],
  ['cut', 'BadResponseError', 'retry'],
  ['malformed', 'BadResponseError', 'retry'],
  ['stream_error', 'TransientError', 'retry'],
  ['not_found', 'ModelNotFoundError', 'next'],
  ['auth', 'AuthError', 'next'],
];

describe('each fault ends in the right error class and router action', () => {
  for (const [name, provider] of [
    ['phi3:mini', 'ollama'],
    ['claude-sonnet-4-6', 'anthropic'],
    ['gpt-4o', 'openai'],
  ] as const) {
    for (const [fault, errorClass, action] of FAULTS) {
      it(`${provider}: ${fault} → ${errorClass} → ${action}`, async () => {
        const mock = await withMock({ faults: { [name]: { script: [fault] } }, retryAfterSeconds: 0.05 });
        server = mock.server;
        const backends = createRealBackends({
          clock: createRealClock(),
          configFile: 'llm_config.yaml',
          env: TEST_ENV,
        });
        // The model under test goes first in the config, so the chain starts with it and has a next model.
        const config = {
          ...mock.config,
          models: [
            ...mock.config.models.filter((m) => m.name === name),
            ...mock.config.models.filter((m) => m.name !== name),
          ],
        };
        const router = createRouter(config, { backends, clock: createRealClock() });
        const request =
          provider === 'ollama'
            ? {
                action: 'classification',
                prompt: 'Label this',
                expects: 'json' as const,
                requiredFields: ['label'],
              }
            : {
                action: 'orchestration',
                prompt: 'Plan this',
                expects: 'json' as const,
                requiredFields: ['plan'],
              };
        const result = await router.route(request);
        const first = result.attempts[0]!;
        expect(first).toMatchObject({ model: name, error: errorClass });
        expect(first.errorMessage).not.toContain(PLANTED_KEY);
        const second = result.attempts[1]!;
        if (action === 'retry') expect(second.model).toBe(name);
        else expect(second.model).not.toBe(name);
        expect(second.error).toBeUndefined();
        // Anthropic and OpenAI send retry-after, which the router honours; Ollama sends none: exponential backoff.
        if (fault === 'rate_limit' && provider !== 'ollama') expect(second.backoffMs).toBe(50);
        if (action === 'retry') expect(second.backoffMs).toBeGreaterThan(0);
        if (fault === 'hang') expect(first.latencyMs).toBeGreaterThanOrEqual(1400);
      });
    }
  }

  it('a slow first token shows in TTFT', async () => {
    const mock = await withMock({
      faults: { 'phi3:mini': { script: ['slow_first_token'] } },
      slowFirstTokenMs: 400,
      timeScale: 1,
      timing: { 'phi3:mini': { ttftMs: 20, tokensPerSecond: 5000 } },
    });
    server = mock.server;
    const backends = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const result = await backends.ollama.doGenerate(call(modelOf(mock.config, 'phi3:mini')));
    expect(result.ttftMs).toBeGreaterThanOrEqual(390);
  });

  it('connection refused is a ConnectionError and the router moves on', async () => {
    const mock = await withMock();
    server = mock.server;
    const dead = {
      ...mock.config,
      models: mock.config.models.map((m) =>
        m.name === 'phi3:mini' ? { ...m, endpoint: { host: 'http://127.0.0.1:9' } } : m,
      ),
    };
    const backends = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const result = await createRouter(dead, { backends, clock: createRealClock() }).route({
      action: 'tag',
      prompt: 'Tag it',
      expects: 'json',
    });
    expect(result.attempts.slice(0, 3).map((a) => a.error)).toEqual([
      'ConnectionError',
      'ConnectionError',
      'ConnectionError',
    ]);
    expect(result.attempts[3]!.model).toBe('llama3:8b');
    expect(result.passed).toBe(true);
    // The message names the server it could not reach.
    expect(result.attempts[0]!.errorMessage).toBe('cannot reach http://127.0.0.1:9: connection refused');
  });

  it('an unreachable server is named without the credentials or query of its URL', async () => {
    const { classifyError } = await import('../src/backends/classify-error.js');
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const error = classifyError(refused, 'm', { endpoint: 'http://user:s3cret@10.0.0.5:8000/v1/?key=abc' });
    expect(error.name).toBe('ConnectionError');
    expect(error.message).toBe('cannot reach http://10.0.0.5:8000/v1: connection refused');
  });

  it('the cooldown skips a failing model for later requests', async () => {
    const mock = await withMock({ faults: { 'phi3:mini': { rates: { server_error: 1 } } } }, (t) =>
      t.replace('router:\n', 'router:\n  cooldown: { failures: 3, seconds: 60 }\n'),
    );
    server = mock.server;
    const backends = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const router = createRouter(mock.config, { backends, clock: createRealClock() });
    const first = await router.route({ action: 'tag', prompt: 'Tag it', expects: 'json' });
    expect(first.attempts.filter((a) => a.model === 'phi3:mini')).toHaveLength(3);
    const later = await router.route({ action: 'tag', prompt: 'Tag it', expects: 'json' });
    expect(later.skippedInCooldown).toEqual(['phi3:mini']);
    expect(later.attempts[0]!.model).toBe('llama3:8b');
    expect(server.log.filter((e) => e.model === 'phi3:mini')).toHaveLength(3);
  });

  it('records usage and cost of every attempt, failed ones included', async () => {
    const mock = await withMock({ faults: { 'claude-sonnet-4-6': { script: ['server_error'] } } });
    server = mock.server;
    const backends = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const result = await createRouter(mock.config, { backends, clock: createRealClock() }).route({
      action: 'orchestration',
      prompt: 'Plan',
      expects: 'json',
    });
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts[0]).toMatchObject({ error: 'TransientError', costUsd: 0 });
    const ok = result.attempts[1]!;
    expect(ok.costUsd).toBeCloseTo((ok.inputTokens * 3 + ok.outputTokens * 15) / 1e6, 12);
    expect(result.totals.costUsd).toBeCloseTo(ok.costUsd, 12);
  });

  it('a finished call leaves no timeout behind: its abort signal (answer and critique) never fires later', async () => {
    const mock = await withMock({}, (t) =>
      t.replace(
        'timeouts_ms: { LOCAL_FAST: 1500, LOCAL_QUALITY: 1500, API_FALLBACK: 1500 }',
        'timeouts_ms: { LOCAL_FAST: 300, LOCAL_QUALITY: 300, API_FALLBACK: 300 }',
      ),
    );
    server = mock.server;
    const real = createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
    });
    const signals: { purpose: string; signal: AbortSignal | undefined }[] = [];
    // Our Backend interface wrapped to see the signals the router passes; the clients below are real.
    const backends = Object.fromEntries(
      Object.entries(real).map(([provider, backend]) => [
        provider,
        {
          ...backend,
          doGenerate: (c: GenerateCall) => {
            signals.push({ purpose: c.purpose, signal: c.signal });
            return backend.doGenerate(c);
          },
        },
      ]),
    ) as typeof real;
    const result = await createRouter(mock.config, { backends, clock: createRealClock() }).route({
      action: 'tag',
      prompt: 'Tag this: invoice overdue',
    });
    expect(result.passed).toBe(true);
    expect(signals.map((s) => s.purpose)).toEqual(['answer', 'critique']);
    expect(signals.every((s) => s.signal instanceof AbortSignal)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 450));
    // AbortSignal.timeout would have fired by now, and held each call (and the client's listeners) until then.
    expect(signals.map((s) => s.signal!.aborted)).toEqual([false, false]);
  });

  it('a missing API key variable fails that call with a clear message naming the variable, not a value', async () => {
    const mock = await withMock();
    server = mock.server;
    const backends = createRealBackends({ clock: createRealClock(), configFile: 'llm_config.yaml', env: {} });
    await expect(
      backends.anthropic.doGenerate(call(modelOf(mock.config, 'claude-sonnet-4-6'))),
    ).rejects.toThrow(
      /environment variable ANTHROPIC_API_KEY is not set, and model 'claude-sonnet-4-6' needs it/,
    );
  });
});

describe('simulate --backend real', () => {
  it('sends a workload through the real backends with bounded concurrency, hybrid and pure API', async () => {
    const { simulate } = await import('../src/sim/simulate.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./helpers/temp.js');
    const { PROJECT_CONFIG } = await import('./helpers/config.js');
    const mock = await withMock();
    server = mock.server;
    const workload = join(tempDir(), 'w.csv');
    writeFileSync(
      workload,
      'action,prompt\ntag,Tag this\nclassification,Is it spam?\norchestration,Plan the release\nedit_file,Fix the bug\n',
    );
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      workload: { file: workload },
      out: false,
      real: { configFile: PROJECT_CONFIG, concurrency: 2, baseUrl: server.url, env: TEST_ENV },
    });
    expect(summary.hybrid.requests).toBe(4);
    expect(summary.baseline.byTier.API_FALLBACK.started).toBe(4);
    expect(server.log.filter((e) => e.api === 'anthropic').length).toBeGreaterThanOrEqual(5); // 1 hybrid + 4 baseline
    expect(summary.cost.pureApi.usd).toBeGreaterThan(summary.cost.hybrid.marginalUsd);
  });
});

describe('serve’s direct path (unstreamed OpenAI-compatible answers without the official client)', () => {
  const unstreamed = (direct: boolean) => ({
    backends: createRealBackends({
      clock: createRealClock(),
      configFile: 'llm_config.yaml',
      env: TEST_ENV,
      direct,
    }),
    request: {
      action: 'orchestration',
      prompt: 'Plan this',
      expects: 'json' as const,
      requiredFields: ['plan'],
      stream: false,
    },
  });

  it('answers as the official client does: text, tokens, finish reason, and the body the server got', async () => {
    const mock = await withMock({ timing: { 'gpt-4o': { outputTokens: 30 } } });
    server = mock.server;
    const model = modelOf(mock.config, 'gpt-4o');
    const answerCall = call(model, { request: { prompt: 'x', requiredFields: ['label'], stream: false } });
    const results = [];
    for (const direct of [false, true])
      results.push(await unstreamed(direct).backends.openai.doGenerate(answerCall));
    const [sdk, direct] = results;
    // Each call draws its own answer; both are the model's JSON with the asked field.
    for (const result of results) expect(JSON.parse(result.text)).toHaveProperty('label');
    for (const field of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'finishReason'] as const)
      expect(direct![field]).toBe(sdk![field]);
    expect(server.log.slice(-2).map((e) => [e.model, e.stream, e.status])).toEqual([
      ['gpt-4o', false, 200],
      ['gpt-4o', false, 200],
    ]);

    // What reaches the server, byte for byte where it matters: the same JSON body and bearer key.
    const bodies: { body: unknown; authorization: string | undefined; path: string | undefined }[] = [];
    const recorder = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push({
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
          authorization: request.headers.authorization,
          path: request.url,
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            created: 0,
            model: 'gpt-4o',
            choices: [
              { index: 0, message: { role: 'assistant', content: '{"label":"a"}' }, finish_reason: 'length' },
            ],
            usage: {
              prompt_tokens: 11,
              completion_tokens: 7,
              total_tokens: 18,
              prompt_tokens_details: { cached_tokens: 3 },
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = recorder.address() as AddressInfo;
      const pointed = { ...model, endpoint: { ...model.endpoint, baseUrl: `http://127.0.0.1:${port}/v1` } };
      const answers = [];
      for (const direct of [false, true])
        answers.push(await unstreamed(direct).backends.openai.doGenerate({ ...answerCall, model: pointed }));
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[1]!.path).toBe('/v1/chat/completions');
      expect(bodies[1]!.authorization).toBe(`Bearer ${TEST_ENV['OPENAI_API_KEY']}`);
      expect(bodies[1]!.body).toMatchObject({ model: 'gpt-4o', stream: false, max_tokens: 200 });
      const strip = ({ ttftMs: _t, latencyMs: _l, ...rest }: GenerateResult) => rest;
      expect(strip(answers[1]!)).toEqual(strip(answers[0]!));
      expect(answers[1]).toMatchObject({
        text: '{"label":"a"}',
        inputTokens: 11,
        outputTokens: 7,
        cachedInputTokens: 3,
        finishReason: 'length',
      });
    } finally {
      await new Promise((resolve) => recorder.close(resolve));
    }
  });

  // stream_error only happens inside a stream.
  for (const [fault] of FAULTS.filter(([f]) => f !== 'stream_error')) {
    it(`${fault}: the same error class, message and router action as through the official client`, async () => {
      const seen = [];
      for (const direct of [false, true]) {
        const mock = await withMock({ faults: { 'gpt-4o': { script: [fault] } }, retryAfterSeconds: 0.05 });
        server = mock.server;
        const config = {
          ...mock.config,
          models: [
            ...mock.config.models.filter((m) => m.name === 'gpt-4o'),
            ...mock.config.models.filter((m) => m.name !== 'gpt-4o'),
          ],
        };
        const { backends, request } = unstreamed(direct);
        const result = await createRouter(config, { backends, clock: createRealClock() }).route(request);
        const [first, second] = result.attempts;
        expect(first!.error).toBeDefined();
        expect(first!.errorMessage).not.toContain(PLANTED_KEY);
        seen.push({
          error: first!.error,
          message: first!.errorMessage?.replace(/127\.0\.0\.1:\d+/g, 'HOST'),
          next: second!.model,
          backoff: fault === 'rate_limit' ? second!.backoffMs : undefined,
        });
        await server.close();
        server = undefined;
      }
      expect(seen[1]).toEqual(seen[0]);
    });
  }
});
