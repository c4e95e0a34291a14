import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseFaultOption, type FaultPlan } from '../../fakes/faults.js';
import { startMockServer } from '../../fakes/mock-server.js';
import type { ModelTiming } from '../../fakes/answer-plan.js';
import { configOption, configSets, loadConfigOption, typed } from '../options.js';
import { loadRecordedReplies } from '../../fakes/recorded-replies.js';
import { UsageError } from '../report-error.js';

interface MockServerArgs {
  port: number;
  host: string;
  config?: string;
  seed: number;
  'time-scale': number;
  replies?: string;
  'reply-source'?: string;
  fault: string[];
  missing: string[];
  ttft: string[];
  tps: string[];
  'output-tokens': string[];
  'load-ms': number;
  'max-concurrency'?: number;
  'batch-slowdown': number;
  'wake-ms': number;
  'wake-after-ms': number;
}

function parseModelNumbers(entries: readonly string[], flag: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const value = Number(entry.slice(at + 1));
    if (at <= 0 || !Number.isFinite(value) || value <= 0)
      throw new UsageError(`--${flag} ${entry}: expected MODEL=NUMBER`);
    out.set(entry.slice(0, at), value);
  }
  return out;
}

export const mockServerCommand: CommandModule<object, MockServerArgs> = {
  command: 'mock-server',
  describe:
    'Serve the Ollama, OpenAI and Anthropic APIs locally from the model profiles, with fault injection',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm mock-server [--port 11434] [options]

One local server speaking the Ollama API (/api/chat, /api/generate, /api/tags, /api/ps, /api/show, /api/version), the OpenAI chat API (/v1/chat/completions, /v1/models) and the Anthropic Messages API (/v1/messages), with their exact wire formats. Answers come from the config's simulation profiles, in real time (time to first token and tokens/s actually elapse). Lets you try \`route --backend real\` and \`bench\` with no Ollama, GPU or API key. Stop it with Ctrl-C.`,
      )
      .option('port', { type: 'number', default: 11434, describe: 'Port (0 picks a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('config', configOption)
      .option('seed', { type: 'number', default: 1 })
      .option('time-scale', {
        type: 'number',
        default: 1,
        describe: 'Multiply every delay (0.1 = ten times faster)',
      })
      .option('fault', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe:
          'MODEL=KIND[,KIND…] (scripted, one per request) or MODEL=KIND:RATE; kinds: rate_limit, server_error, overloaded, not_found, auth, reset, hang, cut, malformed, stream_error, slow_first_token, ok',
      })
      .option('missing', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Model to report as not pulled',
      })
      .option('ttft', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'MODEL=MS: time to first token',
      })
      .option('tps', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'MODEL=N: output tokens per second',
      })
      .option('output-tokens', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'MODEL=N: every answer of the model is N tokens long (at most the request’s max_tokens)',
      })
      .option('load-ms', {
        type: 'number',
        default: 0,
        describe: 'Cold-start load time of each model’s first request (Ollama load_duration)',
      })
      .option('replies', {
        type: 'string',
        describe:
          "Answer known prompts with a model's recorded answers from this CSV (a prompt column and SOURCE_response, as RouteLLM's files): what a shadow run is tested against",
      })
      .option('reply-source', {
        type: 'string',
        describe: 'With --replies: whose answers (e.g. mistralai/Mixtral-8x7B-Instruct-v0.1)',
      })
      .option('max-concurrency', {
        type: 'number',
        describe:
          'Make local models capacity-limited servers: at most N sequences each at once, the rest queued (FIFO)',
      })
      .option('batch-slowdown', {
        type: 'number',
        default: 0.3,
        describe:
          'With --max-concurrency: each extra sequence running makes every token take this much longer (0.3 = 30%)',
      })
      .option('wake-ms', {
        type: 'number',
        default: 0,
        describe:
          'With --max-concurrency: a request that finds its model’s server idle (see --wake-after-ms) waits this much longer for its first token, as CPU llama.cpp does after idle',
      })
      .option('wake-after-ms', {
        type: 'number',
        default: 200,
        describe: 'With --wake-ms: how long a server must sit idle to go cold',
      })
      .example(
        '$0 mock-server --port 11434',
        'then: ./bin/hybridllm route --backend real --action tag --prompt "…"',
      )
      .example(
        "$0 mock-server --fault 'phi3:mini=server_error,server_error,server_error'",
        'the fast model fails three times',
      ) as unknown as Argv<MockServerArgs>,
  handler: async (args: ArgumentsCamelCase<MockServerArgs>) => {
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535)
      throw new UsageError(`--port must be a whole number from 0 to 65535, got ${typed('port', args.port)}`);
    if (!Number.isInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${typed('seed', args.seed)}`);
    if (!(args['time-scale'] > 0))
      throw new UsageError(
        `--time-scale must be a positive number, got ${typed('time-scale', args['time-scale'])}`,
      );
    if (!(args['load-ms'] >= 0))
      throw new UsageError(
        `--load-ms must be a non-negative number, got ${typed('load-ms', args['load-ms'])}`,
      );
    const maxConcurrency = args['max-concurrency'];
    if (maxConcurrency !== undefined && !(Number.isInteger(maxConcurrency) && maxConcurrency >= 1))
      throw new UsageError(
        `--max-concurrency must be a whole number, at least 1, got ${typed('max-concurrency', maxConcurrency)}`,
      );
    if (!(args['batch-slowdown'] >= 0))
      throw new UsageError(
        `--batch-slowdown must be a non-negative number, got ${typed('batch-slowdown', args['batch-slowdown'])}`,
      );
    for (const flag of ['wake-ms', 'wake-after-ms'] as const)
      if (!(args[flag] >= 0))
        throw new UsageError(`--${flag} must be a non-negative number, got ${typed(flag, args[flag])}`);
    if (args['wake-ms'] > 0 && maxConcurrency === undefined)
      throw new UsageError('--wake-ms needs --max-concurrency (it models a capacity-limited server)');
    const config = loadConfigOption(args.config, configSets(args));
    const faults: Record<string, FaultPlan> = {};
    try {
      for (const entry of args.fault) parseFaultOption(entry, faults);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const timing: Record<string, ModelTiming> = {};
    for (const [model, ms] of parseModelNumbers(args.ttft, 'ttft')) (timing[model] ??= {}).ttftMs = ms;
    for (const [model, tps] of parseModelNumbers(args.tps, 'tps'))
      (timing[model] ??= {}).tokensPerSecond = tps;
    for (const [model, tokens] of parseModelNumbers(args['output-tokens'], 'output-tokens')) {
      if (!Number.isInteger(tokens) || tokens < 1)
        throw new UsageError(`--output-tokens ${model}=${tokens}: expected a whole number of tokens`);
      (timing[model] ??= {}).outputTokens = tokens;
    }
    if (args['load-ms'] > 0)
      for (const model of config.models) (timing[model.name] ??= {}).loadMs = args['load-ms'];
    if ((args.replies === undefined) !== (args['reply-source'] === undefined))
      throw new UsageError('--replies and --reply-source go together: the file, and whose answers in it');
    const replies =
      args.replies && args['reply-source']
        ? await loadRecordedReplies(args.replies, args['reply-source'])
        : undefined;
    const server = await startMockServer({
      config,
      ...(replies ? { replies } : {}),
      port: args.port,
      host: args.host,
      seed: args.seed,
      timeScale: args['time-scale'],
      faults,
      missing: args.missing,
      timing,
      ...(maxConcurrency === undefined
        ? {}
        : {
            capacity: {
              maxConcurrency,
              slowdownPerSequence: args['batch-slowdown'],
              ...(args['wake-ms'] > 0
                ? { wake: { ms: args['wake-ms'], afterMs: args['wake-after-ms'] } }
                : {}),
            },
          }),
    });
    process.stdout.write(
      `hybridllm mock server on ${server.url}\n` +
        `  Ollama API      ${server.url}/api/…   (export OLLAMA_HOST=${server.url})\n` +
        `  OpenAI chat     ${server.url}/v1/chat/completions\n` +
        `  Anthropic       ${server.url}/v1/messages\n` +
        `Models: ${config.models
          .filter((m) => !args.missing.includes(m.name))
          .map((m) => m.model)
          .join(', ')}\n` +
        `Try: ./bin/hybridllm route --backend real --base-url ${server.url} --action edit_file --prompt "Generate a Python function to parse JSON" --expect python\n` +
        `(API models still need their key variable set; this server accepts any: export ANTHROPIC_API_KEY=mock OPENAI_API_KEY=mock)\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
