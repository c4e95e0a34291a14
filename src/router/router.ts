import type { Backend, GenerateResult } from '../backends/backend.js';
import {
  AnswerInterruptedError,
  BackendError,
  BudgetExhaustedError,
  UnknownModelError,
} from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { Provider } from '../config/schema.js';
import { deadline } from '../core/deadline.js';
import { priceTokens } from '../cost/price-table.js';
import {
  budgetCaps,
  createMemoryBudgetGuard,
  type BudgetGuard,
  type Reservation,
} from '../ledger/budget-guard.js';
import { FailurePolicy } from './failure-policy.js';
import type { Clock } from '../core/clock.js';
import { createRealClock } from '../core/clock.js';
import { nextTierIndex, planChain, selectTier } from './chain.js';
import { classify } from './classify.js';
import { confidenceOf, memoisedStaticChecks, passes, runStaticChecks } from './quality/quality-check.js';
import { critiquePrompt, parseCritique } from './quality/self-critique.js';
import { runTaskCheck } from './quality/task-check.js';
import {
  isLocalTier,
  type AttemptRecord,
  type CheckResult,
  type CheckScores,
  type Complexity,
  type ContextSkip,
  type Expects,
  type RouteRequest,
  type RouteResult,
  type Tier,
  type ToolCall,
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

/** Estimated input tokens when the caller gave none: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

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

  constructor(config: RouterConfig, options: RouterOptions) {
    this.config = config;
    this.backends = options.backends;
    this.clock = options.clock ?? createRealClock();
    this.budget = options.budget ?? createMemoryBudgetGuard(budgetCaps(config));
    this.sinks = [...(options.sinks ?? [])];
    this.critics = planChain('LOCAL_FAST', config).filter((m) => m.tier === 'LOCAL_FAST');
    this.failurePolicy = new FailurePolicy(config, this.clock);
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
      const { record, answer, error } = await this.attempt(model, context, attempts.length, stream?.(model));
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

  private async attempt(
    model: ModelConfig,
    context: AttemptContext,
    step: number,
    onToken?: (piece: string) => void,
  ): Promise<{ record: AttemptRecord; answer: Answered; error?: BackendError }> {
    const { request, requestId, expects } = context;
    let answer: GenerateResult;
    const startedAt = this.clock.now();
    // On a real clock the timeout aborts the call; a simulated backend applies timeoutMs itself.
    const timeout = this.clock.virtual ? undefined : deadline(model.timeoutMs);
    try {
      answer = await this.backendFor(model).doGenerate({
        timeoutMs: model.timeoutMs,
        ...(timeout ? { signal: timeout.signal } : {}),
        model,
        request,
        requestId,
        complexity: context.complexity,
        expects,
        purpose: 'answer',
        prompt: context.prompt,
        inputTokens: context.inputTokens,
        ...(request.outputTokens === undefined ? {} : { outputTokens: request.outputTokens }),
        maxTokens: context.maxTokens,
        step,
        ...(onToken ? { onToken } : {}),
      });
    } catch (error) {
      if (!BackendError.isInstance(error)) throw error;
      return {
        answer: NO_ANSWER,
        error,
        record: {
          requestId,
          step,
          model: model.name,
          provider: model.provider,
          tier: model.tier,
          inputTokens: 0,
          outputTokens: 0,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0,
          ttftMs: 0,
          // Time until the failure: a timeout or a hung stream costs the caller this long.
          latencyMs: this.clock.now() - startedAt,
          localBusyMs: 0,
          confidence: 0,
          checks: {},
          passed: false,
          finishReason: 'error',
          error: error.name,
          errorMessage: error.message,
        },
      };
    } finally {
      timeout?.clear();
    }

    const config = this.config;
    const toolCalls = answer.toolCalls?.length ? answer.toolCalls : undefined;
    let checks: CheckScores;
    if (toolCalls) {
      // A call to the client's tools is for the client to run: nothing here can judge it.
      checks = { format: TOOL_CALL, completeness: TOOL_CALL, coherence: TOOL_CALL };
    } else {
      // Most answers were checked before (memoised): no await then.
      const staticChecks =
        memoisedStaticChecks(answer.text, expects, request.requiredFields, answer.finishReason) ??
        (await runStaticChecks(answer.text, expects, request.requiredFields, answer.finishReason));
      // A fresh object: the static results are memoised and shared between attempts.
      checks = {
        format: staticChecks.format,
        completeness: staticChecks.completeness,
        coherence: staticChecks.coherence,
      };
      const pending = runTaskCheck(request, expects, answer.text, config.taskChecks);
      const task = pending instanceof Promise ? await pending : pending;
      if (task) checks.task = task;
    }
    let costUsd = priceTokens(
      model.price,
      answer.inputTokens,
      answer.outputTokens,
      answer.cachedInputTokens,
      answer.cacheWriteInputTokens,
    );
    let latencyMs = answer.latencyMs;
    let localBusyMs = isLocalTier(model.tier) ? (answer.busyMs ?? answer.latencyMs) : 0;
    if (config.selfCritique && this.critics.length && !toolCalls) {
      const critique = await this.selfCritique(context, answer.text, checks, step);
      if (critique) {
        checks.selfCritique = critique.check;
        costUsd += critique.costUsd;
        latencyMs += critique.latencyMs;
        localBusyMs += critique.localBusyMs;
      }
    }
    const confidence = confidenceOf(checks, config.weights);
    return {
      answer: toolCalls ? { text: answer.text, toolCalls } : { text: answer.text },
      record: {
        requestId,
        step,
        model: model.name,
        provider: model.provider,
        tier: model.tier,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        cachedInputTokens: answer.cachedInputTokens,
        cacheWriteTokens: answer.cacheWriteInputTokens ?? 0,
        costUsd,
        ttftMs: answer.ttftMs,
        latencyMs,
        localBusyMs,
        confidence,
        checks,
        passed: passes(confidence, config.qualityThreshold),
        finishReason: answer.finishReason,
        ...(answer.correct === undefined ? {} : { correct: answer.correct }),
        ...(answer.answerSource ? { answerSource: answer.answerSource } : {}),
      },
    };
  }

  /**
   * Asks the fast tier whether the answer is valid: a real call, costed. Skipped when the answer cannot pass
   * even with a perfect critique (the call would change nothing). A failed critic call drops the check.
   */
  private async selfCritique(
    context: AttemptContext,
    answer: string,
    checks: CheckScores,
    step: number,
  ): Promise<{ check: CheckResult; costUsd: number; latencyMs: number; localBusyMs: number } | undefined> {
    // The first fast model that is not cooling down after repeated errors.
    const critic = this.critics.find((m) => !this.failurePolicy.coolingDown(m.name));
    if (!critic) return undefined;
    const weights = this.config.weights;
    // Confidence with a perfect critique; `checks` is this attempt's own object, and the caller sets the real
    // critique result (or removes this placeholder) afterwards.
    checks.selfCritique = PERFECT;
    const best = confidenceOf(checks, weights);
    if (!passes(best, this.config.qualityThreshold)) return NOT_ASKED;
    const prompt = critiquePrompt(context.request.prompt, answer, context.expects);
    // On a real clock the critic gets its model's timeout too: a hung critic would otherwise hold the
    // request for good (simulated critics keep their modelled latency).
    const timeout = this.clock.virtual ? undefined : deadline(critic.timeoutMs);
    try {
      const reply = await this.backendFor(critic).doGenerate({
        ...(timeout ? { signal: timeout.signal, timeoutMs: critic.timeoutMs } : {}),
        model: critic,
        request: context.request,
        requestId: context.requestId,
        complexity: context.complexity,
        expects: 'text',
        purpose: 'critique',
        prompt,
        inputTokens: estimateTokens(prompt),
        maxTokens: 32,
        subject: answer,
        step,
      });
      this.failurePolicy.succeeded(critic.name);
      return {
        check: parseCritique(reply.text),
        costUsd: priceTokens(critic.price, reply.inputTokens, reply.outputTokens, reply.cachedInputTokens),
        latencyMs: reply.latencyMs,
        localBusyMs: isLocalTier(critic.tier) ? (reply.busyMs ?? reply.latencyMs) : 0,
      };
    } catch (error) {
      if (!BackendError.isInstance(error)) throw error;
      this.failurePolicy.failed(critic.name);
      delete checks.selfCritique;
      return undefined;
    } finally {
      timeout?.clear();
    }
  }
}

/** What every attempt of one request shares. */
interface AttemptContext {
  request: RouteRequest;
  requestId: string;
  complexity: Complexity;
  expects: Expects;
  prompt: string;
  inputTokens: number;
  maxTokens: number;
}

const PERFECT: CheckResult = { score: 1, note: '' };
const TOOL_CALL: CheckResult = Object.freeze({ score: 1, note: 'tool call (for the client to run)' });

/** What an attempt answered: its text, and its tool calls when it made any. */
interface Answered {
  text: string;
  toolCalls?: readonly ToolCall[];
}
const NO_ANSWER: Answered = Object.freeze({ text: '' });
const NOT_ASKED = Object.freeze({
  check: { score: 0, note: 'not asked: the answer fails the other checks' },
  costUsd: 0,
  latencyMs: 0,
  localBusyMs: 0,
});

function chainOfBestLocalTier(config: RouterConfig): ModelConfig[] {
  const quality = planChain('LOCAL_QUALITY', config).filter((m) => m.tier === 'LOCAL_QUALITY');
  return quality.length ? quality : planChain('LOCAL_FAST', config).filter((m) => m.tier === 'LOCAL_FAST');
}

/** Creates the router; the package root exports this. */
export function createRouter(config: RouterConfig, options: RouterOptions): Router {
  return new Router(config, options);
}
