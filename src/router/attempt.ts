// One attempt of a request on one model: the backend call, the quality checks, the self-critique and the
// attempt's record (tokens, cost, latency, confidence). The router walks the chain; this runs each step.
import type { Backend, GenerateResult } from '../backends/backend.js';
import { BackendError } from '../backends/errors.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { Clock } from '../core/clock.js';
import { deadline } from '../core/deadline.js';
import { priceTokens } from '../cost/price-table.js';
import type { FailurePolicy } from './failure-policy.js';
import { confidenceOf, memoisedStaticChecks, passes, runStaticChecks } from './quality/quality-check.js';
import { critiquePrompt, parseCritique } from './quality/self-critique.js';
import { runTaskCheck } from './quality/task-check.js';
import {
  isLocalTier,
  type AttemptRecord,
  type CheckResult,
  type CheckScores,
  type Complexity,
  type Expects,
  type RouteRequest,
  type ToolCall,
} from './types.js';

/** Estimated input tokens when the caller gave none: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Runs attempts for one router: its config, clock, critics, failure policy and backends. */
export class Attempts {
  constructor(
    private readonly config: RouterConfig,
    private readonly clock: Clock,
    /** Fast-tier models that can act as self-critic, in config order. */
    private readonly critics: readonly ModelConfig[],
    private readonly failurePolicy: FailurePolicy,
    private readonly backendFor: (model: ModelConfig) => Backend,
  ) {}

  async attempt(
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
export interface AttemptContext {
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
export interface Answered {
  text: string;
  toolCalls?: readonly ToolCall[];
}
export const NO_ANSWER: Answered = Object.freeze({ text: '' });
const NOT_ASKED = Object.freeze({
  check: { score: 0, note: 'not asked: the answer fails the other checks' },
  costUsd: 0,
  latencyMs: 0,
  localBusyMs: 0,
});
