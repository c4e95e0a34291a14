import type { Backend } from '../backends/backend.js';
import type { ModelConfig } from '../config/router-config.js';
import { countTokens } from '../sim/tokens.js';

export { JUDGE_RUBRIC } from './judge-rubric.js';
import { JUDGE_RUBRIC } from './judge-rubric.js';

export interface JudgeCall {
  request: string;
  reference: string;
  candidate: string;
}

export interface LlmVerdict {
  correct: boolean | undefined;
  costUsd: number;
  /** Why there is no verdict: the judge's reply was unclear, or the budget was spent. */
  note?: string;
}

/** A free-text judge through a configured API model, its spend counted and held under a budget. */
export class LlmJudge {
  spentUsd = 0;
  calls = 0;
  /** Spend reserved by calls in flight (their worst case), so concurrent calls cannot pass the budget. */
  private reservedUsd = 0;

  constructor(
    readonly model: ModelConfig,
    private readonly backend: Backend,
    readonly budgetUsd: number,
  ) {}

  private price(inputTokens: number, outputTokens: number): number {
    return (
      (inputTokens * this.model.price.inputPerMtok + outputTokens * this.model.price.outputPerMtok) / 1e6
    );
  }

  async judge(call: JudgeCall, requestId: string, timeoutMs: number): Promise<LlmVerdict> {
    const prompt = `${JUDGE_RUBRIC}\n\nREQUEST:\n${call.request}\n\nREFERENCE:\n${call.reference}\n\nCANDIDATE:\n${call.candidate}`;
    const worst = this.price(await countTokens(prompt), 16);
    if (this.spentUsd + this.reservedUsd + worst > this.budgetUsd)
      return { correct: undefined, costUsd: 0, note: `judge budget of $${this.budgetUsd} reached` };
    this.reservedUsd += worst;
    try {
      const result = await this.backend.doGenerate({
        model: this.model,
        request: { prompt, expects: 'text' },
        requestId: `judge-${requestId}`,
        complexity: 'SIMPLE',
        expects: 'text',
        purpose: 'answer',
        prompt,
        maxTokens: 16,
        step: 0,
        timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const costUsd = this.price(result.inputTokens, result.outputTokens);
      this.spentUsd += costUsd;
      this.calls++;
      const word = /\b(yes|no)\b/i.exec(result.text)?.[1]?.toLowerCase();
      return word
        ? { correct: word === 'yes', costUsd }
        : {
            correct: undefined,
            costUsd,
            note: `unclear judge reply: ${JSON.stringify(result.text.slice(0, 40))}`,
          };
    } finally {
      this.reservedUsd -= worst;
    }
  }
}
