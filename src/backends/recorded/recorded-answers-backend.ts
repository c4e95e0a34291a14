import type { AnswerTable } from '../../sim/recorded-answers.js';
import type { Backend, GenerateCall, GenerateResult } from '../backend.js';

export interface RecordedAnswersBackendOptions {
  table: AnswerTable;
  /** Configured model name → recorded source. */
  mapping: ReadonlyMap<string, string>;
  /**
   * Answers what the file does not hold (a model with no recorded source, a missing row, a critique) and
   * supplies timings the file does not record: the simulated backend on the same clock and seed.
   */
  fallback: Backend;
}

/**
 * Replays recorded answers through the real router: for each model, the text that model really wrote for
 * this request, its output tokens, and its correctness label. Timing comes from the fallback (the model's
 * profile, on the virtual clock) unless the file records a latency. Rows and models the file does not
 * cover are answered by the fallback and marked `answerSource: 'profile'`.
 */
export function createRecordedAnswersBackend(options: RecordedAnswersBackendOptions): Backend {
  const { table, mapping, fallback } = options;
  return {
    name: 'recorded-answers',
    async doGenerate(call: GenerateCall): Promise<GenerateResult> {
      if (call.purpose === 'critique') {
        // A recorded verdict on exactly this answer, when the file has one; else the profile's critic.
        const drawn = await fallback.doGenerate(call);
        const answers = table.rows.get(call.requestId);
        let critique: string | undefined;
        if (answers)
          for (const answer of answers.values())
            if (answer.critique !== undefined && answer.text === call.subject) critique = answer.critique;
        return critique === undefined ? drawn : { ...drawn, text: critique, answerSource: 'recorded' };
      }
      const source = mapping.get(call.model.name);
      const recorded = source === undefined ? undefined : table.rows.get(call.requestId)?.get(source);
      // The fallback draws the timing (and applies timeouts and injected faults) on the virtual clock.
      const drawn = await fallback.doGenerate(
        recorded ? { ...call, outputTokens: recorded.outputTokens } : call,
      );
      if (!recorded) return { ...drawn, answerSource: 'profile' };
      const latencyMs = recorded.latencyMs ?? drawn.latencyMs;
      return {
        text: recorded.text,
        inputTokens: drawn.inputTokens,
        outputTokens: recorded.outputTokens,
        cachedInputTokens: 0,
        // Recorded answers carry no finish reason; a cut-off text is recognised from the text itself.
        finishReason: 'stop',
        ttftMs: recorded.latencyMs === undefined ? drawn.ttftMs : Math.min(drawn.ttftMs, latencyMs),
        latencyMs,
        ...(recorded.correct === undefined ? {} : { correct: recorded.correct }),
        answerSource: 'recorded',
      };
    },
  };
}
