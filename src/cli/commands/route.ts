import { readFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createSimulatedBackend } from '../../backends/simulated/simulated-backend.js';
import { createRouter } from '../../router/router.js';
import { EXPECTS, type Expects, type RouteRequest } from '../../router/types.js';
import { createRealClock, createVirtualClock } from '../../core/clock.js';
import { createRealBackends } from '../../backends/real-backends.js';
import { loadConfigFile } from '../../config/load-config.js';
import { withEndpoint } from '../../config/endpoint-override.js';
import { openConfiguredLedger } from '../../ledger/usage-ledger.js';
import { loadProfiles } from '../../bench/profile.js';
import { countTokens } from '../../sim/tokens.js';
import { formatRouteTrace } from '../format/route-trace.js';
import { configOption, configSets, resolveConfigPath, typed } from '../options.js';
import { UsageError } from '../report-error.js';

interface RouteArgs {
  action?: string;
  prompt?: string;
  'prompt-file'?: string;
  context?: string;
  expect: Expects;
  fields?: string;
  'quality-critical': boolean;
  'prefer-local'?: boolean;
  backend: 'simulated' | 'real';
  'base-url'?: string;
  ledger?: string;
  record: boolean;
  profiles?: string;
  seed: number;
  config?: string;
  json: boolean;
}

export const routeCommand: CommandModule<object, RouteArgs> = {
  command: 'route',
  describe: 'Route one request through the router and print the decision trace',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        'hybridllm route --action ACTION --prompt TEXT [options]\n\nClassifies the request, picks a tier, calls models along the fallback chain, runs the quality check on every answer and prints each attempt (model, time, cost, per-check marks, confidence, PASS/FAIL) and the final answer.',
      )
      .option('action', {
        type: 'string',
        describe: 'Action type, e.g. classification, edit_file, orchestration',
      })
      .option('prompt', { type: 'string', describe: 'The prompt text' })
      .option('prompt-file', { type: 'string', describe: 'Read the prompt from a file instead' })
      .option('context', { type: 'string', describe: 'File whose contents are sent as context' })
      .option('expect', {
        choices: EXPECTS,
        default: 'text' as Expects,
        describe: 'Expected answer format (checked by the format check)',
      })
      .option('fields', { type: 'string', describe: 'Comma-separated keys a JSON answer must contain' })
      .option('quality-critical', { type: 'boolean', default: false, describe: 'Always use the API tier' })
      .option('prefer-local', {
        type: 'boolean',
        describe: 'Override the config; --no-prefer-local sends the request to the API tier',
      })
      .option('backend', {
        choices: ['simulated', 'real'] as const,
        default: 'simulated' as const,
        describe:
          'simulated: model profiles, no servers or keys; real: the configured servers (Ollama, OpenAI-compatible, Anthropic, OpenAI)',
      })
      .option('base-url', {
        type: 'string',
        describe: 'With --backend real: send every model to this server (e.g. hybridllm mock-server)',
      })
      .option('ledger', {
        type: 'string',
        describe:
          'With --backend real: usage ledger file (default: $HYBRIDLLM_LEDGER, the config, ~/.hybridllm/usage.db)',
      })
      .option('record', {
        type: 'boolean',
        default: true,
        describe:
          'With --backend real: record attempts in the ledger and hold the budget across processes (--no-record to skip)',
      })
      .option('profiles', {
        type: 'string',
        describe: 'With --backend simulated: calibrated profiles from hybridllm bench',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the simulated backend' })
      .option('config', configOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print the full result object as JSON' })
      .example(
        '$0 route --action edit_file --prompt "Generate a Python function to parse JSON" --expect python',
        "the design document's fallback example",
      )
      .example(
        '$0 route --action classification --prompt "Is this spam?" --expect json --fields label,confidence --json',
        'JSON for scripts',
      ) as unknown as Argv<RouteArgs>,
  handler: async (args: ArgumentsCamelCase<RouteArgs>) => {
    if (args.prompt !== undefined && args['prompt-file'] !== undefined)
      throw new UsageError('give either --prompt or --prompt-file, not both');
    const prompt =
      args['prompt-file'] !== undefined ? readFileSync(args['prompt-file'], 'utf8') : args.prompt;
    if (prompt === undefined || prompt.trim() === '')
      throw new UsageError('--prompt (or --prompt-file) is required and must not be empty');
    if (!Number.isInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${typed('seed', args.seed)}`);
    if (args['base-url'] !== undefined && args.backend !== 'real')
      throw new UsageError('--base-url applies to --backend real only');
    const configFile = resolveConfigPath(args.config);
    const loaded = loadConfigFile(configFile, undefined, configSets(args));
    const config = args['base-url'] ? withEndpoint(loaded, args['base-url']) : loaded;
    const context = args.context === undefined ? undefined : readFileSync(args.context, 'utf8');
    const ledger =
      args.backend === 'real' && args.record
        ? await openConfiguredLedger(config, args.ledger ? { path: args.ledger } : {})
        : undefined;
    const router =
      args.backend === 'real'
        ? createRouter(config, {
            backends: createRealBackends({ clock: createRealClock(), configFile }),
            clock: createRealClock(),
            ...(ledger ? { sinks: [ledger.sink], budget: ledger.budget } : {}),
          })
        : (() => {
            const clock = createVirtualClock(Date.UTC(2026, 0, 1));
            return createRouter(config, {
              backends: createSimulatedBackend({
                seed: args.seed,
                clock,
                ...(args.profiles ? { profiles: new Map(Object.entries(loadProfiles(args.profiles))) } : {}),
              }),
              clock,
            });
          })();
    const fields = args.fields
      ?.split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const promptText = context === undefined ? prompt : `${prompt}\n\n${context}`;
    const request: RouteRequest = {
      id: 'cli-1',
      prompt,
      expects: args.expect,
      inputTokens: await countTokens(promptText),
      ...(args.action === undefined ? {} : { action: args.action }),
      ...(context === undefined ? {} : { context }),
      ...(fields?.length ? { requiredFields: fields } : {}),
      ...(args['quality-critical'] ? { qualityCritical: true } : {}),
      ...(args['prefer-local'] === undefined ? {} : { preferLocal: args['prefer-local'] }),
    };
    let result;
    try {
      result = await router.route(request);
    } finally {
      await ledger?.close();
    }
    process.stdout.write(
      args.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${formatRouteTrace(result, prompt, config.qualityThreshold)}\n`,
    );
    process.exitCode = result.passed ? 0 : 1;
  },
};
