import { spawnSync } from 'node:child_process';
import { stripFence } from '../router/quality/strip-fence.js';
import type { TaskCheck } from './tasks.js';

export interface TaskVerdict {
  correct: boolean;
  note: string;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(stripFence(text)) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const norm = (value: unknown): string => String(value).trim().toLowerCase();

/** Whether `python3` runs here (tests of generated code need it). */
let pythonAvailable: boolean | undefined;
export function hasPython(): boolean {
  pythonAvailable ??= spawnSync('python3', ['--version'], { timeout: 5000 }).status === 0;
  return pythonAvailable;
}

/**
 * Judges an answer against its task's expectation: a label, yes/no, extracted JSON fields, a number, words it
 * must contain, code that parses (the router's format check decides that), or Python that passes the given
 * tests (run with python3 in a subprocess with a timeout).
 */
export function checkTask(check: TaskCheck, answer: string, formatOk: boolean): TaskVerdict {
  switch (check.kind) {
    case 'label': {
      const json = parseJson(answer);
      const got = json ? json[check.field] : answer;
      return {
        correct: norm(got) === norm(check.value),
        note: `label ${JSON.stringify(got)} (want ${check.value})`,
      };
    }
    case 'yes_no': {
      const json = parseJson(answer);
      const text = norm(json ? (json['answer'] ?? '') : answer);
      const got = /^\W*(yes|true)\b/.test(text) ? 'yes' : /^\W*(no|false)\b/.test(text) ? 'no' : 'unclear';
      return { correct: got === check.value, note: `${got} (want ${check.value})` };
    }
    case 'json_fields': {
      const json = parseJson(answer);
      if (!json) return { correct: false, note: 'no JSON object' };
      const wrong = Object.entries(check.fields).filter(([key, want]) => norm(json[key]) !== norm(want));
      return {
        correct: wrong.length === 0,
        note: wrong.length ? `wrong or missing: ${wrong.map(([k]) => k).join(', ')}` : 'all fields right',
      };
    }
    case 'number': {
      const numbers = stripFence(answer)
        .replace(/,(?=\d{3})/g, '')
        .match(/-?\d+(?:\.\d+)?/g);
      const got = numbers ? Number(numbers[numbers.length - 1]) : NaN;
      return {
        correct: Math.abs(got - check.value) <= check.tolerance,
        note: `${Number.isNaN(got) ? 'no number' : got} (want ${check.value})`,
      };
    }
    case 'contains': {
      const text = answer.toLowerCase();
      const missing = check.values.filter((v) => !text.includes(v.toLowerCase()));
      return {
        correct: missing.length === 0,
        note: missing.length ? `missing: ${missing.join(', ')}` : 'contains all',
      };
    }
    case 'code_parses':
      return { correct: formatOk, note: formatOk ? 'parses' : 'does not parse' };
    case 'python_tests': {
      if (!formatOk) return { correct: false, note: 'does not parse' };
      if (!hasPython()) return { correct: false, note: 'python3 not available to run the tests' };
      const program = `${stripFence(answer)}\n\n${check.tests}`;
      const run = spawnSync('python3', ['-I', '-c', program], { timeout: 10_000, encoding: 'utf8' });
      if (run.status === 0) return { correct: true, note: 'tests pass' };
      const reason = run.error ? 'timed out' : (run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`);
      return { correct: false, note: `tests fail: ${reason.slice(0, 160)}` };
    }
  }
}
