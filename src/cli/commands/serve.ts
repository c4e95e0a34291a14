import { hostname } from 'node:os';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { createRealBackends } from '../../backends/real-backends.js';
import { ConfigError } from '../../config/config-error.js';
import { withEndpoint } from '../../config/endpoint-override.js';
import type { RouterConfig } from '../../config/router-config.js';
import { createRealClock } from '../../core/clock.js';
import { resolveInstance } from '../../ledger/instance-name.js';
import { openConfiguredLedger } from '../../ledger/usage-ledger.js';
import { createRouter } from '../../router/router.js';
import { createGateway } from '../../serve/gateway.js';
import { isServeWorker, joinPrimary, startPrimary, workerSuffix } from '../../serve/workers.js';
import { configOption, configSets, loadConfigOption, resolveConfigPath, typed } from '../options.js';
import { UsageError } from '../report-error.js';

interface ServeArgs {
  workers?: number;
  port?: number;
  host?: string;
  config?: string;
  ledger?: string;
  'base-url'?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The client keys `serve.api_keys` names, from the environment; a missing variable is a config error. */
export function resolveServeKeys(config: RouterConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  return config.serve.apiKeys.map((reference, i) => {
    const variable = reference.slice(2, -1);
    const value = env[variable];
    if (!value)
      throw new ConfigError(
        `${config.source}: serve.api_keys[${i}]: environment variable ${variable} is not set; export it, or remove the entry`,
      );
    return value;
  });
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the router as an OpenAI- and Anthropic-compatible gateway (real backends, ledger, budget)',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm serve [--port 4000] [--host 127.0.0.1] [--workers N] [--config FILE]

One long-running process around the production router, with the real backends, the usage ledger and the daily budget: a SQLite file, or one PostgreSQL database shared by a fleet of serve instances (ledger.url or $HYBRIDLLM_LEDGER_URL; one budget across them, spooled to a local file and each instance holding an outage lease of budget.partition_on_outage of what remains, set aside from the others and all it spends while the database is unreachable). Point any OpenAI or Anthropic client at it with a base URL change: POST /v1/chat/completions (OpenAI, streamed or not), POST /v1/messages (Anthropic, streamed or not), GET /v1/models (hybridllm/auto, the tiers hybridllm/LOCAL_FAST …, every enabled model; naming a tier or a model pins it), GET /healthz, GET /metrics (Prometheus). Routing hints come from x-hybridllm-action, -expect, -fields, -quality-critical, -prefer-local and -check-mode headers or the body's metadata; without them a request is classified from its content. Answers expected as JSON or code are checked before the first byte (check_mode buffer: escalation is invisible); text streams as it comes and the check is recorded after (stream). Answers carry x-hybridllm-model, -tier, -attempts, -cost-usd and -confidence headers. Clients authenticate with a bearer token (or x-api-key) from serve.api_keys; without keys it binds to loopback only. SIGTERM stops accepting, lets requests in flight finish (serve.drain_seconds) and flushes the ledger. --workers N answers from N processes on the one port, each a router over the same ledger and budget; /metrics covers them all.`,
      )
      .option('port', { type: 'number', describe: 'Port (default serve.port, 4000; 0 picks a free one)' })
      .option('workers', {
        type: 'number',
        describe:
          'Processes answering on the one port (node:cluster), each a router over the same ledger and budget; /metrics joins them all (default 1; up to the cores there are)',
      })
      .option('host', { type: 'string', describe: 'Address to listen on (default serve.host, 127.0.0.1)' })
      .option('config', configOption)
      .option('ledger', {
        type: 'string',
        describe: 'SQLite ledger file (default $HYBRIDLLM_LEDGER, ledger.path or ~/.hybridllm/usage.db)',
      })
      .option('base-url', {
        type: 'string',
        describe: 'Send every model to this server (e.g. hybridllm mock-server)',
      })
      .example('$0 serve --port 4000', 'then: OPENAI_BASE_URL=http://127.0.0.1:4000/v1 python agent.py')
      .example(
        'curl -s localhost:4000/v1/chat/completions -H "content-type: application/json" -d \'{"model":"hybridllm/auto","messages":[{"role":"user","content":"Tag this: invoice overdue"}]}\'',
        'one request, answered by the cheapest tier that passes the check',
      ) as unknown as Argv<ServeArgs>,
  handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
    const configFile = resolveConfigPath(args.config);
    const loaded = loadConfigOption(configFile, configSets(args));
    const config = args['base-url'] ? withEndpoint(loaded, args['base-url']) : loaded;
    const port = args.port ?? config.serve.port;
    const host = args.host ?? config.serve.host;
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new UsageError(`--port must be a whole number from 0 to 65535, got ${typed('port', args.port)}`);
    const apiKeys = resolveServeKeys(config);
    if (apiKeys.length === 0 && !LOOPBACK.has(host))
      throw new UsageError(
        `--host ${host} would open the router to anyone who can reach it: set serve.api_keys (a list of "\${ENV_VAR}" references) so clients must authenticate, or listen on 127.0.0.1`,
      );
    const workers = args.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1 || workers > 256)
      throw new UsageError(
        `--workers must be a whole number from 1 to 256, got ${typed('workers', args.workers)}`,
      );
    if (workers > 1 && !isServeWorker()) return servePrimary(workers, config, apiKeys);
    const worker = isServeWorker() ? `worker ${process.pid}: ` : '';
    const clock = createRealClock();
    const ledger = await openConfiguredLedger(config, {
      ...(args.ledger ? { path: args.ledger } : {}),
      // Each worker of `--workers` is an instance of its own in a shared ledger (leases, heartbeats).
      instance: `${resolveInstance(config, `${hostname()}:${port || process.pid}`)}${workerSuffix()}`,
      batchReservations: true,
    });
    const router = createRouter(config, {
      backends: createRealBackends({ clock, configFile, direct: true }),
      clock,
      sinks: [ledger.sink],
      budget: ledger.budget,
    });
    let joined: (() => Promise<string>) | undefined;
    const gateway = createGateway({
      config,
      router,
      budget: ledger.budget,
      apiKeys,
      ...(config.serve.accessLog ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
      metricsText: () => joined?.() ?? gateway.metrics.registry.metrics(),
    });
    let url: string;
    try {
      url = await gateway.listen(port, host);
    } catch (error) {
      await ledger.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use; pick another with --port (0 picks a free one)`
          : `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      );
    }
    if (worker) joined = joinPrimary(url, () => gateway.metrics.registry.getMetricsAsJSON());
    else
      process.stdout.write(
        `hybridllm serve on ${url} (${apiKeys.length ? `${apiKeys.length} client key(s)` : 'no authentication: loopback only'}; ledger ${ledger.path}${ledger.kind === 'postgres' ? ` as instance ${ledger.instance}, outage lease ${config.budget.partitionOnOutage === 'auto' ? '1/N of the remaining budget (N live instances)' : `${+config.budget.partitionOnOutage.toFixed(4)} of the remaining budget`}` : ''})\n` +
          `  OpenAI     ${url}/v1/chat/completions   (OPENAI_BASE_URL=${url}/v1)\n` +
          `  Anthropic  ${url}/v1/messages           (ANTHROPIC_BASE_URL=${url})\n` +
          `  models     ${url}/v1/models   health ${url}/healthz   metrics ${url}/metrics\n`,
      );
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        // A worker hears Ctrl-C from the terminal and again from the primary: the second must not kill it.
        if (worker) for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => {});
        const inFlight = gateway.inFlight();
        process.stderr.write(
          `${worker}${signal}: no new requests; ${inFlight} in flight, allowed ${config.serve.drainMs / 1000} s to finish\n`,
        );
        void gateway.shutdown(config.serve.drainMs).then(async ({ unfinished }) => {
          await ledger.close();
          process.stderr.write(
            unfinished
              ? `${worker}stopped with ${unfinished} request(s) unfinished at the deadline; the ledger is flushed\n`
              : `${worker}stopped: every request answered, the ledger flushed\n`,
          );
          resolve();
        });
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
  },
};

/** `serve --workers N`: forks the workers, prints where they answer, and stops them all on a signal. */
async function servePrimary(workers: number, config: RouterConfig, apiKeys: string[]): Promise<void> {
  let primary;
  let gaveUp: ((reason: string) => void) | undefined;
  const givenUp = new Promise<string>((resolve) => (gaveUp = resolve));
  try {
    primary = await startPrimary(
      workers,
      (line) => process.stderr.write(`${line}\n`),
      (reason) => gaveUp!(reason),
    );
  } catch (error) {
    // The worker said why on stderr (a port in use, a ledger it cannot open).
    throw new UsageError(`serve --workers ${workers} did not start: ${(error as Error).message}`);
  }
  const { url } = primary;
  process.stdout.write(
    `hybridllm serve on ${url} (${workers} workers; ${apiKeys.length ? `${apiKeys.length} client key(s)` : 'no authentication: loopback only'}; serve.max_concurrent_per_client applies per worker)\n` +
      `  OpenAI     ${url}/v1/chat/completions   (OPENAI_BASE_URL=${url}/v1)\n` +
      `  Anthropic  ${url}/v1/messages           (ANTHROPIC_BASE_URL=${url})\n` +
      `  models     ${url}/v1/models   health ${url}/healthz   metrics ${url}/metrics (all workers)\n`,
  );
  const signal = await Promise.race([
    new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    }),
    givenUp,
  ]);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => {});
  if (signal !== 'SIGINT' && signal !== 'SIGTERM') {
    await primary.stop('SIGTERM');
    throw new Error(signal);
  }
  process.stderr.write(
    `${signal}: stopping ${workers} workers (each finishes its requests within ${config.serve.drainMs / 1000} s)\n`,
  );
  await primary.stop(signal);
  process.stderr.write('stopped: every worker has exited\n');
}
