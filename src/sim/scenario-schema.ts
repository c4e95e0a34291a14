import { z } from 'zod';
import { EXPECTS } from '../router/types.js';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

/** A token-count distribution: log-normal with this mean and standard deviation, at least `min`. */
const tokens = z.strictObject({
  mean: positive,
  sd: nonNegative.default(0),
  min: z.number().int().min(0).default(1),
});

const actionSchema = z.strictObject({
  /** Share of iterations that are this action; the shares must add up to 1 (±0.001). */
  share: positive,
  expects: z.enum(EXPECTS).default('text'),
  required_fields: z.array(z.string()).default([]),
  input_tokens: tokens,
  output_tokens: tokens,
  quality_critical: z.boolean().default(false),
  /**
   * The most output tokens the agent allows this action (its requests' max_tokens). With the input, it must
   * fit a model's context window, or the router skips that model. @default the config's max_output_tokens
   */
  max_tokens: z.number().int().positive().optional(),
  /**
   * Tokens at the start of every prompt of this action that never change (system prompt, tool definitions),
   * added in front of `input_tokens`: the part a prompt cache can serve. @default 0
   */
  shared_prefix_tokens: z.number().int().min(0).default(0),
  /**
   * Actions in one group share one prefix (an agent with one system prompt for every step); they must give
   * the same shared_prefix_tokens. @default the action's own name
   */
  prefix_group: z.string().min(1).optional(),
  /** Example prompt; classification uses the action type, so this only shows in traces. */
  prompt: z.string().optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/, 'a name of letters, digits, dot, dash or underscore'),
  description: z.string().default(''),
  iterations_per_day: positive,
  /** @default 365 */
  days: z.number().int().positive().default(365),
  /** First simulated day, YYYY-MM-DD (UTC). */
  start_date: z.iso.date().default('2026-01-01'),
  seed: z.number().int().default(42),
  arrival: z
    .strictObject({
      /** `poisson`: a Poisson number of iterations per day; `fixed`: exactly iterations_per_day. */
      pattern: z.enum(['poisson', 'fixed']).default('poisson'),
      /** Relative load per hour of the day (24 numbers), the daily curve. */
      hourly_weights: z.array(nonNegative).length(24).optional(),
    })
    .default({ pattern: 'poisson' }),
  actions: z.record(z.string(), actionSchema).refine((a) => Object.keys(a).length > 0, 'at least one action'),
  /**
   * Agent sessions: runs of consecutive iterations of one agent, whose history (earlier steps and their
   * results) is sent again with each later iteration, after the shared prefix. Without it every iteration
   * stands alone.
   */
  session: z
    .strictObject({
      /** Iterations per session: normal with this mean and sd, rounded, at least 1. */
      iterations: z.strictObject({ mean: z.number().min(1), sd: nonNegative.default(0) }),
      /** Tokens of history each iteration adds to the prompts of the iterations after it. */
      history_tokens_per_iteration: z.number().int().min(0),
    })
    .optional(),
  /** Extra transient-error probability per model name. */
  faults: z.record(z.string(), z.number().min(0).max(1)).default({}),
  /** Deep-merged into the config before it is validated. */
  config_overrides: z.record(z.string(), z.unknown()).optional(),
  /** Assumptions for the analytic estimate. */
  analytic: z
    .strictObject({
      /** Share of all requests that fail locally and go to the API (instead of deriving it from profiles). */
      fallback_rate: z.number().min(0).max(1).optional(),
    })
    .default({}),
  /** Success-metric targets (the design document's by default). */
  targets: z
    .strictObject({
      max_cost_per_week_usd: nonNegative.optional(),
      min_savings_pct: z.number().optional(),
      max_average_latency_ms: nonNegative.optional(),
      min_pass_rate_pct: z.number().min(0).max(100).optional(),
      max_fallback_rate_pct: z.number().min(0).max(100).optional(),
      min_local_share_pct: z.number().min(0).max(100).optional(),
      min_average_confidence: z.number().min(0).max(1).optional(),
      /** p95 time to first token of local calls in the busiest hour that sizes the servers needed, ms. @default 5000 */
      local_p95_ms: positive.optional(),
    })
    .default({}),
  projection: z
    .strictObject({
      /** Days per month in projections; 365/12 by default (the design document used 30). */
      days_per_month: positive.optional(),
    })
    .default({}),
});

export type RawScenario = z.infer<typeof scenarioSchema>;
export type ScenarioAction = z.infer<typeof actionSchema>;
export type TokenDistribution = z.infer<typeof tokens>;
