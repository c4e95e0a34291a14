import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouterConfig } from '../config/router-config.js';
import type { Router, RouterSink } from '../router/router.js';
import type { AttemptRecord } from '../router/types.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The gateway's Prometheus metrics: requests, attempts, cost, tokens, latency, budget, cooldowns. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'hybridllm_requests_total',
    help: 'Requests answered, by API, HTTP status, the tier and model that answered',
    labelNames: ['api', 'status', 'tier', 'model'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'hybridllm_request_duration_seconds',
    help: 'Time from a request arriving to its last byte, by API and answering tier',
    labelNames: ['api', 'tier'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly attempts = new Counter({
    name: 'hybridllm_attempts_total',
    help: 'Model calls, by model, tier and outcome (passed, failed the check, error)',
    labelNames: ['model', 'tier', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly attemptSeconds = new Histogram({
    name: 'hybridllm_attempt_duration_seconds',
    help: 'Latency of one model call, by model and tier',
    labelNames: ['model', 'tier'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'hybridllm_cost_usd_total',
    help: 'API cost of model calls, USD, by model and tier',
    labelNames: ['model', 'tier'] as const,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'hybridllm_tokens_total',
    help: 'Tokens of model calls, by model, tier and direction (input, output)',
    labelNames: ['model', 'tier', 'direction'] as const,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'hybridllm_requests_in_flight',
    help: 'Requests being answered now',
    registers: [this.registry],
  });

  constructor(config: RouterConfig, router: Router, budgetRemaining: () => number) {
    new Gauge({
      name: 'hybridllm_budget_remaining_usd',
      help: "What is left of today's API budget, USD",
      registers: [this.registry],
      // Every worker of `serve --workers` reads the same shared budget.
      aggregator: 'min',
      collect() {
        this.set(Math.max(0, budgetRemaining()));
      },
    });
    const models = config.models.filter((m) => m.enabled).map((m) => m.name);
    new Gauge({
      name: 'hybridllm_model_cooldown',
      help: 'Whether a model is skipped after repeated failures (1) or not (0)',
      labelNames: ['model'] as const,
      registers: [this.registry],
      // Each worker keeps its own failure counts: cooling down in any of them shows.
      aggregator: 'max',
      collect() {
        for (const model of models) this.set({ model }, router.isCoolingDown(model) ? 1 : 0);
      },
    });
  }

  /** A router sink counting every attempt. */
  readonly sink: RouterSink = {
    onAttempt: (attempt: AttemptRecord) => {
      const labels = { model: attempt.model, tier: attempt.tier };
      this.attempts.inc({
        ...labels,
        outcome: attempt.error ? 'error' : attempt.passed ? 'passed' : 'failed',
      });
      this.attemptSeconds.observe(labels, attempt.latencyMs / 1000);
      if (attempt.costUsd) this.cost.inc(labels, attempt.costUsd);
      if (attempt.inputTokens) this.tokens.inc({ ...labels, direction: 'input' }, attempt.inputTokens);
      if (attempt.outputTokens) this.tokens.inc({ ...labels, direction: 'output' }, attempt.outputTokens);
    },
  };

  request(api: string, status: number, tier: string, model: string, seconds: number): void {
    this.requests.inc({ api, status: String(status), tier, model });
    this.requestSeconds.observe({ api, tier }, seconds);
  }
}
