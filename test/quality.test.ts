import { beforeAll, describe, expect, it } from 'vitest';
import { loadSyntaxChecker } from '../src/router/quality/code-parsers.js';
import { checkCoherence, repetitionShare } from '../src/router/quality/coherence-check.js';
import { checkCompleteness } from '../src/router/quality/completeness-check.js';
import { checkFormat } from '../src/router/quality/format-check.js';
import { confidenceOf, passes, runStaticChecks } from '../src/router/quality/quality-check.js';
import { parseCritique } from '../src/router/quality/self-critique.js';

const weights = { format: 0.3, completeness: 0.2, coherence: 0.3, selfCritique: 0.2 };

beforeAll(async () => {
  await Promise.all([
    loadSyntaxChecker('python'),
    loadSyntaxChecker('typescript'),
    loadSyntaxChecker('javascript'),
  ]);
});

describe('format check', () => {
  it('accepts valid JSON, also inside a fence', () => {
    expect(checkFormat('{"label": "spam", "confidence": 0.9}', 'json').result.score).toBe(1);
    expect(checkFormat('```json\n{"a": 1}\n```', 'json').result.score).toBe(1);
  });
  it('rejects invalid JSON', () => {
    const result = checkFormat('{"label": "spam",', 'json').result;
    expect(result.score).toBe(0);
    expect(result.note).toMatch(/invalid JSON/);
  });
  it('half-scores JSON that is not an object or array', () => {
    expect(checkFormat('"just a string"', 'json').result.score).toBe(0.5);
  });
  it('parses Python for real', () => {
    expect(checkFormat('def f(x):\n    return x + 1\n', 'python').result.score).toBe(1);
    const broken = checkFormat('def f(x)\n    return (x + 1\n', 'python');
    expect(broken.result.score).toBe(0);
    expect(broken.syntaxError).toMatch(/line/);
  });
  it('parses TypeScript for real', () => {
    expect(
      checkFormat('export function f(x: number): number { return x + 1; }', 'typescript').result.score,
    ).toBe(1);
    expect(
      checkFormat('export function f(x: number): number { return (x + 1; }', 'typescript').result.score,
    ).toBe(0);
  });
  it('parses JavaScript for real', () => {
    expect(checkFormat('const f = (x) => x + 1;', 'javascript').result.score).toBe(1);
    expect(checkFormat('const f = (x) => { x + 1;', 'javascript').result.score).toBe(0);
  });
  it('scores empty output 0', () => {
    expect(checkFormat('   ', 'text').result.score).toBe(0);
  });
});

describe('completeness check', () => {
  it('needs every required field', () => {
    expect(checkCompleteness('{}', 'json', { a: 1, b: 2 }, ['a', 'b'], 'stop').score).toBe(1);
    const partial = checkCompleteness('{}', 'json', { a: 1 }, ['a', 'b'], 'stop');
    expect(partial.score).toBe(0.25);
    expect(partial.note).toMatch(/missing field\(s\) b/);
  });
  it('needs a definition in code', () => {
    expect(checkCompleteness('def f():\n    pass', 'python', undefined, undefined, 'stop').score).toBe(1);
    expect(checkCompleteness('x = 1', 'python', undefined, undefined, 'stop').score).toBe(0.5);
  });
  it('needs a minimum length for text, and halves when truncated', () => {
    expect(checkCompleteness('ok', 'text', undefined, undefined, 'stop').score).toBe(0);
    expect(
      checkCompleteness('A complete sentence of reasonable length.', 'text', undefined, undefined, 'length')
        .score,
    ).toBe(0.5);
  });
});

describe('coherence check', () => {
  it('passes ordinary prose', () => {
    expect(checkCoherence('The invoice total is 42 EUR, due on 2026-01-31.', 'stop').score).toBe(1);
  });
  it('catches refusals', () => {
    expect(checkCoherence("I'm sorry, but I can't help with that.", 'stop')).toEqual({
      score: 0,
      note: 'refusal',
    });
    expect(checkCoherence('As an AI language model, I cannot do this.', 'stop').score).toBe(0);
  });
  it('catches truncation from the finish reason', () => {
    expect(checkCoherence('The answer is', 'length').note).toMatch(/truncated/);
  });
  it('catches repetition loops but not repetitive code', () => {
    expect(checkCoherence('the result is the result and '.repeat(20), 'stop').note).toMatch(
      /repetition loop/,
    );
    const code = Array.from({ length: 8 }, (_, i) => `def f${i}(x):\n    return json.loads(x)\n`).join('\n');
    expect(repetitionShare(code)).toBeLessThan(0.8);
  });
  it('marks code syntax errors half incoherent', () => {
    expect(checkCoherence('def f(:', 'stop', 'line 1').score).toBe(0.5);
  });
});

describe('self-critique verdicts', () => {
  it('reads YES / NO / unclear', () => {
    expect(parseCritique('YES: fine').score).toBe(1);
    expect(parseCritique('No - the JSON is cut off').score).toBe(0);
    expect(parseCritique('Maybe?').score).toBe(0.5);
  });
});

describe('confidence', () => {
  it('weighs 0.3 / 0.2 / 0.3 / 0.2', () => {
    const all = { score: 1, note: '' };
    const none = { score: 0, note: '' };
    expect(confidenceOf({ format: all, completeness: all, coherence: all, selfCritique: all }, weights)).toBe(
      1,
    );
    expect(
      confidenceOf({ format: none, completeness: all, coherence: none, selfCritique: all }, weights),
    ).toBe(0.4);
  });
  it('0.7 passes and 0.69 fails at the default threshold', () => {
    const full = { score: 1, note: '' };
    // format 0 → 0.2 + 0.3 + 0.2 = 0.7 exactly
    const atThreshold = confidenceOf(
      { format: { score: 0, note: '' }, completeness: full, coherence: full, selfCritique: full },
      weights,
    );
    expect(atThreshold).toBe(0.7);
    expect(passes(atThreshold, 0.7)).toBe(true);
    // completeness 0.95 → 0.69
    const below = confidenceOf(
      {
        format: { score: 0, note: '' },
        completeness: { score: 0.95, note: '' },
        coherence: full,
        selfCritique: full,
      },
      weights,
    );
    expect(below).toBe(0.69);
    expect(passes(below, 0.7)).toBe(false);
  });
  it('renormalises the weights without self-critique', () => {
    const full = { score: 1, note: '' };
    // (0.2 + 0.3) / 0.8 = 0.625 without critique; with a passing critique it would be 0.7
    const checks = { format: { score: 0, note: '' }, completeness: full, coherence: full };
    expect(confidenceOf(checks, weights)).toBe(0.625);
    expect(confidenceOf({ ...checks, selfCritique: full }, weights)).toBe(0.7);
  });
});

describe('memoised static checks', () => {
  it('returns the same verdict object for the same text and expectation', async () => {
    const text = 'def f(x):\n    return x\n';
    const first = await runStaticChecks(text, 'python', undefined, 'stop');
    expect(await runStaticChecks(text, 'python', undefined, 'stop')).toBe(first);
    expect(await runStaticChecks(text, 'python', undefined, 'length')).not.toBe(first);
  });
});
