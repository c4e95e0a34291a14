import Anthropic from '@anthropic-ai/sdk';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInstruction } from '../src/backends/prompt-format.js';
import { runCli } from './helpers/cli.js';
import { startCliMock, type CliMock } from './helpers/cli-mock.js';
import { startCliServe, type CliServe } from './helpers/cli-serve.js';
import { tempDir } from './helpers/temp.js';

const UPSTREAM_KEYS = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };
/** No self-critique: each request's attempts are its answers alone, so the tests can count them. */
const NO_CRITIQUE = ['--set', 'router.self_critique=false'];
const started: { stop(): unknown }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
});

async function mock(args: string[]): Promise<CliMock> {
  const m = await startCliMock(args);
  started.push(m);
  return m;
}
async function serve(upstream: CliMock, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliServe> {
  const s = await startCliServe(['--base-url', upstream.url, ...NO_CRITIQUE, ...args], {
    HYBRIDLLM_LEDGER: join(tempDir(), 'usage.db'),
    ...UPSTREAM_KEYS,
    ...env,
  });
  started.push(s);
  return s;
}
const ledgerRequests = (file: string): number =>
  (
    new Database(file, { readonly: true }).prepare('SELECT COUNT(*) AS n FROM requests').get() as {
      n: number;
    }
  ).n;

describe('hybridllm serve with the official clients', () => {
  let upstream: CliMock;
  let gateway: CliServe;
  beforeAll(async () => {
    // The fast model always writes malformed JSON; mixtral never errs: a JSON request escalates exactly once.
    const never = ['malformed', 'missing_fields', 'refusal', 'truncation', 'empty', 'repetition'].flatMap(
      (d) => ['--set', `models.mixtral:8x7b.simulation.defects.SIMPLE.${d}=0`],
    );
    upstream = await mock([
      '--time-scale',
      '0.05',
      '--set',
      'models.phi3:mini.simulation.defects.SIMPLE.malformed=1',
      '--set',
      'models.llama3:8b.simulation.defects.SIMPLE.malformed=1',
      ...never,
    ]);
    gateway = await serve(upstream);
  }, 60_000);

  it('OpenAI: answers streamed and not, with the routing headers; /v1/models lists auto, the tiers and the models', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-checked', maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Tag this support ticket: the invoice is overdue' }];
    const { data, response } = await client.chat.completions
      .create({ model: 'hybridllm/auto', messages })
      .withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(10);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-hybridllm-tier')).toBe('LOCAL_FAST');
    expect(response.headers.get('x-hybridllm-model')).toBe(data.model);
    expect(Number(response.headers.get('x-hybridllm-attempts'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('x-hybridllm-cost-usd')).toMatch(/^\d+\.\d{6}$/);

    const stream = await client.chat.completions.create({
      model: 'hybridllm/auto',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let pieces = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content;
      if (piece) {
        text += piece;
        pieces++;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    // Text streams as it comes (check mode stream): many pieces, not one.
    expect(pieces).toBeGreaterThan(5);
    expect(text.length).toBeGreaterThan(10);
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);

    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'hybridllm/auto',
        'hybridllm/LOCAL_FAST',
        'hybridllm/API_FALLBACK',
        'mixtral:8x7b',
        'claude-sonnet-4-6',
      ]),
    );
    // Naming a model pins it.
    const pinned = await client.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages })
      .withResponse();
    expect(pinned.response.headers.get('x-hybridllm-model')).toBe('claude-sonnet-4-6');
    expect(pinned.data.model).toBe('claude-sonnet-4-6');
  });

  it('Anthropic: answers streamed and not', async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'not-checked', maxRetries: 0 });
    const params = {
      model: 'hybridllm/auto',
      max_tokens: 300,
      messages: [{ role: 'user' as const, content: 'Summarise this paragraph about invoices in one line.' }],
    };
    const message = await client.messages.create(params);
    expect(message.type).toBe('message');
    expect(message.content[0]!.type).toBe('text');
    expect((message.content[0] as { text: string }).text.length).toBeGreaterThan(10);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const stream = client.messages.stream(params);
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    expect(deltas).toBeGreaterThan(5);
    expect((final.content[0] as { text: string }).text.length).toBeGreaterThan(10);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('buffer mode: a JSON answer that fails the check escalates invisibly; the headers show two attempts', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'not-checked', maxRetries: 0 });
    const body = {
      model: 'hybridllm/auto',
      messages: [
        { role: 'system' as const, content: formatInstruction('json', ['label']) },
        {
          role: 'user' as const,
          content: 'Classify this ticket as bug or feature: the app crashes on start',
        },
      ],
    };
    const headers = {
      'x-hybridllm-expect': 'json',
      'x-hybridllm-fields': 'label',
      'x-hybridllm-action': 'classification',
    };
    const { data, response } = await client.chat.completions.create(body, { headers }).withResponse();
    expect(response.headers.get('x-hybridllm-attempts')).toBe('2');
    expect(response.headers.get('x-hybridllm-tier')).toBe('LOCAL_QUALITY');
    expect(() => JSON.parse(data.choices[0]!.message.content!)).not.toThrow();
    // Streamed, the client still sees only the final answer: JSON is buffered and checked first.
    const streamed = await client.chat.completions
      .create({ ...body, stream: true }, { headers })
      .withResponse();
    expect(streamed.response.headers.get('x-hybridllm-attempts')).toBe('2');
    let text = '';
    for await (const chunk of streamed.data) text += chunk.choices[0]?.delta?.content ?? '';
    expect(JSON.parse(text)).toHaveProperty('label');
  });

  it('/metrics is Prometheus text with requests, attempts, cost, tokens, latency, budget and cooldowns', async () => {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* \S/);
        continue;
      }
      // name{label="value",…} number
      const sample =
        /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(
          line,
        );
      expect(sample, line).not.toBeNull();
      names.add(sample![1]!);
    }
    for (const name of [
      'hybridllm_requests_total',
      'hybridllm_attempts_total',
      'hybridllm_tokens_total',
      'hybridllm_request_duration_seconds_bucket',
      'hybridllm_attempt_duration_seconds_count',
      'hybridllm_budget_remaining_usd',
      'hybridllm_model_cooldown',
      'hybridllm_requests_in_flight',
    ])
      expect(names.has(name), name).toBe(true);
  });
});

describe('hybridllm serve when things go wrong', () => {
  it('a stream cut upstream reaches the client as an error event, never a clean finish (both APIs)', async () => {
    const upstream = await mock(['--time-scale', '0.05', '--fault', 'llama3:8b=cut:1']);
    const gateway = await serve(upstream);
    const messages = [{ role: 'user' as const, content: 'Write a few sentences about invoices.' }];
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const consume = async (): Promise<string> => {
      let text = '';
      const stream = await openai.chat.completions.create({ model: 'llama3:8b', messages, stream: true });
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    };
    await expect(consume()).rejects.toThrow(/cut off/);
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'x', maxRetries: 0 });
    await expect(
      anthropic.messages.stream({ model: 'llama3:8b', max_tokens: 200, messages }).finalMessage(),
    ).rejects.toThrow(/cut off/);
    // The access log says so.
    expect(gateway.log()).toMatch(/"status":502,"stream":true,"check_mode":"stream","model":"llama3:8b"/);
  });

  it('a budget reject is 429 in each API’s format; a missing or wrong key is 401', async () => {
    const upstream = await mock(['--time-scale', '0.05']);
    const gateway = await serve(
      upstream,
      [
        '--set',
        'router.on_budget_exhausted=reject',
        '--set',
        'router.daily_budget_usd=0.000001',
        '--set',
        'serve.api_keys=["${SERVE_TEST_KEY}"]',
      ],
      { SERVE_TEST_KEY: 'sk-test-123' },
    );
    const messages = [{ role: 'user' as const, content: 'Plan the migration of three services.' }];
    const critical = { headers: { 'x-hybridllm-quality-critical': 'true' } };
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-test-123', maxRetries: 0 });
    const budget = await openai.chat.completions
      .create({ model: 'hybridllm/auto', messages }, critical)
      .catch((e: unknown) => e);
    expect(budget).toBeInstanceOf(OpenAI.RateLimitError);
    expect((budget as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((budget as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exhausted');
    expect((budget as Error).message).toMatch(/daily budget of \$0\.00 reached/);
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-test-123', maxRetries: 0 });
    const rejected = await anthropic.messages
      .create({ model: 'hybridllm/auto', max_tokens: 100, messages }, critical)
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(Anthropic.RateLimitError);
    expect((rejected as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });
    // Keys.
    const wrong = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'hybridllm/auto', messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const wrongAnthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(
      wrongAnthropic.messages.create({ model: 'hybridllm/auto', max_tokens: 10, messages }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const missing = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'hybridllm/auto', messages }),
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: {
        message: expect.stringMatching(/missing API key/),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    // The key is never written to the access log.
    expect(gateway.log()).not.toContain('sk-test-123');
    expect(gateway.log()).not.toContain('sk-wrong');
  });

  it('bad input gets a 400 naming the field; an unknown model a 404; an oversized body a 413', async () => {
    const upstream = await mock(['--time-scale', '0.05']);
    const gateway = await serve(upstream, ['--set', 'serve.max_body_bytes=2000']);
    const post = (path: string, body: string) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const bad = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'hybridllm/auto', messages: [{ role: 'user', content: 7 }] }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /messages\[0\]\.content/,
    );
    const notJson = await post('/v1/messages', '{"model":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const unknown = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    const big = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'hybridllm/auto', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    );
    expect(big.status).toBe(413);
  });
});

describe('hybridllm serve under load and on shutdown', () => {
  it('1,000 requests at concurrency 50 finish with zero errors, and the ledger holds 1,000 requests; report --from-ledger --against reads it', async () => {
    const upstream = await mock(['--time-scale', '0.01']);
    const ledger = join(tempDir(), 'usage.db');
    const gateway = await serve(upstream, [], { HYBRIDLLM_LEDGER: ledger });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    let next = 0;
    let errors = 0;
    const worker = async (): Promise<void> => {
      while (next < 1000) {
        const i = next++;
        try {
          const r = await client.chat.completions.create({
            model: 'hybridllm/auto',
            messages: [{ role: 'user', content: `Tag ticket ${i}: the invoice is overdue` }],
          });
          if (!r.choices[0]?.message.content) errors++;
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    expect(errors).toBe(0);
    expect(await gateway.stop()).toBe(0);
    expect(ledgerRequests(ledger)).toBe(1000);

    // The prediction beside what happened, from the ledger serve filled.
    const out = tempDir();
    const sim = await runCli([
      'simulate',
      '--scenario',
      'light',
      '--days',
      '2',
      '--out',
      out,
      '--no-progress',
    ]);
    expect(sim.code, sim.stderr).toBe(0);
    const runDir = join(out, readdirSync(out)[0]!);
    const html = join(tempDir(), 'actual.html');
    const report = await runCli([
      'report',
      '--from-ledger',
      '--ledger',
      ledger,
      '--since',
      '2000-01-01',
      '--against',
      runDir,
      '--out',
      html,
    ]);
    expect(report.code, report.stderr).toBe(0);
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toMatch(/1,000/);
  }, 180_000);

  it('SIGTERM with 20 requests in flight answers all 20 and loses no ledger row', async () => {
    // Slow answers: each takes ~1.5 s to its first token.
    const upstream = await mock(['--ttft', 'phi3:mini=1500', '--ttft', 'llama3:8b=1500']);
    const ledger = join(tempDir(), 'usage.db');
    const gateway = await serve(upstream, [], { HYBRIDLLM_LEDGER: ledger });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const answers = Array.from({ length: 20 }, (_, i) =>
      client.chat.completions.create({
        model: 'hybridllm/auto',
        messages: [{ role: 'user', content: `Tag ticket ${i}` }],
      }),
    );
    // Wait until all twenty are in flight, then stop.
    for (let i = 0; i < 100; i++) {
      const health = (await (await fetch(`${gateway.url}/healthz`)).json()) as { in_flight: number };
      if (health.in_flight >= 20) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const exit = gateway.stop();
    const settled = await Promise.allSettled(answers);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(20);
    expect(await exit).toBe(0);
    expect(gateway.log()).toMatch(/SIGTERM: no new requests; 20 in flight/);
    expect(gateway.log()).toMatch(/stopped: every request answered, the ledger flushed/);
    expect(ledgerRequests(ledger)).toBe(20);
  }, 60_000);
});
