import type { Backend, GenerateCall, GenerateResult } from '../../src/backends/backend.js';

type Reply = Partial<GenerateResult> | Error;
type Script = Reply | Reply[] | ((call: GenerateCall) => Reply);

/**
 * A test double that records every call and answers per model name with a value, a list (one per call, the
 * last repeating) or a function. Critique calls answer YES unless the script for `critic` says otherwise.
 */
export function scriptedBackend(scripts: Record<string, Script>): Backend & { calls: GenerateCall[] } {
  const calls: GenerateCall[] = [];
  const counts = new Map<string, number>();
  return {
    name: 'scripted',
    calls,
    async doGenerate(call) {
      calls.push(call);
      const key = call.purpose === 'critique' ? 'critic' : call.model.name;
      const script = scripts[key] ?? (call.purpose === 'critique' ? { text: 'YES: fine' } : undefined);
      if (script === undefined) throw new Error(`no script for ${key}`);
      const n = counts.get(key) ?? 0;
      counts.set(key, n + 1);
      const reply =
        typeof script === 'function'
          ? script(call)
          : Array.isArray(script)
            ? script[Math.min(n, script.length - 1)]!
            : script;
      if (reply instanceof Error) throw reply;
      return {
        text: '',
        inputTokens: 100,
        outputTokens: 50,
        cachedInputTokens: 0,
        finishReason: 'stop',
        ttftMs: 10,
        latencyMs: 100,
        ...reply,
      };
    },
  };
}
