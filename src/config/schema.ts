import { z } from 'zod';
import { COMPLEXITIES, TIERS } from '../contract/request.js';
import { envRef, nonNegative, probability } from './schema-primitives.js';
import { modelSchema } from './model-schema.js';

export { DEFECTS, PROVIDERS, type Defect, type Provider } from './schema-primitives.js';
export {
  modelSchema,
  simulationSchema,
  type DefectRates,
  type LatencyDistribution,
  type RawModel,
  type SimulationProfile,
} from './model-schema.js';

const weightsSchema = z.strictObject({
  format: nonNegative,
  completeness: nonNegative,
  coherence: nonNegative,
  self_critique: nonNegative,
  /** The task-aware check (math answer, code tests) when one applies. @default 0 */
  task: nonNegative.default(0),
});

/** Named weight sets; `design` is the design document's (format .3, completeness .2, coherence .3, critique .2). */
export const WEIGHT_PRESETS = {
  design: { format: 0.3, completeness: 0.2, coherence: 0.3, self_critique: 0.2, task: 0 },
  'task-weighted': { format: 0.2, completeness: 0.1, coherence: 0.2, self_critique: 0.1, task: 0.4 },
} as const;
export type WeightPreset = keyof typeof WEIGHT_PRESETS;

/** Checks that may veto an answer (their score multiplies the confidence). */
export const VETO_CHECKS = ['task', 'self_critique'] as const;

export const routerSchema = z.strictObject({
  quality_threshold: probability.default(0.7),
  prefer_local: z.boolean().default(true),
  daily_budget_usd: nonNegative.default(10),
  on_budget_exhausted: z.enum(['local_only', 'reject']).default('local_only'),
  /** Optional caps over ISO weeks and calendar months. */
  weekly_budget_usd: nonNegative.optional(),
  monthly_budget_usd: nonNegative.optional(),
  /** Warn once per window when spend reaches this share of a cap. @default 0.8 */
  budget_alert_threshold: probability.default(0.8),
  /** IANA time zone whose calendar day the budget counts. @default 'UTC' */
  budget_timezone: z.string().default('UTC'),
  self_critique: z.boolean().default(true),
  /** A preset name (`design`, `task-weighted`) or the weights themselves. @default design */
  weights: z
    .union([z.enum(Object.keys(WEIGHT_PRESETS) as [WeightPreset, ...WeightPreset[]]), weightsSchema])
    .default('design'),
  /** Checks whose score alone can fail an answer (it multiplies the confidence). @default [task] */
  veto: z.array(z.enum(VETO_CHECKS)).default(['task']),
  /** Task-aware checks, each applied to the requests of its kind. */
  task_checks: z
    .strictObject({
      math_answer: z.boolean().default(true),
      code_tests: z.boolean().default(true),
      sandbox: z
        .strictObject({
          timeout_ms: z.number().int().positive().default(5000),
          memory_mb: z.number().int().positive().default(512),
        })
        .default({ timeout_ms: 5000, memory_mb: 512 }),
    })
    .default({ math_answer: true, code_tests: true, sandbox: { timeout_ms: 5000, memory_mb: 512 } }),
  /** Output tokens assumed for the budget's worst case when a request sets no max. @default 1024 */
  max_output_tokens: z.number().int().positive().default(1024),
  action_complexity: z.record(z.string(), z.enum(COMPLEXITIES)),
  /** Retries of the same model after a retryable error (5xx, 529, 429, timeout, connection), with backoff. */
  retry: z
    .strictObject({
      max_retries: z.number().int().min(0).default(2),
      base_delay_ms: nonNegative.default(500),
      max_delay_ms: nonNegative.default(8000),
    })
    .default({ max_retries: 2, base_delay_ms: 500, max_delay_ms: 8000 }),
  /** Per-tier call timeouts, ms. */
  timeouts_ms: z
    .strictObject({
      LOCAL_FAST: z.number().int().positive().default(30_000),
      LOCAL_QUALITY: z.number().int().positive().default(120_000),
      API_FALLBACK: z.number().int().positive().default(120_000),
    })
    .default({ LOCAL_FAST: 30_000, LOCAL_QUALITY: 120_000, API_FALLBACK: 120_000 }),
  /** A model that failed `failures` times in a row is skipped for `seconds`. */
  cooldown: z
    .strictObject({ failures: z.number().int().positive().default(3), seconds: nonNegative.default(60) })
    .default({ failures: 3, seconds: 60 }),
  complexity_tier: z
    .strictObject({ SIMPLE: z.enum(TIERS), MODERATE: z.enum(TIERS), COMPLEX: z.enum(TIERS) })
    .default({ SIMPLE: 'LOCAL_FAST', MODERATE: 'LOCAL_QUALITY', COMPLEX: 'API_FALLBACK' }),
});

/** One machine (or `count` identical ones) that local models run on. */
export const hardwareSchema = z.strictObject({
  name: z.string().min(1),
  /** A catalogue entry whose figures are the defaults (consumer-24gb, workstation-48gb, apple-96gb, …). */
  catalogue: z.string().min(1).optional(),
  description: z.string().optional(),
  purchase_usd: nonNegative.optional(),
  amortisation_months: z.number().positive().optional(),
  rent_usd_per_month: nonNegative.optional(),
  gpu_memory_gb: z.number().positive().optional(),
  idle_watts: nonNegative.optional(),
  busy_watts: nonNegative.optional(),
  /** Hours a day it is switched on (idle energy counts them). @default 24 */
  hours_on_per_day: z.number().min(0).max(24).default(24),
  /** Identical machines. @default 1 */
  count: z.number().int().positive().default(1),
});

export const localCostsSchema = z.strictObject({
  usd_per_kwh: nonNegative.default(0.15),
  /** A bare monthly figure (shorthand for hardware or a rented GPU), added to the items below. */
  fixed_usd_per_month: nonNegative.default(0),
  /** Power draw used for local models that set no `watts` and are placed on no hardware. */
  default_watts: nonNegative.default(150),
  /** The machines local models run on; each local model names one under `hardware:`. */
  hardware: z.array(hardwareSchema).default([]),
  /** People's time to run the local machines. @default 0 */
  ops_hours_per_month: nonNegative.default(0),
  ops_usd_per_hour: nonNegative.default(0),
});

export const ledgerSchema = z.strictObject({
  /** SQLite file; HYBRIDLLM_LEDGER and --ledger override it. @default ~/.hybridllm/usage.db */
  path: z.string().optional(),
  /** Keep prompts and answers in the ledger. @default false */
  store_text: z.boolean().default(false),
  /** Attempts written per transaction. @default 50 */
  batch_size: z.number().int().positive().default(50),
  /**
   * A PostgreSQL ledger shared by a fleet (`postgres://…`, or `\${ENV_VAR}`); $HYBRIDLLM_LEDGER_URL overrides
   * it. Unset: the SQLite file above.
   */
  url: z.string().min(1).optional(),
  /** This router's name in the shared ledger. $HYBRIDLLM_INSTANCE overrides it. @default host name (serve: host:port) */
  instance: z.string().min(1).optional(),
  /** Where usage waits while PostgreSQL is unreachable. @default ~/.hybridllm/spool-<instance>.jsonl */
  spool_path: z.string().optional(),
});

/** `auto`, `a/b` or a number in (0, 1]: each instance's outage lease, as a share of the remaining budget. */
const share = z.union(
  [
    z.literal('auto'),
    z.number().gt(0).max(1),
    z
      .string()
      .regex(/^\s*\d+\s*\/\s*\d+\s*$/)
      .transform((text) => {
        const [a, b] = text.split('/').map(Number) as [number, number];
        return a / b;
      })
      .pipe(z.number().gt(0, 'the share must be above 0').max(1, 'the share must be at most 1')),
  ],
  { error: "expected 'auto', a fraction such as 1/3, or a number in (0, 1]" },
);

/** The budget across a fleet (with ledger.url); the caps themselves are router.daily_budget_usd and kin. */
export const budgetSchema = z.strictObject({
  /**
   * Each instance's outage lease: this share of what remains of each cap is set aside for it alone, and it is
   * all the instance may spend while PostgreSQL is unreachable, so the fleet stays within the cap whichever
   * instances lose the database. `auto`: one share per live instance (1/N). @default auto
   */
  partition_on_outage: share.default('auto'),
  /**
   * A reservation (an API call's worst case, held while the call runs) whose instance has not been heard
   * from for this long is counted as spent and released: a crashed instance does not hold the budget.
   * @default 30
   */
  reservation_timeout_s: z.number().positive().default(30),
});

const checkMode = z.enum(['buffer', 'stream']);

/** `hybridllm serve`: the gateway's address, access and limits. */
export const serveSchema = z.strictObject({
  /** Address to listen on; loopback unless told otherwise. @default 127.0.0.1 */
  host: z.string().min(1).default('127.0.0.1'),
  /** @default 4000 */
  port: z.number().int().min(0).max(65_535).default(4000),
  /**
   * Keys clients must send (`Authorization: Bearer …` or `x-api-key`), as `${ENV_VAR}` references; none means
   * no authentication, which is allowed on a loopback address only.
   */
  api_keys: z.array(envRef).default([]),
  /** Largest request body, bytes; larger ones get 413. @default 4 MiB */
  max_body_bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  /** Requests one client (key, else address) may have in flight; more get 429. @default 64 */
  max_concurrent_per_client: z.number().int().positive().default(64),
  /** On SIGTERM, how long in-flight requests may take to finish, seconds. @default 30 */
  drain_seconds: nonNegative.default(30),
  /**
   * Per expected answer shape: `buffer` checks the whole answer before the first byte goes out (escalation
   * stays invisible); `stream` passes tokens on as they come and records the check after.
   */
  check_mode: z
    .strictObject({
      json: checkMode.default('buffer'),
      code: checkMode.default('buffer'),
      text: checkMode.default('stream'),
    })
    .default({ json: 'buffer', code: 'buffer', text: 'stream' }),
  /** One JSON line per request on stderr (no prompt text unless ledger.store_text). @default true */
  access_log: z.boolean().default(true),
});

/**
 * An API-only alternative the hybrid is compared against: `premium` sends everything to the first enabled
 * API model; a mix names, per complexity, the API model a request starts at (escalating to the premium
 * model when its answer fails the check).
 */
const alternativeSchema = z.union([
  z.literal('premium'),
  z.strictObject({
    SIMPLE: z.string().optional(),
    MODERATE: z.string().optional(),
    COMPLEX: z.string().optional(),
    description: z.string().optional(),
  }),
]);

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  router: routerSchema,
  ledger: ledgerSchema.default({ store_text: false, batch_size: 50 }),
  budget: budgetSchema.default({ partition_on_outage: 'auto', reservation_timeout_s: 30 }),
  serve: serveSchema.default({
    host: '127.0.0.1',
    port: 4000,
    api_keys: [],
    max_body_bytes: 4 * 1024 * 1024,
    max_concurrent_per_client: 64,
    drain_seconds: 30,
    check_mode: { json: 'buffer', code: 'buffer', text: 'stream' },
    access_log: true,
  }),
  local_costs: localCostsSchema.default({
    usd_per_kwh: 0.15,
    fixed_usd_per_month: 0,
    default_watts: 150,
    hardware: [],
    ops_hours_per_month: 0,
    ops_usd_per_hour: 0,
  }),
  models: z.array(modelSchema).min(1),
  /**
   * API-only alternatives, each re-run through the same router. @default api-premium (everything to the
   * first API model) and api-tiered (the cheapest API model for SIMPLE and MODERATE, the premium for COMPLEX)
   */
  baselines: z.record(z.string(), alternativeSchema).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;
