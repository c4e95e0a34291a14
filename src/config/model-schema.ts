// The schema of one model in llm_config.yaml: provider, tier, pricing, and the simulation profile (latency,
// defect rates, capacity) the simulated backend answers from.
import { z } from 'zod';
import { TIERS } from '../contract/request.js';
import { DEFECTS, PROVIDERS, envRef, nonNegative, probability } from './schema-primitives.js';

const range = z
  .strictObject({ min: nonNegative, max: nonNegative })
  .refine((r) => r.max >= r.min, { message: 'max must be ≥ min' });

/** A latency distribution: a uniform range, or measured quantiles (from `bench`). */
const latencySchema = z.union([
  range,
  z.strictObject({
    quantiles: z.array(nonNegative).min(2).describe('evenly spaced quantiles from p0 to p100, ms'),
  }),
]);

const defectRates = z.strictObject(
  Object.fromEntries(DEFECTS.map((d) => [d, probability.optional()])) as Record<
    (typeof DEFECTS)[number],
    z.ZodOptional<typeof probability>
  >,
);

/** A rate measured at a number of sequences running at once. */
const ratePoint = z.strictObject({
  sequences: z.number().int().positive(),
  tokens_per_s: z.number().positive(),
});

/**
 * A local server's capacity (from `bench --sweep`, or assumed): with it, a local model is simulated as a
 * queue of `max_concurrency` parallel sequences whose prefill and decode rates per sequence depend on how many
 * run at once (linear between the points). Without it, calls never wait for each other.
 */
const capacitySchema = z
  .strictObject({
    max_concurrency: z.number().int().positive(),
    decode: z.array(ratePoint).min(1),
    prefill: z.array(ratePoint).min(1),
    /**
     * Time each call spends outside the server's slots (network, HTTP, parsing), ms: added to its time to
     * first token without holding a slot. `bench --sweep` measures it where the server reports its own
     * durations (Ollama). @default 0
     */
    overhead_ms: z.number().nonnegative().default(0),
    /**
     * Extra time to first token of a call that finds the server idle (threads and caches cold; CPU llama.cpp
     * shows tens of ms), ms. `bench --sweep` measures it with requests sent after idle gaps. @default 0
     */
    wake_ms: z.number().nonnegative().default(0),
    /**
     * Wake time against how long the server sat idle, measured at several idle times (linear between them,
     * from 0 at no idle, flat beyond the last): a CPU engine cools the longer it waits. Replaces wake_ms.
     * `share` is the part of the calls after that idle time that meet a cold server and pay `ms` (the others
     * pay nothing; drawn per call from the run's seed). @default share 1
     */
    wake: z
      .array(
        z.strictObject({
          idle_ms: z.number().positive(),
          ms: z.number().nonnegative(),
          share: z.number().min(0).max(1).optional(),
        }),
      )
      .min(1)
      .refine((points) => points.every((p, i) => i === 0 || p.idle_ms > points[i - 1]!.idle_ms), {
        message: 'wake points must be in increasing order of idle_ms',
      })
      .optional(),
    /** Where the figures come from. @default 'assumed' */
    source: z.string().default('assumed'),
  })
  .refine(
    (c) =>
      [c.decode, c.prefill].every((points) =>
        points.every((p, i) => i === 0 || p.sequences > points[i - 1]!.sequences),
      ),
    'rate points must be in increasing order of sequences',
  );

export const simulationSchema = z.strictObject({
  /** Total latency of one answer, ms. */
  latency_ms: latencySchema,
  /** Share of the total latency spent before the first token. @default 0.25 */
  ttft_share: probability.default(0.25),
  /**
   * Prompt tokens processed per second before the first token. When set, tokens read from the server's
   * prefix cache are not processed again: each saves 1/this seconds of the drawn latency.
   */
  prefill_tokens_per_s: z.number().positive().optional(),
  /** Output tokens when the request does not fix them. */
  output_tokens: range.default({ min: 100, max: 400 }),
  capacity: capacitySchema.optional(),
  /** Per complexity, probability of each defect in an answer. */
  defects: z.strictObject({
    SIMPLE: defectRates.default({}),
    MODERATE: defectRates.default({}),
    COMPLEX: defectRates.default({}),
  }),
  /**
   * Per complexity, probability of a plausible answer that is wrong: well-formed, so no format check sees
   * it. It never changes routing (the checks pass it); it lowers expected accuracy. Fitted by `calibrate`
   * from recorded answers with labels, or by `bench` from its task checks. @default 0
   */
  silent_wrong: z
    .strictObject({
      SIMPLE: probability.default(0),
      MODERATE: probability.default(0),
      COMPLEX: probability.default(0),
    })
    .default({ SIMPLE: 0, MODERATE: 0, COMPLEX: 0 }),
  /**
   * Per complexity, share of answers with a detectable defect that were right anyway (a correct math answer
   * with no marked final answer, say): the check's false alarms. Fitted with silent_wrong. @default 0
   */
  flagged_correct: z
    .strictObject({
      SIMPLE: probability.default(0),
      MODERATE: probability.default(0),
      COMPLEX: probability.default(0),
    })
    .default({ SIMPLE: 0, MODERATE: 0, COMPLEX: 0 }),
  /** Where the defect and silent-wrong rates come from (`assumed`, or `fitted from FILE`). @default assumed */
  rates_source: z.string().default('assumed'),
  /** As a self-critic: probability it spots a defective answer. @default 0.8 */
  critique_detection: probability.default(0.8),
  /** As a self-critic: probability it flags a clean answer. @default 0.02 */
  critique_false_alarm: probability.default(0.02),
  /** Probability a call fails with a transient server error. @default 0 */
  error_rate: probability.default(0),
});

const pricingSchema = z.strictObject({
  input_per_mtok: nonNegative,
  output_per_mtok: nonNegative,
  cached_input_per_mtok: nonNegative.optional(),
  cache_write_input_per_mtok: nonNegative.optional(),
});

export const modelSchema = z.strictObject({
  name: z.string().min(1),
  provider: z.enum(PROVIDERS),
  /** Name sent to the server; defaults to `name`. */
  model: z.string().min(1).optional(),
  tier: z.enum(TIERS),
  enabled: z.boolean().default(true),
  context_window: z.number().int().positive(),
  /** Size on disk / in memory, GB (local models). */
  size_gb: nonNegative.optional(),
  endpoint: z
    .strictObject({
      host: z.string().url().optional(),
      base_url: z.string().url().optional(),
      api_key: envRef.optional(),
    })
    .default({}),
  /** Price per million tokens; API models default to the bundled @pydantic/genai-prices table. */
  pricing: pricingSchema.optional(),
  /** Id used to look the model up in the price table; defaults to `model`. */
  price_id: z.string().optional(),
  /** Power draw while busy, W (local models, energy cost), when the model is placed on no hardware. */
  watts: nonNegative.optional(),
  /** Local models: the `local_costs.hardware` item it runs on (its memory must hold the model). */
  hardware: z.string().min(1).optional(),
  /** KV cache per token of context, MB; known for the shipped models, needed for others placed on hardware. */
  kv_cache_mb_per_token: z.number().positive().optional(),
  /** llamacpp: the GGUF file to load in-process with node-llama-cpp. */
  model_path: z.string().min(1).optional(),
  /** llamacpp: context size in tokens (shared by the concurrent sequences). @default 2048 */
  context_size: z.number().int().positive().optional(),
  /** llamacpp: CPU threads. @default physical cores − 1, at least 1 (all cores thrash on small machines) */
  threads: z.number().int().positive().optional(),
  /** llamacpp: requests served at once (context sequences). @default 2 */
  parallel: z.number().int().positive().optional(),
  /** llamacpp: `auto` uses the model's chat template when its GGUF has one; `none` is plain completion. @default auto */
  chat_template: z.enum(['auto', 'none']).optional(),
  /** Abort a call after this long, ms; defaults per tier under router.timeouts_ms. */
  timeout_ms: z.number().int().positive().optional(),
  /**
   * How the model's server caches prompt prefixes (simulation). Defaults follow the provider: Anthropic
   * explicit breakpoints with a 5-minute TTL, OpenAI automatic from 1,024 tokens, local servers' KV cache.
   */
  prompt_cache: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Anthropic: `5m` (writes at 1.25× input) or `1h` (writes at 2× input). Others: minutes alive. */
      ttl: z.union([z.enum(['5m', '1h']), z.number().positive()]).optional(),
      /** Shortest prefix cached, tokens; defaults per model (Anthropic 1,024–4,096, OpenAI 1,024). */
      min_tokens: z.number().int().min(0).optional(),
    })
    .optional(),
  simulation: simulationSchema,
});

export type RawModel = z.infer<typeof modelSchema>;
export type SimulationProfile = z.infer<typeof simulationSchema>;
export type LatencyDistribution = z.infer<typeof latencySchema>;
export type DefectRates = z.infer<typeof defectRates>;
