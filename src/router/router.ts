import type { Backend } from '../backends/backend.js';
import { AnswerInterruptedError, BudgetExhaustedError, UnknownModelError } from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { Provider } from '../config/schema.js';
import { priceTokens } from '../cost/price-table.js';
import {
  budgetCaps,
  createMemoryBudgetGuard,
  type BudgetGuard,
  type Reservation,
} from '../ledger/budget-guard.js';
import { FailurePolicy } from './failure-policy.js';
import { Attempts, estimateTokens, type AttemptContext, type Answered } from './attempt.js';
import type { Clock } from '../core/clock.js';
import { createRealClock } from '../core/clock.js';
import { nextTierIndex, planChain, selectTier } from './chain.js';
import { classify } from './classify.js';
import {
  isLocalTier,
  type AttemptRecord,
  type ContextSkip,
  type RouteRequest,
  type RouteResult,
  type Tier,
} from './types.js';

/** Receives the router's records: each attempt as it ends, each request when it is answered. */
export interface RouterSink {
  onAttempt?(attempt: AttemptRecord, request: RouteRequest): void;
  onRequest?(result: RouteResult, request: RouteRequest): void;
}

export interface RouterOptions {
  /** One backend for every model (simulation), or one per provider. */
  backends: Backend | Partial<Record<Provider, Backend>>;
  /** @default the real clock */
  clock?: Clock;
  /** @default an in-memory guard with the config's daily budget */
  budget?: BudgetGuard;
  sinks?: RouterSink[];
}

/** How one request is served, beside what it asks. */
export interface RouteOptions {
  /**
   * Stream the answer: its text goes to `onToken` as the first model that answers produces it, and the
   * quality check is recorded after, without escalating (what was sent cannot be taken back). A model that
   * fails before its first token still falls through to the next; one that fails after it throws
   * AnswerInterruptedError. Without it the answer is checked first and escalated invisibly.
   */
  onToken?: (piece: string, model: ModelConfig) => void;
}

export { estimateTokens } from './attempt.js';

/**
 * The one router: classify, select a tier, walk the chain, check quality, fall back. Simulation, bench and
 * production differ only in the backends, clock and sinks injected here.
 */
export class Router {
  readonly config: RouterConfig;
  readonly clock: Clock;
  readonly budget: BudgetGuard;
  private readonly backends: RouterOptions['backends'];
  private readonly sinks: RouterSink[];
  /** Fast-tier models that can act as self-critic, in config order. */
  private readonly critics: readonly ModelConfig[];
  private sequence = 0;
  private readonly chains = new Map<Tier, readonly ModelConfig[]>();
  private readonly failurePolicy: FailurePolicy;
  private readonly attempts: Attempts;

  constructor(config: RouterConfig, options: RouterOptions) {
    this.config = config;
    this.backends = options.backends;
    this.clock = options.clock ?? createRealClock();
    this.budget = options.budget ?? createMemoryBudgetGuard(budgetCaps(config));
    this.sinks = [...(options.sinks ?? [])];
    this.critics = planChain('LOCAL_FAST', config).filter((m) => m.tier === 'LOCAL_FAST');
    this.failurePolicy = new FailurePolicy(config, this.clock);
    this.attempts = new Attempts(config, this.clock, this.critics, this.failurePolicy, (model) =>
      this.backendFor(model),
    );
  }

  /** Whether a model is being skipped after repeated failures (for monitoring). */
  isCoolingDown(model: string): boolean {
    return this.failurePolicy.coolingDown(model);
  }

  subscribe(sink: RouterSink): () => void {
    this.sinks.push(sink);
    return () => {
      const index = this.sinks.indexOf(sink);
      if (index >= 0) this.sinks.splice(index, 1);
    };
  }

  private backendFor(model: ModelConfig): Backend {
    const backends = this.backends;
    if ('doGenerate' in backends) return backends as Backend;
    const backend = (backends as Partial<Record<Provider, Backend>>)[model.provider];
    if (!backend)
      throw new Error(`no backend configured for provider '${model.provider}' (model ${model.name})`);
    return backend;
  }

  /** A pinned request's chain: the one model named, or the enabled models of one tier (no tier above). */
  private pinnedChain(pin: NonNullable<RouteRequest['pin']>): readonly ModelConfig[] {
    if ('model' in pin) {
      const model = this.config.models.find((m) => m.name === pin.model && m.enabled);
      if (!model) throw new UnknownModelError(pin.model);
      return [model];
    }
    return this.chainFor(pin.tier).filter((m) => m.tier === pin.tier);
  }

  private chainFor(tier: Tier): readonly ModelConfig[] {
    let chain = this.chains.get(tier);
    if (!chain) this.chains.set(tier, (chain = planChain(tier, this.config)));
    return chain;
  }

  async route(request: RouteRequest, options: RouteOptions = {}): Promise<RouteResult> {
    const config = this.config;
    const id = request.id ?? `req-${++this.sequence}`;
    const startedAtMs = request.arrivalMs ?? this.clock.now();
    const { complexity, reason: classifyReason } = classify(request, config.actionComplexity);
    const decision = selectTier(complexity, request, config);
    // An API-only alternative walks its own chain per complexity (quality-critical requests take COMPLEX's).
    const override = config.chainOverride?.[request.qualityCritical ? 'COMPLEX' : complexity];
    let chain = override ?? this.chainFor(decision.tier);
    if (request.pin) chain = this.pinnedChain(request.pin);
    const prompt = request.context ? `${request.prompt}\n\n${request.context}` : request.prompt;
    const context: AttemptContext = {
      request,
      requestId: id,
      complexity,
      expects: request.expects ?? 'text',
      prompt,
      inputTokens: request.inputTokens ?? estimateTokens(prompt),
      maxTokens: request.maxTokens ?? config.maxOutputTokens,
    };

    const attempts: AttemptRecord[] = [];
    const answers: Answered[] = [];
    // Streaming: set once the first piece of an answer has gone to the client.
    let streamed = false;
    const onToken = options.onToken;
    const stream = onToken
      ? (model: ModelConfig) =>
          (piece: string): void => {
            streamed = true;
            onToken(piece, model);
          }
      : undefined;
    const skipped: string[] = [];
    let tooLong: ContextSkip[] | undefined;
    // The window must hold the prompt and the longest answer the request allows, as a server checks it.
    const needed = context.inputTokens + context.maxTokens;
    let budgetLimited = false;
    let index = 0;
    let retries = 0;
    let backoffMs = 0;
    while (index < chain.length) {
      const model = chain[index]!;
      if (needed > model.contextWindow) {
        (tooLong ??= []).push({ model: model.name, tier: model.tier, window: model.contextWindow, needed });
        index++;
        retries = 0;
        continue;
      }
      if (this.failurePolicy.coolingDown(model.name)) {
        skipped.push(model.name);
        index++;
        retries = 0;
        continue;
      }
      let reservation: Reservation | undefined;
      if (!isLocalTier(model.tier)) {
        const worstCase = priceTokens(
          model.price,
          context.inputTokens,
          request.outputTokens ?? context.maxTokens,
        );
        const held = this.budget.reserve(worstCase, startedAtMs);
        reservation = held instanceof Promise ? await held : held;
        if (!reservation) {
          budgetLimited = true;
          if (attempts.length === 0 && config.onBudgetExhausted === 'reject') {
            const spent = this.budget.committed(startedAtMs);
            throw new BudgetExhaustedError(
              `daily budget of $${config.dailyBudgetUsd.toFixed(2)} reached ($${spent.toFixed(4)} committed); request ${id} needs the API tier and on_budget_exhausted is 'reject'`,
              spent,
              config.dailyBudgetUsd,
            );
          }
          if (attempts.length === 0) {
            // local_only: serve from the best local tier instead of the API.
            const local = chainOfBestLocalTier(config);
            if (local.length) {
              chain = [...chain.slice(0, index), ...local];
              continue;
            }
          }
          break;
        }
      }
      const { record, answer, error } = await this.attempts.attempt(
        model,
        context,
        attempts.length,
        stream?.(model),
      );
      if (reservation) this.budget.settle(reservation, record.costUsd);
      if (budgetLimited) record.budgetLimited = true;
      if (backoffMs) record.backoffMs = backoffMs;
      backoffMs = 0;
      attempts.push(record);
      answers.push(answer);
      for (const sink of this.sinks) sink.onAttempt?.(record, request);
      if (error && streamed)
        throw new AnswerInterruptedError(
          `${model.name} failed after part of its answer was streamed: ${error.message}`,
          model.name,
          error,
        );
      if (!error) {
        this.failurePolicy.succeeded(model.name);
        // A streamed answer stands: the check is recorded, and there is nothing to escalate invisibly.
        if (record.passed || streamed) break;
        index = override ? index + 1 : nextTierIndex(chain, index);
        retries = 0;
        continue;
      }
      this.failurePolicy.failed(model.name);
      const delay = this.failurePolicy.retryDelay(error, retries, id, attempts.length);
      if (delay !== undefined && !this.failurePolicy.coolingDown(model.name)) {
        // Retry the same model after a backoff (retry-after when the server gave one).
        retries++;
        backoffMs = delay;
        await this.clock.sleep(delay);
        continue;
      }
      index++;
      retries = 0;
    }

    let costUsd = 0;
    let latencyMs = 0;
    let inputTokens = 0;
    let outputTokens = 0;
    let winner: number | undefined;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i]!;
      costUsd += attempt.costUsd;
      latencyMs += attempt.latencyMs + (attempt.backoffMs ?? 0);
      inputTokens += attempt.inputTokens;
      outputTokens += attempt.outputTokens;
      // The passing attempt (always the last), or the best-scoring one when none passed, the later (higher
      // tier) one on a tie; errors never win.
      if (
        !attempt.error &&
        (winner === undefined || attempt.passed || attempt.confidence >= attempts[winner]!.confidence)
      )
        winner = i;
    }
    const chosen = winner === undefined ? undefined : attempts[winner];
    const result: RouteResult = {
      id,
      action: request.action,
      complexity,
      tier: decision.tier,
      reason: `${classifyReason}; ${decision.reason}`,
      model: chosen?.model,
      finalTier: chosen?.tier,
      text: winner === undefined ? '' : answers[winner]!.text,
      ...(winner !== undefined && answers[winner]!.toolCalls
        ? { toolCalls: answers[winner]!.toolCalls }
        : {}),
      ...(chosen ? { finishReason: chosen.finishReason } : {}),
      passed: chosen?.passed ?? false,
      confidence: chosen?.confidence ?? 0,
      ...(chosen?.correct === undefined ? {} : { correct: chosen.correct }),
      attempts,
      totals: { costUsd, latencyMs, inputTokens, outputTokens, attempts: attempts.length },
      budgetLimited,
      startedAtMs,
    };
    if (skipped.length) result.skippedInCooldown = skipped;
    if (tooLong) {
      result.skippedForContext = tooLong;
      result.reason += `; ${tooLong.map((s) => `${s.model} skipped: ${s.needed} tokens (input + max output) > its ${s.window}-token window`).join('; ')}`;
    }
    for (const sink of this.sinks) sink.onRequest?.(result, request);
    return result;
  }
}

function chainOfBestLocalTier(config: RouterConfig): ModelConfig[] {
  const quality = planChain('LOCAL_QUALITY', config).filter((m) => m.tier === 'LOCAL_QUALITY');
  return quality.length ? quality : planChain('LOCAL_FAST', config).filter((m) => m.tier === 'LOCAL_FAST');
}

/** Creates the router; the package root exports this. */
export function createRouter(config: RouterConfig, options: RouterOptions): Router {
  return new Router(config, options);
}
