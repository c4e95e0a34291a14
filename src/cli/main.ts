import yargs, { type Argv } from 'yargs';
import { reportError, EXIT } from './report-error.js';
import { benchCommand } from './commands/bench.js';
import { calibrateCommand } from './commands/calibrate.js';
import { doctorCommand } from './commands/doctor.js';
import { estimateCommand } from './commands/estimate.js';
import { mockServerCommand } from './commands/mock-server.js';
import { reportCommand } from './commands/report.js';
import { routeCommand } from './commands/route.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { usageCommand } from './commands/usage.js';

/** Commands, one file each; each is a thin wrapper over a library call. */
const COMMANDS = [
  simulateCommand,
  estimateCommand,
  reportCommand,
  routeCommand,
  serveCommand,
  usageCommand,
  benchCommand,
  calibrateCommand,
  mockServerCommand,
  doctorCommand,
];

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
    .epilogue("Run `hybridllm <command> --help` for a command's options. Docs: README.md")
    .fail((message, error) => {
      if (error) throw error;
      throw new CliUsage(message);
    });
  for (const command of COMMANDS) parser = parser.command(command as never);
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
