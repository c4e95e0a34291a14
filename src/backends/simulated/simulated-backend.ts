import type { ModelConfig } from '../../config/router-config.js';
import { DEFECTS, type Defect, type SimulationProfile } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import { createVirtualClock } from '../../core/clock.js';
import { isEventClock } from '../../core/event-clock.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import { EXPECTS, isLocalTier, type Expects } from '../../contract/request.js';
import { isMathRequest } from '../../contract/prompt-kind.js';
import type { Backend, GenerateCall, GenerateResult } from '../backend.js';
import { BadRequestError, TimeoutError, TransientError } from '../errors.js';
import {
  CapacityQueue,
  type Admission,
  type CapacityStats,
  type RatePoint,
  type Rates,
} from './capacity-queue.js';
import { PromptCache, type CacheUse } from './prompt-cache.js';
import { applicable, drawLatency, drawOutcome } from './profile-draws.js';

export { drawDefect, drawLatency, drawOutcome, meanLatency } from './profile-draws.js';
import { MAX_UNITS, TOKENS_PER_UNIT, VARIANTS, writeAnswer, type WrittenAnswer } from './response-writer.js';

export interface SimulatedBackendOptions {
  /** Seed of every draw; the same seed gives the same answers. @default 1 */
  seed?: number;
  /** @default a virtual clock starting at 0 */
  clock?: Clock;
  /** Profiles that replace the config's `simulation` block per model name (e.g. measured by `bench`). */
  profiles?: ReadonlyMap<string, SimulationProfile>;
  /** Extra transient-error probability per model name (scenario fault injection). */
  faultRates?: ReadonlyMap<string, number>;
  /**
   * Servers per hardware item (or per model placed on none): on an event clock, local models with a capacity
   * profile queue for their item's slots. @default 1
   */
  servers?: ReadonlyMap<string, number>;
}

type Capacity = NonNullable<SimulationProfile['capacity']>;
const rates = (points: Capacity['decode']): RatePoint[] =>
  points.map((p) => ({ sequences: p.sequences, tokensPerS: p.tokens_per_s }));

/** One local server's queue statistics, with the models that shared it. */
export type ServerStats = CapacityStats & { models: string[] };

const NO_FIELDS: readonly string[] = [];

/** Tokens a critic's verdict takes. */
const CRITIQUE_TOKENS = 12;

/**
 * A backend that answers from model profiles: seeded draws of latency, output tokens and defects, on the
 * injected clock (no real sleeping with a virtual one). It writes real answer texts, so the real quality
 * check scores them; as a critic it spots each defect with the profile's detection rate.
 */
export function createSimulatedBackend(options: SimulatedBackendOptions = {}): Backend & {
  profileOf(model: ModelConfig): SimulationProfile;
  /** Per hardware item (or unplaced model) with a capacity profile: utilisation, waits, timeouts. */
  capacityStats(): Record<string, ServerStats>;
} {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? createVirtualClock();
  /** Written answers per required-field list (by identity), then by a numeric shape key. */
  const texts = new WeakMap<readonly string[], Map<number, WrittenAnswer>>();
  /** Defect written into each text this backend produced, for the simulated critic. */
  const defectOf = new Map<string, Defect | null>();

  const profileOf = (model: ModelConfig): SimulationProfile =>
    options.profiles?.get(model.name) ?? model.simulation;

  /** Each hardware item's queue (a model placed on none has its own), for models with a capacity profile. */
  const queues = new Map<string, { queue: CapacityQueue; models: Set<string> }>();
  /** A model's rates, converted once per capacity profile. */
  const ratesOf = new WeakMap<Capacity, Rates>();
  /** Queues need an event clock (calls overlap on it); on any other clock calls are timed from latency_ms. */
  const eventClock = isEventClock(clock) ? clock : undefined;
  /**
   * Serves a local call from its server's queue on the event clock (the call returns when it answers); a
   * call the client gives up on times out there and goes down the router's failure path.
   */
  const admit = async (
    call: GenerateCall,
    capacity: Capacity,
    prefillTokens: number,
    outputTokens: number,
  ): Promise<Admission> => {
    const key = call.model.hardware ?? call.model.name;
    let entry = queues.get(key);
    if (!entry) {
      const profile = {
        maxConcurrency: capacity.max_concurrency,
        decode: rates(capacity.decode),
        prefill: rates(capacity.prefill),
      };
      entry = {
        queue: new CapacityQueue(profile, options.servers?.get(key) ?? 1, eventClock!),
        models: new Set(),
      };
      queues.set(key, entry);
    }
    entry.models.add(call.model.name);
    // Time outside the server (network, HTTP) comes first and holds no slot.
    const overheadMs = capacity.overhead_ms ?? 0;
    if (overheadMs > 0) await clock.sleep(overheadMs, call.signal);
    let modelRates = ratesOf.get(capacity);
    if (!modelRates)
      ratesOf.set(
        capacity,
        (modelRates = {
          decode: rates(capacity.decode),
          prefill: rates(capacity.prefill),
          wakeMs: capacity.wake_ms ?? 0,
          ...(capacity.wake
            ? {
                wake: capacity.wake.map((p) => ({
                  idleMs: p.idle_ms,
                  ms: p.ms,
                  ...(p.share === undefined ? {} : { share: p.share }),
                })),
              }
            : {}),
        }),
      );
    // Whether the call meets a cold server, when only a share do: a draw of its own, so the call's other
    // draws (outcome, length) stay what they are without one.
    const wakeDraw = capacity.wake?.some((p) => p.share !== undefined && p.share < 1)
      ? createRng(deriveSeed(seed, call.requestId, call.step, call.purpose, call.model.name, 'wake'))()
      : 0;
    const served = await entry.queue.serve({
      model: call.model.name,
      maxConcurrency: capacity.max_concurrency,
      inputTokens: prefillTokens,
      outputTokens,
      ...(call.timeoutMs === undefined ? {} : { timeoutMs: Math.max(0, call.timeoutMs - overheadMs) }),
      rates: modelRates,
      wakeDraw,
    });
    const admission =
      overheadMs > 0
        ? { ...served, ttftMs: served.ttftMs + overheadMs, latencyMs: served.latencyMs + overheadMs }
        : served;
    if (admission.timedOut)
      throw withoutStack(
        () =>
          new TimeoutError(
            `no complete answer within ${call.timeoutMs} ms (simulated: ${Math.round(admission.waitMs)} ms in ${key}'s queue${admission.batch ? `, then ${admission.batch} sequence(s) running` : ''})`,
            call.model.name,
          ),
      );
    return admission;
  };

  /** Each model's prompt cache, created on its first cacheable call. */
  const caches = new Map<string, PromptCache>();
  const cacheUse = (call: GenerateCall, inputTokens: number): CacheUse | undefined => {
    if (call.purpose !== 'answer' || !call.model.promptCache) return undefined;
    const local = isLocalTier(call.model.tier);
    // A local server's cache only changes latency, and only with a prefill rate to say by how much.
    const profile = profileOf(call.model);
    if (local && !profile.prefill_tokens_per_s && !(eventClock && profile.capacity)) return undefined;
    const recorded = call.request.recordedCache;
    if (recorded && !local) {
      const readTokens = Math.min(recorded.readTokens, inputTokens);
      return { readTokens, writeTokens: Math.min(recorded.writeTokens, inputTokens - readTokens) };
    }
    const blocks = call.request.prefixBlocks;
    if (!blocks?.length) return undefined;
    let cache = caches.get(call.model.name);
    if (!cache) caches.set(call.model.name, (cache = new PromptCache(call.model.promptCache)));
    return cache.use(blocks, clock.now());
  };

  const answerFor = (
    expects: Expects,
    fields: readonly string[],
    units: number,
    defect: Defect | undefined,
    variant: number,
    math: boolean,
  ) => {
    let byShape = texts.get(fields);
    if (!byShape) texts.set(fields, (byShape = new Map()));
    const key =
      (((EXPECTS.indexOf(expects) * 64 + units) * 8 + (defect ? DEFECTS.indexOf(defect) + 1 : 0)) * 8 +
        variant) *
        2 +
      (math ? 1 : 0);
    let written = byShape.get(key);
    if (!written) {
      written = writeAnswer(expects, fields, units, defect, variant, math);
      byShape.set(key, written);
      if (!defectOf.has(written.text)) defectOf.set(written.text, defect ?? null);
    }
    return written;
  };

  return {
    name: 'simulated',
    profileOf,
    capacityStats: () =>
      Object.fromEntries(
        [...queues].map(([key, { queue, models }]) => [key, { ...queue.stats(), models: [...models] }]),
      ),
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      const profile = profileOf(call.model);
      const rng = createRng(deriveSeed(seed, call.requestId, call.step, call.purpose, call.model.name));
      const inputTokens = call.inputTokens ?? Math.ceil(call.prompt.length / 4);
      if (inputTokens + call.maxTokens > call.model.contextWindow)
        // As an OpenAI-compatible server (vLLM) refuses it: at once, before any prefill.
        throw new BadRequestError(
          `This model's maximum context length is ${call.model.contextWindow} tokens. However, you requested ${inputTokens + call.maxTokens} tokens (${inputTokens} in the messages, ${call.maxTokens} in the completion). (simulated)`,
          call.model.name,
          400,
        );
      const cached = cacheUse(call, inputTokens);
      // A local model with a capacity profile is timed by its server's queue once its output is known;
      // otherwise the latency is drawn from the profile first.
      const capacity = eventClock && isLocalTier(call.model.tier) ? profile.capacity : undefined;
      let latencyMs = 0;
      let ttftMs = 0;
      let busyMs: number | undefined;
      // Drawn even when the queue times the call, so the draws after it (outcome, length) are the same with
      // or without a capacity profile: only the timing differs.
      const drawnMs = drawLatency(profile.latency_ms, rng);
      if (!capacity) {
        latencyMs = drawnMs;
        ttftMs = latencyMs * profile.ttft_share;
        if (cached && profile.prefill_tokens_per_s) {
          // Cached prompt tokens skip prefill; the saving cannot exceed the time to first token.
          const savedMs = Math.min(ttftMs, (cached.readTokens / profile.prefill_tokens_per_s) * 1000);
          latencyMs -= savedMs;
          ttftMs -= savedMs;
        }
        if (call.timeoutMs !== undefined && latencyMs > call.timeoutMs) {
          await clock.sleep(call.timeoutMs, call.signal);
          throw withoutStack(
            () =>
              new TimeoutError(`no complete answer within ${call.timeoutMs} ms (simulated)`, call.model.name),
          );
        }
      }
      const errorRate = profile.error_rate + (options.faultRates?.get(call.model.name) ?? 0);
      if (errorRate > 0 && rng() < errorRate) {
        await clock.sleep(ttftMs, call.signal);
        throw withoutStack(
          () =>
            new TransientError(
              `simulated server error from ${call.model.name} (HTTP 500)`,
              call.model.name,
              500,
            ),
        );
      }
      if (call.purpose === 'critique') {
        const defect = defectOf.get(call.subject ?? '');
        const flagged = defect ? rng() < profile.critique_detection : rng() < profile.critique_false_alarm;
        // A queued call has already taken its time on the clock.
        if (capacity)
          ({ latencyMs, ttftMs, busyMs } = await admit(
            call,
            capacity,
            inputTokens,
            Math.min(CRITIQUE_TOKENS, call.maxTokens),
          ));
        else await clock.sleep(latencyMs, call.signal);
        return {
          text: flagged
            ? `NO: the answer looks ${defect ? defect.replace('_', ' ') : 'wrong'}.`
            : 'YES: the answer is valid.',
          inputTokens,
          outputTokens: Math.min(CRITIQUE_TOKENS, call.maxTokens),
          cachedInputTokens: 0,
          cacheWriteInputTokens: 0,
          finishReason: 'stop',
          ttftMs,
          latencyMs,
          busyMs: busyMs ?? latencyMs,
        };
      }

      const outcome = drawOutcome(profile, call.complexity, rng);
      const drawn = outcome.defect;
      const fields = call.request.requiredFields ?? NO_FIELDS;
      const math = call.purpose === 'answer' && isMathRequest(call.request, call.expects);
      const defect = drawn && applicable(drawn, call.expects, fields, math) ? drawn : undefined;
      const range = profile.output_tokens;
      const outputTokens =
        call.outputTokens ??
        Math.min(call.maxTokens, Math.round(range.min + (range.max - range.min) * rng()));
      const variant = Math.floor(rng() * VARIANTS);
      const written = answerFor(
        call.expects,
        fields,
        Math.min(MAX_UNITS, Math.round(outputTokens / TOKENS_PER_UNIT)),
        defect,
        variant,
        math,
      );
      // A truncated answer ran into the request's limit, so it used (and is billed for) all of it; a
      // recorded token count stays as recorded (that row's limit was its length).
      const produced = written.truncated && call.outputTokens === undefined ? call.maxTokens : outputTokens;
      if (capacity)
        ({ latencyMs, ttftMs, busyMs } = await admit(
          call,
          capacity,
          inputTokens - (cached?.readTokens ?? 0),
          produced,
        ));
      else await clock.sleep(latencyMs, call.signal);
      return {
        text: written.text,
        inputTokens,
        outputTokens: produced,
        // As the server reports them; a local model's are free (its cache saves time, not money).
        cachedInputTokens: cached?.readTokens ?? 0,
        // Always present (0 when none): one object shape for every result keeps the router's hot path fast.
        cacheWriteInputTokens: cached?.writeTokens ?? 0,
        finishReason: written.truncated ? 'length' : 'stop',
        ttftMs,
        latencyMs,
        busyMs: busyMs ?? latencyMs,
        // A defect the checks can see makes the answer wrong (unless drawn as a false alarm); so does a silent
        // wrong draw, which they cannot see.
        correct: defect ? outcome.flaggedCorrect === true : !outcome.silentWrong,
      };
    },
  };
}

/**
 * Builds a simulated failure without capturing a stack trace. An overloaded simulation throws hundreds of
 * thousands of these (queue timeouts, drawn server errors), the router handles every one as data and never
 * shows its stack, and capturing it was an eighth of the CPU time of an overloaded run.
 */
function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
