import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSyntaxChecker } from '../src/router/quality/code-parsers.js';
import { runPythonTests } from '../src/router/quality/code-tests-check.js';
import { cutOffReason } from '../src/router/quality/cut-off.js';
import { extractCode } from '../src/router/quality/extract-code.js';
import { checkFormat } from '../src/router/quality/format-check.js';
import { checkMathAnswer } from '../src/router/quality/math-answer-check.js';
import { confidenceOf, passes, runStaticChecks } from '../src/router/quality/quality-check.js';
import { evaluateArithmetic } from '../src/router/quality/arithmetic.js';

const SHARED = new URL('../../shared/datasets/', import.meta.url).pathname;
const HUMAN_EVAL = join(SHARED, 'evalsets/HumanEval.jsonl.gz');

interface HumanEvalTask {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

function humanEval(): HumanEvalTask[] {
  return gunzipSync(readFileSync(HUMAN_EVAL))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as HumanEvalTask);
}

/** The usual chat shape: a sentence, a fenced block, a sentence. */
const chat = (code: string) =>
  `Here is an implementation that handles the edge cases:\n\n\`\`\`python\n${code}\n\`\`\`\n\nIt runs in linear time.`;

beforeAll(async () => {
  await loadSyntaxChecker('python');
  await loadSyntaxChecker('javascript');
});

describe('code inside prose', () => {
  it('takes the fenced blocks of the language and leaves out other languages', () => {
    const text =
      'Install it:\n```bash\npip install x\n```\nThen:\n```python\nx = 1\n```\nand\n```\ny = 2\n```\nDone.';
    expect(extractCode(text, 'python')).toBe('x = 1\n\ny = 2');
    expect(extractCode('just code\n', 'python')).toBe('just code\n');
    expect(extractCode('Start:\n```python\ndef f(', 'python')).toBe('def f(');
  });

  it('judges Python by its compiler: prose around a fence passes, Python 2 and a dedented body fail', async () => {
    const good = await runStaticChecks(chat('def f(x):\n    return x + 1'), 'python', undefined, 'stop');
    expect(good.format.score).toBe(1);
    expect(good.format.note).toMatch(/compiles/);
    const python2 = await runStaticChecks(chat('print "hello"'), 'python', undefined, 'stop');
    expect(python2.format.score).toBe(0);
    expect(python2.format.note).toMatch(/print/);
    const dedented = await runStaticChecks('def f(x):\nreturn x + 1\n', 'python', undefined, 'stop');
    expect(dedented.format.score).toBe(0);
    expect(dedented.format.note).toMatch(/IndentationError/);
  });

  it('judges JavaScript by V8 and still reads module syntax', () => {
    expect(checkFormat('Sure:\n```js\nconst f = (x) => x + 1;\n```\nDone.', 'javascript').result.score).toBe(
      1,
    );
    expect(checkFormat('const f = (x) => { return x +; };', 'javascript').result.score).toBe(0);
    expect(checkFormat('export function f(x) { return x + 1; }', 'javascript').result.score).toBe(1);
  });
});

describe.runIf(existsSync(HUMAN_EVAL))('HumanEval (164 problems, canonical solutions)', () => {
  const tasks = existsSync(HUMAN_EVAL) ? humanEval() : [];

  it('every canonical solution wrapped in prose and a fence passes the format check', async () => {
    const failures: string[] = [];
    for (const task of tasks) {
      const checks = await runStaticChecks(
        chat(task.prompt + task.canonical_solution),
        'python',
        undefined,
        'stop',
      );
      if (checks.format.score !== 1) failures.push(`${task.task_id}: ${checks.format.note}`);
    }
    expect(failures).toEqual([]);
    expect(tasks).toHaveLength(164);
  });

  it('every solution with its body dedented to column 0, and every Python 2 variant, fails', async () => {
    let dedentedFailed = 0;
    let python2Failed = 0;
    for (const task of tasks) {
      const solution = task.prompt + task.canonical_solution;
      const dedented = solution
        .split('\n')
        .map((line) => line.replace(/^\s+/, ''))
        .join('\n');
      if ((await runStaticChecks(chat(dedented), 'python', undefined, 'stop')).format.score === 0)
        dedentedFailed++;
      const python2 = `${solution}\nprint "${task.entry_point} loaded"\n`;
      if ((await runStaticChecks(chat(python2), 'python', undefined, 'stop')).format.score === 0)
        python2Failed++;
    }
    expect(dedentedFailed).toBe(164);
    expect(python2Failed).toBe(164);
  });

  it('the canonical solutions pass their tests in the sandbox; a broken one fails', async () => {
    const limits = { timeoutMs: 10_000, memoryMb: 512 };
    const failures: string[] = [];
    // Four at a time: each run is its own python3 process (~75 ms).
    for (let i = 0; i < tasks.length; i += 4) {
      const batch = tasks.slice(i, i + 4);
      const runs = await Promise.all(
        batch.map((t) => runPythonTests(t.prompt + t.canonical_solution, t.test, t.entry_point, limits)),
      );
      runs.forEach((run, j) => {
        if (run.outcome !== 'passed') failures.push(`${batch[j]!.task_id}: ${run.outcome} ${run.detail}`);
      });
    }
    expect(failures).toEqual([]);
    const first = tasks[0]!;
    const broken = `${first.prompt}    return not (${first.canonical_solution.trim().replace(/^return /, '')})\n`;
    const run = await runPythonTests(broken, first.test, first.entry_point, limits);
    expect(run.outcome).toBe('failed');
  }, 120_000);
});

describe('the code-tests sandbox', () => {
  const tests = 'def check(candidate):\n    assert candidate(1) == 2\n';
  it('kills an infinite loop at its time limit', async () => {
    const run = await runPythonTests('def f(x):\n    while True:\n        pass\n', tests, 'f', {
      timeoutMs: 1000,
      memoryMb: 256,
    });
    expect(run.outcome).toBe('timeout');
    expect(run.durationMs).toBeLessThan(5000);
  });
  it('stops an answer that allocates past its memory limit', async () => {
    const run = await runPythonTests(
      'def f(x):\n    b = bytearray(1 << 30)\n    return x + 1\n',
      tests,
      'f',
      {
        timeoutMs: 5000,
        memoryMb: 256,
      },
    );
    expect(run.outcome).toBe('memory');
  });
  it('passes a right answer and fails a wrong one with the assertion named', async () => {
    const limits = { timeoutMs: 5000, memoryMb: 256 };
    expect((await runPythonTests('def f(x):\n    return x + 1\n', tests, 'f', limits)).outcome).toBe(
      'passed',
    );
    const wrong = await runPythonTests('def f(x):\n    return x\n', tests, 'f', limits);
    expect(wrong.outcome).toBe('failed');
    expect(wrong.detail).toMatch(/AssertionError/);
  });
});

describe('the math-answer check', () => {
  it('passes a stated final answer whose arithmetic checks out', () => {
    const text =
      'She has 16 - 3 = 13 eggs, uses 4: 13 - 4 = <<13-4=9>>9, sells 9 * $2 = $<<9*2=18>>18.\n#### 18';
    expect(checkMathAnswer(text)).toEqual({
      score: 1,
      note: 'final answer 18 stated, arithmetic checks out',
    });
  });
  it('fails a wrong calculation, annotated or inline', () => {
    expect(checkMathAnswer('3 x 12 = <<3*12=35>>35 donuts.\n#### 35').score).toBe(0);
    expect(checkMathAnswer('So (12 / 20) x 100 = 55%.\n#### 55').note).toMatch(/60, not 55/);
  });
  it('does not mistake a rewritten step for a result', () => {
    expect(checkMathAnswer('(64 / 16) * 20 = 4 * 20 = 80 liters.\n#### 80').score).toBe(1);
  });
  it('scores an answer with no final answer 0, an unmarked one 0.8, two different ones 0.5', () => {
    expect(checkMathAnswer('First we add the apples and then the pears.').score).toBe(0);
    expect(checkMathAnswer('The total is 5 + 4 = 9 apples.').score).toBe(0.8);
    expect(checkMathAnswer('#### 9\nActually #### 10').score).toBe(0.5);
  });
  it('evaluates only plain arithmetic', () => {
    expect(evaluateArithmetic('$1,200 * (2.5/100) + 3')).toBeCloseTo(33);
    expect(evaluateArithmetic('2 x 3 ÷ 4')).toBeCloseTo(1.5);
    expect(evaluateArithmetic('x + 2')).toBeUndefined();
    expect(evaluateArithmetic('2 +')).toBeUndefined();
  });
});

describe('cut-off answers, seen in the text', () => {
  it('finds the shapes a recorded answer stops in', () => {
    expect(cutOffReason('The value is 80,000 + 50,000 = $<<80000+50000=130000>>130,00')).toMatch(/number/);
    expect(cutOffReason('a total of 15 + 25 = <<15+2')).toMatch(/calculation/);
    expect(cutOffReason('Then we add 3 +')).toMatch(/ends on/);
    expect(cutOffReason('```python\ndef f():')).toMatch(/fence/);
    expect(cutOffReason('The total is 1,300 dollars.\n#### 1,300')).toBeUndefined();
    expect(cutOffReason('- first\n- second')).toBeUndefined();
  });
  it('fails coherence without a length finish reason', async () => {
    const checks = await runStaticChecks('We compute 15 + 25 = <<15+2', 'text', undefined, 'stop');
    expect(checks.coherence.score).toBe(0);
    expect(checks.coherence.note).toMatch(/stops mid-way/);
  });
});

describe('weights that can fail an answer', () => {
  const design = { format: 0.3, completeness: 0.2, coherence: 0.3, selfCritique: 0.2 };
  const ok = { score: 1, note: '' };
  const no = { score: 0, note: '' };
  it('without a veto a critic saying NO cannot fail a well-formed answer (0.8 ≥ 0.7)', () => {
    const confidence = confidenceOf(
      { format: ok, completeness: ok, coherence: ok, selfCritique: no },
      design,
    );
    expect(confidence).toBe(0.8);
    expect(passes(confidence, 0.7)).toBe(true);
  });
  it('a vetoing critic or task check fails it alone', () => {
    const critic = { ...design, veto: { selfCritique: true } };
    expect(confidenceOf({ format: ok, completeness: ok, coherence: ok, selfCritique: no }, critic)).toBe(0);
    const task = { ...design, task: 0, veto: { task: true } };
    expect(confidenceOf({ format: ok, completeness: ok, coherence: ok, task: no }, task)).toBe(0);
    expect(
      confidenceOf({ format: ok, completeness: ok, coherence: ok, task: { score: 0.8, note: '' } }, task),
    ).toBe(0.8);
    // No task check for this request: the veto has nothing to say.
    expect(confidenceOf({ format: ok, completeness: ok, coherence: ok }, task)).toBe(1);
  });
});
