import { describe, expect, it } from 'vitest';
import { ModelNotFoundError, RateLimitedError, TransientError } from '../src/backends/errors.js';
import { createSimulatedBackend } from '../src/backends/simulated/simulated-backend.js';
import { planChain } from '../src/router/chain.js';
import { createRouter } from '../src/router/router.js';
import { createVirtualClock } from '../src/core/clock.js';
import { projectConfig, smallConfig } from './helpers/config.js';
import { scriptedBackend } from './helpers/scripted-backend.js';

const GOOD_JSON = { text: '{"label": "spam", "confidence": 0.9}' };
const BAD_JSON = { text: '{"label": "spam",' };

describe('tier selection', () => {
  it('sends SIMPLE / MODERATE / COMPLEX to their tiers', async () => {
    const backend = scriptedBackend({ 'fast-a': GOOD_JSON, 'quality-a': GOOD_JSON, 'api-a': GOOD_JSON });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    for (const [action, tier, model] of [
      ['classification', 'LOCAL_FAST', 'fast-a'],
      ['edit_file', 'LOCAL_QUALITY', 'quality-a'],
      ['orchestration', 'API_FALLBACK', 'api-a'],
    ] as const) {
      const result = await router.route({ action, prompt: 'x', expects: 'json' });
      expect(result.tier).toBe(tier);
      expect(result.model).toBe(model);
    }
  });

  it('quality-critical and prefer-local=false go to the API tier', async () => {
    const backend = scriptedBackend({ 'api-a': GOOD_JSON });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    expect((await router.route({ action: 'classification', prompt: 'x', qualityCritical: true })).tier).toBe(
      'API_FALLBACK',
    );
    expect((await router.route({ action: 'classification', prompt: 'x', preferLocal: false })).tier).toBe(
      'API_FALLBACK',
    );
    const noLocal = createRouter(smallConfig({ extra: '  prefer_local: false' }), {
      backends: backend,
      clock: createVirtualClock(),
    });
    expect((await noLocal.route({ action: 'classification', prompt: 'x' })).reason).toMatch(
      /prefer_local=false → API_FALLBACK/,
    );
  });
});

describe('chain', () => {
  it('is every enabled model of the tier, then the tiers above, in config order', () => {
    expect(planChain('LOCAL_QUALITY', smallConfig()).map((m) => m.name)).toEqual([
      'quality-a',
      'quality-b',
      'api-a',
      'api-b',
    ]);
    expect(planChain('LOCAL_FAST', projectConfig()).map((m) => m.name)).toEqual([
      'phi3:mini',
      'llama3:8b',
      'mixtral:8x7b',
      'codestral:22b',
      'claude-sonnet-4-6',
      'gpt-4o',
    ]);
  });

  it('escalates one tier on a quality failure (skipping the rest of the tier)', async () => {
    const backend = scriptedBackend({ 'fast-a': BAD_JSON, 'quality-a': GOOD_JSON });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    const result = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(result.attempts.map((a) => [a.model, a.passed])).toEqual([
      ['fast-a', false],
      ['quality-a', true],
    ]);
    expect(result.model).toBe('quality-a');
    expect(result.finalTier).toBe('LOCAL_QUALITY');
    expect(result.tier).toBe('LOCAL_FAST');
  });

  it('tries the next model of the same tier on a backend error', async () => {
    const backend = scriptedBackend({
      'fast-a': new TransientError('HTTP 500', 'fast-a', 500),
      'fast-b': GOOD_JSON,
    });
    const config = smallConfig({ extra: '  retry: { max_retries: 0 }' });
    const router = createRouter(config, { backends: backend, clock: createVirtualClock() });
    const result = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(result.attempts.map((a) => [a.model, a.error ?? 'ok'])).toEqual([
      ['fast-a', 'TransientError'],
      ['fast-b', 'ok'],
    ]);
    expect(result.passed).toBe(true);
  });

  it('returns the best-scoring answer marked failed when every attempt fails', async () => {
    const halfBad = { text: '"a string, not an object"' }; // format 0.5 → best
    const backend = scriptedBackend({ 'fast-a': BAD_JSON, 'quality-a': halfBad, 'api-a': BAD_JSON });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    const result = await router.route({
      action: 'classification',
      prompt: 'x',
      expects: 'json',
      requiredFields: ['label'],
    });
    expect(result.passed).toBe(false);
    expect(result.attempts).toHaveLength(3);
    expect(result.model).toBe('quality-a');
    expect(result.text).toBe(halfBad.text);
  });

  it('records tokens, cost, latency and checks for every attempt', async () => {
    const backend = scriptedBackend({
      'api-a': { ...GOOD_JSON, inputTokens: 1000, outputTokens: 200, latencyMs: 2100, ttftMs: 400 },
    });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    const result = await router.route({ action: 'orchestration', prompt: 'x', expects: 'json' });
    const attempt = result.attempts[0]!;
    expect(attempt).toMatchObject({
      model: 'api-a',
      tier: 'API_FALLBACK',
      inputTokens: 1000,
      outputTokens: 200,
      latencyMs: 2100,
      ttftMs: 400,
    });
    expect(attempt.costUsd).toBeCloseTo((1000 * 3 + 200 * 15) / 1e6, 12);
    expect(Object.keys(attempt.checks)).toEqual(['format', 'completeness', 'coherence']);
    expect(result.totals).toMatchObject({ costUsd: attempt.costUsd, attempts: 1 });
  });
});

describe('retries, backoff and cooldown', () => {
  it('retries a transient error on the same model with backoff, then succeeds', async () => {
    const backend = scriptedBackend({ 'fast-a': [new TransientError('HTTP 529', 'fast-a', 529), GOOD_JSON] });
    const clock = createVirtualClock();
    const router = createRouter(smallConfig(), { backends: backend, clock });
    const result = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(result.attempts.map((a) => [a.model, a.error ?? 'ok'])).toEqual([
      ['fast-a', 'TransientError'],
      ['fast-a', 'ok'],
    ]);
    const backoff = result.attempts[1]!.backoffMs!;
    expect(backoff).toBeGreaterThanOrEqual(250); // base 500 ms × jitter 50–100%
    expect(backoff).toBeLessThanOrEqual(500);
    expect(clock.now()).toBeGreaterThanOrEqual(backoff);
    expect(result.totals.latencyMs).toBeCloseTo(backoff + 100, 6);
  });

  it('honours retry-after on a 429', async () => {
    const backend = scriptedBackend({
      'fast-a': [new RateLimitedError('HTTP 429', 'fast-a', 429, 2), GOOD_JSON],
    });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    const result = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(result.attempts[1]).toMatchObject({ model: 'fast-a', backoffMs: 2000, passed: true });
  });

  it('gives up on a model after max_retries and moves on; non-retryable errors move on at once', async () => {
    const backend = scriptedBackend({
      'fast-a': new TransientError('HTTP 500', 'fast-a', 500),
      'fast-b': new ModelNotFoundError('HTTP 404', 'fast-b', 404),
      'quality-a': GOOD_JSON,
    });
    const router = createRouter(smallConfig(), { backends: backend, clock: createVirtualClock() });
    const result = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(result.attempts.map((a) => a.model)).toEqual([
      'fast-a',
      'fast-a',
      'fast-a',
      'fast-b',
      'quality-a',
    ]);
  });

  it('skips a model that keeps failing for the cooldown, so an outage costs one attempt per window', async () => {
    const backend = scriptedBackend({
      'fast-a': new ModelNotFoundError('HTTP 404', 'fast-a', 404),
      'fast-b': GOOD_JSON,
    });
    const clock = createVirtualClock();
    const router = createRouter(smallConfig({ extra: '  cooldown: { failures: 2, seconds: 60 }' }), {
      backends: backend,
      clock,
    });
    for (let i = 0; i < 5; i++)
      await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(backend.calls.filter((c) => c.model.name === 'fast-a')).toHaveLength(2);
    const skipped = await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(skipped.skippedInCooldown).toEqual(['fast-a']);
    clock.set(clock.now() + 61_000);
    await router.route({ action: 'classification', prompt: 'x', expects: 'json' });
    expect(backend.calls.filter((c) => c.model.name === 'fast-a')).toHaveLength(3);
  });
});

describe('self-critique', () => {
  it('is a real call to the fast tier, costed and recorded', async () => {
    const backend = scriptedBackend({
      'quality-a': GOOD_JSON,
      critic: { text: 'NO: the label is wrong', latencyMs: 40 },
    });
    const router = createRouter(smallConfig({ selfCritique: true }), {
      backends: backend,
      clock: createVirtualClock(),
    });
    const result = await router.route({ action: 'edit_file', prompt: 'x', expects: 'json' });
    const critique = backend.calls.find((c) => c.purpose === 'critique')!;
    expect(critique.model.name).toBe('fast-a');
    expect(critique.subject).toBe(GOOD_JSON.text);
    const first = result.attempts[0]!;
    expect(first.checks.selfCritique?.score).toBe(0);
    expect(first.confidence).toBe(0.8);
    expect(first.latencyMs).toBe(140);
  });

  it('is skipped when the answer cannot pass anyway', async () => {
    const backend = scriptedBackend({ 'quality-a': { text: '' }, 'api-a': GOOD_JSON });
    const router = createRouter(smallConfig({ selfCritique: true }), {
      backends: backend,
      clock: createVirtualClock(),
    });
    await router.route({ action: 'edit_file', prompt: 'x', expects: 'json' });
    expect(backend.calls.filter((c) => c.purpose === 'critique')).toHaveLength(1); // only for the API answer
  });
});

describe('events', () => {
  it('emits every attempt and the request to sinks', async () => {
    const attempts: string[] = [];
    const requests: string[] = [];
    const backend = scriptedBackend({ 'fast-a': BAD_JSON, 'quality-a': GOOD_JSON });
    const router = createRouter(smallConfig(), {
      backends: backend,
      clock: createVirtualClock(),
      sinks: [{ onAttempt: (a) => attempts.push(a.model), onRequest: (r) => requests.push(r.id) }],
    });
    await router.route({ id: 'r1', action: 'classification', prompt: 'x', expects: 'json' });
    expect(attempts).toEqual(['fast-a', 'quality-a']);
    expect(requests).toEqual(['r1']);
  });
});

describe('daily budget', () => {
  it('serves from the best local tier when the API would exceed the budget (local_only)', async () => {
    const backend = scriptedBackend({ 'quality-a': GOOD_JSON, 'api-a': GOOD_JSON });
    const config = smallConfig({ extra: '  daily_budget_usd: 0.001' });
    const router = createRouter(config, { backends: backend, clock: createVirtualClock() });
    const result = await router.route({
      action: 'orchestration',
      prompt: 'x',
      expects: 'json',
      maxTokens: 1000,
    });
    expect(result.budgetLimited).toBe(true);
    expect(result.model).toBe('quality-a');
  });

  it('rejects with BudgetExhaustedError when configured to', async () => {
    const backend = scriptedBackend({ 'api-a': GOOD_JSON });
    const config = smallConfig({ extra: '  daily_budget_usd: 0.001\n  on_budget_exhausted: reject' });
    const router = createRouter(config, { backends: backend, clock: createVirtualClock() });
    await expect(router.route({ action: 'orchestration', prompt: 'x', maxTokens: 1000 })).rejects.toThrow(
      /daily budget of \$0.00 reached/,
    );
  });
});

describe('simulated backend', () => {
  const run = async (seed: number) => {
    const clock = createVirtualClock();
    const router = createRouter(projectConfig(), {
      backends: createSimulatedBackend({ seed, clock }),
      clock,
    });
    const results = [];
    for (let i = 0; i < 200; i++) {
      const action = ['classification', 'edit_file', 'orchestration', 'summarize'][i % 4]!;
      const expects = (['json', 'python', 'typescript', 'text'] as const)[i % 4];
      results.push(
        await router.route({
          id: `r${i}`,
          action,
          prompt: 'p',
          expects,
          requiredFields: i % 4 === 0 ? ['label', 'confidence'] : [],
        }),
      );
    }
    return JSON.stringify(results);
  };

  it('is deterministic: same seed, identical JSON; another seed differs', async () => {
    const a = await run(42);
    expect(await run(42)).toBe(a);
    expect(await run(43)).not.toBe(a);
  });

  it('writes real defects the quality check catches', async () => {
    const results = JSON.parse(await run(5)) as {
      attempts: { passed: boolean; checks: Record<string, { note: string }> }[];
    }[];
    const notes = results.flatMap((r) =>
      r.attempts.flatMap((a) => Object.values(a.checks).map((c) => c.note)),
    );
    expect(
      notes.some((n) =>
        /invalid JSON|does not parse|refusal|truncated|repetition|missing field|empty/.test(n),
      ),
    ).toBe(true);
    expect(results.some((r) => r.attempts.length > 1)).toBe(true);
  });

  it('a truncated answer used its whole token limit, as a real one that stops for length does', async () => {
    const results = JSON.parse(await run(5)) as {
      attempts: { outputTokens: number; finishReason?: string }[];
    }[];
    const attempts = results.flatMap((r) => r.attempts);
    const cut = attempts.filter((a) => a.finishReason === 'length');
    expect(cut.length).toBeGreaterThan(0);
    for (const a of cut) expect(a.outputTokens).toBe(projectConfig().maxOutputTokens);
    expect(attempts.some((a) => a.finishReason === 'stop' && a.outputTokens < 1024)).toBe(true);
  });

  it('answers with exactly the requested output tokens', async () => {
    const clock = createVirtualClock();
    const router = createRouter(projectConfig(), {
      backends: createSimulatedBackend({ seed: 1, clock }),
      clock,
    });
    const result = await router.route({
      action: 'orchestration',
      prompt: 'p',
      inputTokens: 1234,
      outputTokens: 321,
    });
    expect(result.attempts[0]).toMatchObject({ inputTokens: 1234, outputTokens: 321 });
  });
});
