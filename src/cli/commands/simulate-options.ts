// The options of `hybridllm simulate` and its --help text.
import type { Argv } from 'yargs';
import { DEFAULT_BLOCK_TOKENS, TIME_UNITS, type TimeUnit } from '../../sim/recorded-workload.js';
import { configOption } from '../options.js';
import { IMPORT_FORMATS, type ImportFormat } from '../../sim/importers/imported-row.js';

export interface SimulateArgs {
  scenario?: string;
  workload?: string;
  map: string[];
  format?: 'csv' | 'jsonl' | ImportFormat;
  'batch-input'?: string;
  'skip-invalid': boolean;
  'time-unit'?: TimeUnit;
  'block-tokens'?: number;
  'baseline-model'?: string;
  annualise: boolean;
  sort: boolean;
  'require-output-tokens': boolean;
  seed?: number;
  days?: number;
  runs: number;
  out: string;
  write: boolean;
  analytic: boolean;
  config?: string;
  json: boolean;
  progress: boolean;
  parallel?: boolean;
  backend: 'simulated' | 'real';
  concurrency?: number;
  'as-recorded': boolean;
  'local-p95-ms'?: number;
  rate?: number;
  poisson: boolean;
  'base-url'?: string;
  profiles?: string;
  answers?: string;
  'answer-map': string[];
  'target-accuracy'?: number;
}

export function simulateOptions(yargs: Argv): Argv<SimulateArgs> {
  return yargs
    .usage(
      `hybridllm simulate (--scenario NAME[,NAME…] | --workload FILE) [options]

Runs every request through the production router with simulated backends on a virtual clock (a year takes seconds; no Ollama, GPU or API key), then runs the same workload and seed again with prefer_local=false as the pure-API baseline. Prints tier distribution, cost per day/month/year, savings (marginal and all-in), break-even volume, latency, quality and the design document's success metrics, and writes a run folder (<out>/<run-id>/: config.yaml, scenario.yaml, requests.jsonl, summary.json).

The verdict compares like with like: it is on a hybrid run that answers the same requests as the API-only alternatives. A budget cap is not a saving (the verdict's run has no cap; the capped run is a WHAT-IF line), and when the configured machines cannot carry the load the verdict is priced at the count that does ("Needs 40 × Apple Mac Studio … to carry this traffic"), unless --servers pins one. SERVICE LEVEL sets answered acceptably, answered at all and p95 latencies side by side. Docs: docs/cost-model.md ("The verdict compares like with like").`,
    )
    .option('scenario', {
      type: 'string',
      describe: 'light, medium, heavy, design-doc, or a scenario file; a comma list compares several',
    })
    .option('workload', {
      type: 'string',
      describe: 'A recorded workload (CSV or JSONL), streamed once; the other passes route from memory',
    })
    .option('map', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe:
        'COLUMN=FIELD for workload columns not recognised by name (fields: timestamp, action, prompt, input_tokens, output_tokens, expects, quality_critical, required_fields, cached_tokens, cache_write_tokens, hash_ids)',
    })
    .option('format', {
      choices: ['csv', 'jsonl', ...IMPORT_FORMATS] as const,
      describe:
        "Workload format: csv, jsonl, or a log export — otel (OpenTelemetry GenAI spans, OTLP JSON), litellm (LiteLLM_SpendLogs as CSV or JSON), langfuse (observations export), openai-batch (Batch API input or output JSONL), ledger (hybridllm's SQLite usage ledger). Default: detected from the content, else the extension",
    })
    .option('batch-input', {
      type: 'string',
      describe:
        'With an OpenAI Batch output file as --workload: the batch input file, paired by custom_id (prompts from it, tokens and answers from the output)',
    })
    .option('skip-invalid', {
      type: 'boolean',
      default: false,
      describe: 'Count and skip bad workload rows instead of stopping',
    })
    .option('time-unit', {
      choices: TIME_UNITS,
      describe:
        "Unit of the workload's numeric timestamps (Mooncake's traces: ms). Without it, epoch numbers are read by their magnitude and numbers from the trace's start as seconds, and the summary says which",
    })
    .option('block-tokens', {
      type: 'number',
      describe: `Tokens per prefix block of a hash_ids column (Mooncake: ${DEFAULT_BLOCK_TOKENS}, the default)`,
    })
    .option('sort', {
      type: 'boolean',
      default: false,
      describe:
        'Replay a recorded workload whose rows are not in time order sorted by timestamp (held in memory); without it such a file is refused, naming both rows',
    })
    .option('require-output-tokens', {
      type: 'boolean',
      default: false,
      describe:
        "Refuse workload rows with no output tokens instead of drawing them from the model's profile (the summary counts such rows)",
    })
    .option('servers', {
      type: 'string',
      array: true,
      describe:
        'NAME=N: run N of hardware item NAME (or of the item model NAME is placed on): N times its slots for models with a capacity profile, N times its cost (repeatable). Pins the count: the verdict is not re-sized, and says what N leaves unserved',
    })
    .option('baseline-model', {
      type: 'string',
      describe:
        'Price the pure-API baseline at this model: a configured API model or a model id from the bundled price table (e.g. claude-haiku-4-5, gpt-4o-mini)',
    })
    .option('annualise', {
      type: 'boolean',
      default: false,
      describe:
        'Scale a recorded workload shorter than a day to per-day, per-month and per-year figures (by default such a run reports per observed period and per hour only)',
    })
    .option('seed', { type: 'number', describe: "Seed (default: the scenario's, or 42)" })
    .option('days', { type: 'number', describe: "Override the scenario's number of days" })
    .option('runs', {
      type: 'number',
      default: 1,
      describe: 'Monte Carlo: repeat with N seeds and report mean and 95% interval',
    })
    .option('out', { type: 'string', default: 'reports', describe: 'Where run folders go' })
    .option('write', {
      type: 'boolean',
      default: true,
      describe: 'Write the run folder (--no-write to skip)',
    })
    .option('analytic', {
      type: 'boolean',
      default: false,
      describe: 'Print the analytic estimate (expected values, no sampling) instead',
    })
    .option('backend', {
      choices: ['simulated', 'real'] as const,
      default: 'simulated' as const,
      describe:
        'real: send the workload to the configured servers on the real clock (e.g. through hybridllm mock-server)',
    })
    .option('concurrency', {
      type: 'number',
      describe: 'With --backend real: requests in flight at once (default 1; unlimited with --as-recorded)',
    })
    .option('local-p95-ms', {
      type: 'number',
      describe:
        "The local time-to-first-token p95 the servers needed are sized for, ms (default: the scenario's targets.local_p95_ms, else 5000)",
    })
    .option('as-recorded', {
      type: 'boolean',
      default: false,
      describe:
        'With --backend real and a recorded --workload: start each request at its recorded time after the first (the trace at its own pace)',
    })
    .option('rate', { type: 'number', describe: 'With --backend real: requests started per second' })
    .option('poisson', {
      type: 'boolean',
      default: false,
      describe: 'With --rate: exponential (Poisson) gaps instead of constant spacing',
    })
    .option('base-url', {
      type: 'string',
      describe: 'With --backend real: send every model to this server',
    })
    .option('profiles', {
      type: 'string',
      describe: 'Calibrated profiles from hybridllm bench (profiles.yaml) in place of the config defaults',
    })
    .option('answers', {
      type: 'string',
      describe:
        "Recorded answers to replay (CSV or JSONL): each model's real answer text per request and, when given, whether it was correct. The router checks the real text and escalates to the next model's recorded answer; accuracy, the check's precision and recall, and a threshold sweep are reported. Alone, the same file is the workload.",
    })
    .option('answer-map', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe:
        'MODEL=SOURCE: which recorded answers a configured model gives (default: a source named like an open-weights family, e.g. Mixtral, answers for every local model, the other for every API model)',
    })
    .option('target-accuracy', {
      type: 'number',
      describe:
        'With --answers: recommend the cheapest threshold reaching this accuracy (0–1); default: the largest gain over a random router',
    })
    .option('config', configOption)
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print the summary as JSON and nothing else on stdout',
    })
    .option('parallel', {
      type: 'boolean',
      describe:
        'Run the pure-API baseline and the API-only alternatives in worker threads beside the hybrid run, one a spare core (the same output either way). Default: on where there is more than one core; for a recorded --workload, more than two (--no-parallel to keep one thread)',
    })
    .option('progress', {
      type: 'boolean',
      default: true,
      describe: 'Progress bars on a terminal (--no-progress to hide)',
    })
    .example('$0 simulate --scenario heavy', 'a year of heavy usage (500 iterations/day)')
    .example('$0 simulate --scenario light,medium,heavy --no-write', 'compare the three')
    .example(
      '$0 simulate --workload ../shared/datasets/azure-llm-trace-2023/AzureLLMInferenceTrace_conv.csv',
      'replay a recorded trace',
    )
    .example(
      '$0 simulate --answers ../shared/datasets/routellm-gsm8k/gsm8k_responses.csv',
      'replay real Mixtral and GPT-4 answers with their correctness labels',
    )
    .example(
      '$0 simulate --scenario medium --runs 20 --json',
      'Monte Carlo, as JSON',
    ) as unknown as Argv<SimulateArgs>;
}
