import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { projectFile } from '../core/project-files.js';
import { EXPECTS } from '../router/types.js';

/** How a task's answer is judged, beside the router's own quality check. */
export const checkSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('label'), value: z.string(), field: z.string().default('label') }),
  z.strictObject({ kind: z.literal('yes_no'), value: z.enum(['yes', 'no']) }),
  z.strictObject({
    kind: z.literal('json_fields'),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  }),
  z.strictObject({
    kind: z.literal('number'),
    value: z.number(),
    tolerance: z.number().nonnegative().default(1e-6),
  }),
  z.strictObject({ kind: z.literal('contains'), values: z.array(z.string()).min(1) }),
  z.strictObject({ kind: z.literal('code_parses') }),
  z.strictObject({ kind: z.literal('python_tests'), tests: z.string(), entry_point: z.string().optional() }),
]);
export type TaskCheck = z.infer<typeof checkSchema>;

export const taskSchema = z.strictObject({
  id: z.string().min(1),
  action: z.string().min(1),
  prompt: z.string().min(1),
  expects: z.enum(EXPECTS).default('text'),
  required_fields: z.array(z.string()).default([]),
  check: checkSchema,
});
export type BenchTask = z.infer<typeof taskSchema>;

export const DEFAULT_TASKS = projectFile('datasets', 'bench-tasks.jsonl');

function readLines(file: string): string[] {
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch {
    throw new ConfigError(`${file}: cannot read the task file: no such file.`);
  }
  const text = file.endsWith('.gz') ? gunzipSync(buffer).toString('utf8') : buffer.toString('utf8');
  return text.split('\n');
}

/**
 * Reads tasks from JSONL: the project's own format, GSM8K-style (`question`, `answer` ending in `#### N`) or
 * HumanEval-style (`prompt`, `test`, `entry_point`; `.gz` allowed). A bad line stops with file:line.
 */
export function loadTasks(file: string = DEFAULT_TASKS): BenchTask[] {
  const tasks: BenchTask[] = [];
  readLines(file).forEach((line, index) => {
    if (!line.trim()) return;
    const where = `${file}:${index + 1}`;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${where}: not valid JSON (${(error as Error).message}).`, file, index + 1);
    }
    if (typeof raw['question'] === 'string' && typeof raw['answer'] === 'string') {
      const final = /####\s*(-?[\d,.]+)/.exec(raw['answer']);
      if (!final)
        throw new ConfigError(
          `${where}: a GSM8K-style answer must end with '#### <number>'.`,
          file,
          index + 1,
        );
      tasks.push({
        id: `gsm8k-${index + 1}`,
        action: 'reasoning',
        prompt: `${raw['question']}\nGive the final answer as a number on the last line.`,
        expects: 'text',
        required_fields: [],
        check: { kind: 'number', value: Number(final[1]!.replace(/,/g, '')), tolerance: 1e-6 },
      });
      return;
    }
    if (
      typeof raw['prompt'] === 'string' &&
      typeof raw['test'] === 'string' &&
      typeof raw['entry_point'] === 'string'
    ) {
      tasks.push({
        id: String(raw['task_id'] ?? `humaneval-${index + 1}`),
        action: 'code_generation',
        prompt: `Complete this Python function. Reply with the whole function.\n\n${raw['prompt']}`,
        expects: 'python',
        required_fields: [],
        check: {
          kind: 'python_tests',
          tests: `${raw['test']}\ncheck(${raw['entry_point']})\n`,
          entry_point: raw['entry_point'],
        },
      });
      return;
    }
    const parsed = taskSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(
        `${where}: ${issue.path.join('.') || 'task'}: ${issue.message}.`,
        file,
        index + 1,
      );
    }
    tasks.push(parsed.data);
  });
  if (tasks.length === 0) throw new ConfigError(`${file}: no tasks in the file.`);
  return tasks;
}
