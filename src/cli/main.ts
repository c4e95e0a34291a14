import yargs, { type Argv } from 'yargs';
import { reportError, EXIT } from './report-error.js';
import type { CommandModule } from 'yargs';

/**
 * Commands, one file each; each is a thin wrapper over a library call. Loaded on demand: a command pays only
 * for its own imports (`serve` need not load the report's chart engine), which saves start-up time and memory.
 */
const COMMANDS: Record<string, () => Promise<CommandModule<object, never>>> = {
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand as never,
  estimate: async () => (await import('./commands/estimate.js')).estimateCommand as never,
  report: async () => (await import('./commands/report.js')).reportCommand as never,
  route: async () => (await import('./commands/route.js')).routeCommand as never,
  serve: async () => (await import('./commands/serve.js')).serveCommand as never,
  usage: async () => (await import('./commands/usage.js')).usageCommand as never,
  bench: async () => (await import('./commands/bench.js')).benchCommand as never,
  calibrate: async () => (await import('./commands/calibrate.js')).calibrateCommand as never,
  shadow: async () => (await import('./commands/shadow.js')).shadowCommand as never,
  'mock-server': async () => (await import('./commands/mock-server.js')).mockServerCommand as never,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand as never,
};

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let parser: Argv = yargs(argv)
    .scriptName('hybridllm')
    .usage(
      'hybridllm — route LLM requests to the cheapest tier that can do them, and simulate what that saves.\n\nUsage: $0 <command> [options]',
    )
    .option('set', {
      type: 'string',
      array: true,
      global: true,
      describe:
        'Change one config value for this run, e.g. --set router.daily_budget_usd=5 --set models.claude-haiku-4-5.enabled=true (repeatable; values read as YAML)',
    })
    .strict()
    .demandCommand(1, 'Name a command; see the list above.')
    .recommendCommands()
    .exitProcess(false)
    .wrap(helpWidth())
    .epilogue("Run `hybridllm <command> --help` for a command's options. Docs: README.md and docs/")
    .fail((message, error) => {
      if (error) throw error;
      throw new CliUsage(message);
    });
  // The command named on the line, or all of them (for the overall help and to suggest a mistyped one).
  const named = argv.find((a) => !a.startsWith('-'));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) parser = parser.command((await COMMANDS[name]!()) as never);
  try {
    await parser.parseAsync();
    exitCode = (process.exitCode as number | undefined) ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CliUsage) {
      process.stderr.write(`${await parser.getHelp()}\n\nerror: ${error.message}\n`);
      return EXIT.badInput;
    }
    return reportError(error);
  }
  return exitCode;
}

class CliUsage extends Error {}

/** Help wraps at the terminal's width (COLUMNS when not a terminal), between 60 and 200 columns. */
function helpWidth(): number {
  const columns = process.stdout.columns || Number(process.env['COLUMNS']) || 100;
  return Math.max(60, Math.min(200, columns));
}

/**
 * The last resort: an error nothing caught (an unhandled rejection, an uncaught exception) still becomes one
 * line and the exit code of its class, never a raw stack trace or a silent end.
 */
export function installLastResortHandlers(): void {
  const fail = (error: unknown): void => {
    process.exitCode = reportError(error);
    process.exit();
  };
  process.on('unhandledRejection', fail);
  process.on('uncaughtException', fail);
}
