import { createSimulatedBackend } from '../backends/simulated/simulated-backend.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { critiqueSubject, parseFormatInstruction } from '../backends/prompt-format.js';
import { classifyPrompt } from '../router/classify.js';
import { createVirtualClock } from '../core/clock.js';
import type { FinishReason } from '../contract/request.js';
import { JUDGE_RUBRIC } from '../shadow/judge-rubric.js';

/** Injected timing for a model, overriding its profile (e.g. TTFT 50 ms at 100 tokens/s). */
export interface ModelTiming {
  ttftMs?: number;
  tokensPerSecond?: number;
  /** Fixed output tokens per answer. */
  outputTokens?: number;
  /** Load time of the first request (cold start), ms. @default 0 */
  loadMs?: number;
}

/** An answer to play out over the wire: text pieces (one per output token) and when to send them. */
export interface AnswerPlan {
  pieces: string[];
  text: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: FinishReason;
  ttftMs: number;
  /** Time between tokens after the first, ms. */
  interTokenMs: number;
}

/**
 * Answers from the same model profiles as the simulated backend: the format comes from the system message,
 * the complexity from the prompt's features, a critique from the critique prompt.
 */
export function createAnswerPlanner(
  config: RouterConfig,
  seed: number,
  timing: Record<string, ModelTiming> = {},
  /** Recorded answers by prompt: a prompt found here is answered with its recorded text (not a critique). */
  replies?: ReadonlyMap<string, string>,
) {
  const backend = createSimulatedBackend({ seed, clock: createVirtualClock() });
  let sequence = 0;
  return async (
    model: ModelConfig,
    system: string,
    prompt: string,
    maxTokens: number | undefined,
    scale: number,
  ): Promise<AnswerPlan> => {
    const { expects, requiredFields } = parseFormatInstruction(system);
    // A shadow run's LLM judge is answered as a critic of the candidate answer (YES / NO).
    const subject = critiqueSubject(prompt) ?? judgedCandidate(prompt);
    const { complexity } = classifyPrompt(prompt);
    const inputTokens = Math.max(1, Math.ceil((system.length + prompt.length) / 4));
    const override = timing[model.name];
    const result = await backend.doGenerate({
      model,
      request: { prompt, expects, requiredFields },
      requestId: `mock-${++sequence}`,
      complexity,
      expects: subject === undefined ? expects : 'text',
      purpose: subject === undefined ? 'answer' : 'critique',
      prompt,
      inputTokens,
      ...(override?.outputTokens === undefined ? {} : { outputTokens: override.outputTokens }),
      maxTokens: maxTokens ?? config.maxOutputTokens,
      ...(subject === undefined ? {} : { subject }),
      step: 0,
    });
    let outputTokens = Math.max(result.text ? 1 : 0, result.outputTokens);
    let text = result.text;
    let finishReason = result.finishReason;
    const reply = subject === undefined ? replies?.get(prompt.trim()) : undefined;
    if (reply !== undefined) {
      // The recorded text, about four characters a token, at the profile's timing.
      text = reply;
      outputTokens = Math.max(1, Math.ceil(reply.length / 4));
      finishReason = 'stop';
    }
    if (maxTokens !== undefined && outputTokens > maxTokens) {
      text = text.slice(0, Math.floor((text.length * maxTokens) / outputTokens));
      outputTokens = maxTokens;
      finishReason = 'length';
    }
    const pieces: string[] = [];
    for (let i = 0; i < outputTokens; i++)
      pieces.push(
        text.slice(
          Math.floor((i * text.length) / outputTokens),
          Math.floor(((i + 1) * text.length) / outputTokens),
        ),
      );
    const ttftMs = (override?.ttftMs ?? result.ttftMs) * scale;
    const interTokenMs = override?.tokensPerSecond
      ? (1000 / override.tokensPerSecond) * scale
      : outputTokens > 1
        ? ((result.latencyMs - result.ttftMs) / (outputTokens - 1)) * scale
        : 0;
    return { pieces, text, inputTokens, outputTokens, finishReason, ttftMs, interTokenMs };
  };
}

export type AnswerPlanner = ReturnType<typeof createAnswerPlanner>;

/** The candidate answer of a shadow judge's prompt (its pinned rubric first), else undefined. */
function judgedCandidate(prompt: string): string | undefined {
  if (!prompt.startsWith(JUDGE_RUBRIC)) return undefined;
  const at = prompt.lastIndexOf('\n\nCANDIDATE:\n');
  return at >= 0 ? prompt.slice(at + 13) : undefined;
}
