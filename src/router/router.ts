import type { Backend, GenerateResult } from '../backends/backend.js';
import { BackendError, BudgetExhaustedError } from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { Provider } from '../config/schema.js';
import { priceTokens } from '../cost/price-table.js';
import { createMemoryBudgetGuard, type BudgetGuard, type Reservation } from '../ledger/budget-guard.js';
import type { Clock } from '../sim/clock.js';
import { createRealClock } from '../sim/clock.js';
import { nextTierIndex, planChain, selectTier } from './chain.js';
import { classify } from './classify.js';
import { confidenceOf, passes, runStaticChecks } from './quality/quality-check.js';
import { critiquePrompt, parseCritique } from './quality/self-critique.js';
import {
  isLocalTier,
  type AttemptRecord,
  type CheckScores,
  type RouteRequest,
  type RouteResult,
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
  private readonly critic: ModelConfig | undefined;
  private sequence = 0;

  constructor(config: RouterConfig, options: RouterOptions) {
    this.config = config;
    this.backends = options.backends;
    this.clock = options.clock ?? createRealClock();
    this.budget = options.budget ?? createMemoryBudgetGuard(config.dailyBudgetUsd, config.budgetTimezone);
    this.sinks = [...(options.sinks ?? [])];
    this.critic = planChain('LOCAL_FAST', config)[0];
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

  async route(request: RouteRequest): Promise<RouteResult> {
    const config = this.config;
    const id = request.id ?? `req-${++this.sequence}`;
    const startedAtMs = request.arrivalMs ?? this.clock.now();
    const expects = request.expects ?? 'text';
    const { complexity, reason: classifyReason } = classify(request, config.actionComplexity);
    const decision = selectTier(complexity, request, config);
    const chain = planChain(decision.tier, config);
    const promptText = request.context ? `${request.prompt}\n\n${request.context}` : request.prompt;
    const inputTokens = request.inputTokens ?? estimateTokens(promptText);
    const maxTokens = request.maxTokens ?? config.maxOutputTokens;

    const attempts: AttemptRecord[] = [];
    const texts: string[] = [];
    let budgetLimited = false;
    let index = 0;
    while (index < chain.length) {
      const model = chain[index]!;
      let reservation: Reservation | undefined;
      if (!isLocalTier(model.tier)) {
        const worstCase = priceTokens(model.price, inputTokens, request.outputTokens ?? maxTokens);
        reservation = this.budget.reserve(worstCase, startedAtMs);
        if (!reservation) {
          budgetLimited = true;
          if (config.onBudgetExhausted === 'reject' && attempts.length === 0) {
            const spent = this.budget.committed(startedAtMs);
            throw new BudgetExhaustedError(
              `daily budget of $${config.dailyBudgetUsd.toFixed(2)} reached ($${spent.toFixed(4)} committed); request ${id} needs the API tier and on_budget_exhausted is 'reject'`,
              spent,
              config.dailyBudgetUsd,
            );
          }
          if (attempts.length === 0 && config.onBudgetExhausted === 'local_only') {
            // Serve from the best local tier instead of the API.
            const local = chainOfBestLocalTier(config);
            if (local.length) {
              chain.splice(index, chain.length - index, ...local);
              continue;
            }
          }
          break;
        }
      }
      const attempt = await this.attempt(
        model,
        request,
        id,
        complexity,
        expects,
        promptText,
        inputTokens,
        maxTokens,
        attempts.length,
      );
      if (reservation) this.budget.settle(reservation, attempt.record.costUsd);
      if (budgetLimited) attempt.record.budgetLimited = true;
      attempts.push(attempt.record);
      texts.push(attempt.text);
      for (const sink of this.sinks) sink.onAttempt?.(attempt.record, request);
      if (attempt.record.passed) break;
      index = attempt.record.error ? index + 1 : nextTierIndex(chain, index);
    }

    const winner = pickWinner(attempts);
    const chosen = winner === undefined ? undefined : attempts[winner];
    const result: RouteResult = {
      id,
      action: request.action,
      complexity,
      tier: decision.tier,
      reason: `${classifyReason}; ${decision.reason}`,
      model: chosen?.model,
      finalTier: chosen?.tier,
      text: winner === undefined ? '' : texts[winner]!,
      passed: chosen?.passed ?? false,
      confidence: chosen?.confidence ?? 0,
      attempts,
      totals: {
        costUsd: attempts.reduce((sum, a) => sum + a.costUsd, 0),
        latencyMs: attempts.reduce((sum, a) => sum + a.latencyMs, 0),
        inputTokens: attempts.reduce((sum, a) => sum + a.inputTokens, 0),
        outputTokens: attempts.reduce((sum, a) => sum + a.outputTokens, 0),
        attempts: attempts.length,
      },
      budgetLimited,
      startedAtMs,
    };
    for (const sink of this.sinks) sink.onRequest?.(result, request);
    return result;
  }

  private async attempt(
    model: ModelConfig,
    request: RouteRequest,
    requestId: string,
    complexity: RouteResult['complexity'],
    expects: NonNullable<RouteRequest['expects']>,
    prompt: string,
    inputTokens: number,
    maxTokens: number,
    step: number,
  ): Promise<{ record: AttemptRecord; text: string }> {
    const backend = this.backendFor(model);
    const base = { requestId, step, model: model.name, provider: model.provider, tier: model.tier };
    let answer: GenerateResult;
    try {
      answer = await backend.doGenerate({
        model,
        request,
        requestId,
        complexity,
        expects,
        purpose: 'answer',
        prompt,
        inputTokens,
        ...(request.outputTokens === undefined ? {} : { outputTokens: request.outputTokens }),
        maxTokens,
        step,
      });
    } catch (error) {
      if (!BackendError.isInstance(error)) throw error;
      return {
        text: '',
        record: {
          ...base,
          inputTokens: 0,
          outputTokens: 0,
          cachedInputTokens: 0,
          costUsd: 0,
          ttftMs: 0,
          latencyMs: 0,
          localBusyMs: 0,
          confidence: 0,
          checks: {},
          passed: false,
          finishReason: 'error',
          error: error.name,
          errorMessage: error.message,
        },
      };
    }

    const config = this.config;
    const checks: CheckScores = await runStaticChecks(
      answer.text,
      expects,
      request.requiredFields,
      answer.finishReason,
    );
    let costUsd = priceTokens(model.price, answer.inputTokens, answer.outputTokens, answer.cachedInputTokens);
    let latencyMs = answer.latencyMs;
    let localBusyMs = isLocalTier(model.tier) ? answer.latencyMs : 0;
    if (config.selfCritique && this.critic) {
      const critique = await this.selfCritique(
        request,
        requestId,
        complexity,
        expects,
        answer.text,
        checks,
        step,
      );
      if (critique) {
        checks.selfCritique = critique.check;
        costUsd += critique.costUsd;
        latencyMs += critique.latencyMs;
        localBusyMs += critique.localBusyMs;
      }
    }
    const confidence = confidenceOf(checks, config.weights);
    return {
      text: answer.text,
      record: {
        ...base,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        cachedInputTokens: answer.cachedInputTokens,
        costUsd,
        ttftMs: answer.ttftMs,
        latencyMs,
        localBusyMs,
        confidence,
        checks,
        passed: passes(confidence, config.qualityThreshold),
        finishReason: answer.finishReason,
      },
    };
  }

  /**
   * Asks the fast tier whether the answer is valid: a real call, costed. Skipped when the answer cannot pass
   * even with a perfect critique (the call would change nothing). A failed critic call drops the check.
   */
  private async selfCritique(
    request: RouteRequest,
    requestId: string,
    complexity: RouteResult['complexity'],
    expects: NonNullable<RouteRequest['expects']>,
    answer: string,
    checks: CheckScores,
    step: number,
  ): Promise<
    | {
        check: NonNullable<CheckScores['selfCritique']>;
        costUsd: number;
        latencyMs: number;
        localBusyMs: number;
      }
    | undefined
  > {
    const critic = this.critic!;
    const best = confidenceOf({ ...checks, selfCritique: { score: 1, note: '' } }, this.config.weights);
    if (!passes(best, this.config.qualityThreshold))
      return {
        check: { score: 0, note: 'not asked: the answer fails the other checks' },
        costUsd: 0,
        latencyMs: 0,
        localBusyMs: 0,
      };
    const prompt = critiquePrompt(request.prompt, answer, expects);
    try {
      const reply = await this.backendFor(critic).doGenerate({
        model: critic,
        request,
        requestId,
        complexity,
        expects: 'text',
        purpose: 'critique',
        prompt,
        inputTokens: estimateTokens(prompt),
        maxTokens: 32,
        subject: answer,
        step,
      });
      return {
        check: parseCritique(reply.text),
        costUsd: priceTokens(critic.price, reply.inputTokens, reply.outputTokens, reply.cachedInputTokens),
        latencyMs: reply.latencyMs,
        localBusyMs: isLocalTier(critic.tier) ? reply.latencyMs : 0,
      };
    } catch (error) {
      if (!BackendError.isInstance(error)) throw error;
      return undefined;
    }
  }
}

function chainOfBestLocalTier(config: RouterConfig): ModelConfig[] {
  const quality = planChain('LOCAL_QUALITY', config).filter((m) => m.tier === 'LOCAL_QUALITY');
  return quality.length ? quality : planChain('LOCAL_FAST', config).filter((m) => m.tier === 'LOCAL_FAST');
}

/** The passing attempt, or the best-scoring one when none passed (errors never win). */
function pickWinner(attempts: readonly AttemptRecord[]): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < attempts.length; i++) {
    const attempt = attempts[i]!;
    if (attempt.error) continue;
    if (attempt.passed) return i;
    if (best === undefined || attempt.confidence > attempts[best]!.confidence) best = i;
  }
  return best;
}

/** Creates the router; the package root exports this. */
export function createRouter(config: RouterConfig, options: RouterOptions): Router {
  return new Router(config, options);
}
