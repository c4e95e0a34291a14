import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { withEndpoint } from '../../config/endpoint-override.js';
import { IMPORT_FORMATS, type ImportFormat } from '../../sim/importers/imported-row.js';
import { parseColumnMap, TIME_UNITS, type TimeUnit } from '../../sim/recorded-workload.js';
import { shadow } from '../../shadow/shadow-run.js';
import { formatShadow } from '../format/shadow-summary.js';
import { configOption, configSets, loadConfigOption, resolveConfigPath, typed } from '../options.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../report-error.js';

interface ShadowArgs {
  workload: string;
  models: string;
  out: string;
  judge: 'auto' | 'none';
  'judge-model'?: string;
  'judge-budget-usd': number;
  'reference-model'?: string;
  concurrency: number;
  limit?: number;
  sample?: number;
  seed: number;
  resume: boolean;
  'base-url'?: string;
  map: string[];
  format?: 'csv' | 'jsonl' | ImportFormat;
  'batch-input'?: string;
  'time-unit'?: TimeUnit;
  config?: string;
  json: boolean;
  progress: boolean;
}

export const shadowCommand: CommandModule<object, ShadowArgs> = {
  command: 'shadow',
  describe:
    "Measure local models on your own traffic: send recorded prompts to them and judge their answers against the API's recorded ones",
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm shadow --workload FILE --models M[,M…] [--out FILE] [options]

Sends each recorded prompt that has a recorded answer to the named local models through their real backends (Ollama, OpenAI-compatible, llama.cpp), and judges each local answer against the recorded one by its shape: normalised exact match for labels, yes/no and short extractions; field by field for JSON; the final number for math; an LLM judge (a configured API model, a pinned rubric, its cost counted and capped) for free text. Writes a labelled answers file in the long layout (request_id, model, answer, correct, output_tokens, latency_ms, judge), appended as each answer is judged: Ctrl-C stops cleanly and --resume carries on. The recorded answers stand as the API model's (labelled right). Then: hybridllm calibrate --answers OUT --workload FILE --write-profiles profiles.yaml, and simulate --profiles profiles.yaml runs on measured, not assumed, local rates. Docs: docs/own-traffic.md.`,
      )
      .option('workload', {
        type: 'string',
        demandOption: true,
        describe:
          'Recorded traffic with prompts and answers: a log export (see simulate --format) or CSV/JSONL',
      })
      .option('models', {
        type: 'string',
        demandOption: true,
        describe: 'Local models to shadow, by configured name, comma-separated',
      })
      .option('out', {
        type: 'string',
        default: 'shadow-answers.csv',
        describe: 'The labelled answers file to write',
      })
      .option('judge', {
        choices: ['auto', 'none'] as const,
        default: 'auto' as const,
        describe: 'auto: free text goes to the LLM judge; none: free-text answers are left unjudged',
      })
      .option('judge-model', {
        type: 'string',
        describe: 'The API model that judges free text (default: the first enabled API model)',
      })
      .option('judge-budget-usd', {
        type: 'number',
        default: 1,
        describe: 'Most the LLM judge may spend, USD; past it free text is left unjudged',
      })
      .option('reference-model', {
        type: 'string',
        describe:
          'Whose answers the recorded ones are, when the log does not say (default: the first enabled API model)',
      })
      .option('concurrency', { type: 'number', default: 4, describe: 'Calls at once' })
      .option('limit', { type: 'number', describe: 'Shadow at most this many requests' })
      .option('sample', { type: 'number', describe: 'A seeded random sample of this many requests' })
      .option('seed', { type: 'number', default: 42, describe: 'Seed of --sample' })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'Continue the --out file a stopped run left',
      })
      .option('base-url', {
        type: 'string',
        describe: 'Send every model to this server (e.g. hybridllm mock-server)',
      })
      .option('map', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'COLUMN=FIELD for columns not recognised by name (e.g. gpt-4_response=answer)',
      })
      .option('format', {
        choices: ['csv', 'jsonl', ...IMPORT_FORMATS] as const,
        describe: 'Workload format (default: detected)',
      })
      .option('batch-input', { type: 'string', describe: 'With an OpenAI Batch output file: its input file' })
      .option('time-unit', { choices: TIME_UNITS, describe: "Unit of the workload's numeric timestamps" })
      .option('config', configOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
      .option('progress', {
        type: 'boolean',
        default: true,
        describe: 'A progress bar on a terminal (--no-progress to hide)',
      })
      .example(
        '$0 shadow --workload spend_logs.csv --models llama3:8b --sample 300',
        'your LiteLLM logs: 300 requests through llama3:8b, judged against what the API answered',
      )
      .example(
        "$0 shadow --workload gsm8k_responses.csv --map 'gpt-4-1106-preview_response=answer' --models mixtral:8x7b --judge none",
        "math: the final number of each local answer against GPT-4's",
      ) as unknown as Argv<ShadowArgs>,
  handler: async (args: ArgumentsCamelCase<ShadowArgs>) => {
    const positive = (flag: 'concurrency' | 'limit' | 'sample', value: number | undefined): void => {
      if (value !== undefined && !(Number.isInteger(value) && value >= 1))
        throw new UsageError(`--${flag} must be a whole number, at least 1, got ${typed(flag, value)}`);
    };
    positive('concurrency', args.concurrency);
    positive('limit', args.limit);
    positive('sample', args.sample);
    if (!(args['judge-budget-usd'] >= 0))
      throw new UsageError(
        `--judge-budget-usd must be a non-negative amount, got ${typed('judge-budget-usd', args['judge-budget-usd'])}`,
      );
    const models = args.models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (!models.length) throw new UsageError('--models names no model');
    const loaded = loadConfigOption(args.config, configSets(args));
    const config = args['base-url'] ? withEndpoint(loaded, args['base-url']) : loaded;
    const progress = createProgress(args.progress && !args.json);
    // The first Ctrl-C stops launching calls and keeps what was judged; a second one stops at once.
    const stop = new AbortController();
    const onSigint = (): void => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
      process.stderr.write(
        '\nStopping: what was judged is kept; run again with --resume to carry on (Ctrl-C again to stop at once).\n',
      );
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await shadow({
        config,
        configFile: resolveConfigPath(args.config),
        workload: {
          file: args.workload,
          map: parseColumnMap(args.map),
          ...(args.format ? { format: args.format } : {}),
          ...(args['batch-input'] ? { pairedFile: args['batch-input'] } : {}),
          ...(args['time-unit'] ? { timeUnit: args['time-unit'] } : {}),
        },
        models,
        out: args.out,
        judge: args.judge,
        ...(args['judge-model'] ? { judgeModel: args['judge-model'] } : {}),
        judgeBudgetUsd: args['judge-budget-usd'],
        ...(args['reference-model'] ? { referenceModel: args['reference-model'] } : {}),
        concurrency: args.concurrency,
        ...(args.limit ? { limit: args.limit } : {}),
        ...(args.sample ? { sample: args.sample } : {}),
        seed: args.seed,
        resume: args.resume,
        signal: stop.signal,
        onProgress: (done, total) => progress.update('shadow', done, total),
      });
      progress.stop();
      process.stdout.write(
        args.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatShadow(result, args.workload)}\n`,
      );
      if (result.interrupted) process.exitCode = 130;
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
  },
};
