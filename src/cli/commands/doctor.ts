import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { withEndpoint } from '../../config/endpoint-override.js';
import { loadConfigFile } from '../../config/load-config.js';
import { doctorPassed, runDoctor } from '../../doctor/doctor.js';
import { configOption, configSets, resolveConfigPath, typed } from '../options.js';
import { UsageError } from '../report-error.js';

interface DoctorArgs {
  config?: string;
  ping: boolean;
  json: boolean;
  'min-disk-gb': number;
  'base-url'?: string;
}

const MARK = { ok: '✓', fail: '✗', skip: '–' } as const;

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe:
    'Check this machine and config against the setup checklist (GPU, RAM, disk, Ollama, models, API keys)',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm doctor [--ping] [--json]

The design document's pre-deployment checklist as a command. Each line is ✓ (ok), ✗ (missing, with a fix) or – (not applicable). Exit code 0 when everything the enabled models need is there, 1 otherwise. API keys are checked for presence only and never printed.`,
      )
      .option('config', configOption)
      .option('ping', {
        type: 'boolean',
        default: false,
        describe: 'Send a 1-token test call to each enabled API model',
      })
      .option('min-disk-gb', { type: 'number', default: 50, describe: 'Free disk wanted for models' })
      .option('base-url', {
        type: 'string',
        describe: 'Check every model against this server instead (e.g. hybridllm mock-server)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the checks as JSON',
      })
      .example('$0 doctor', 'check GPU, RAM, disk, Ollama, models and API keys')
      .example(
        '$0 doctor --base-url http://127.0.0.1:11434',
        'check every model against a mock-server',
      ) as unknown as Argv<DoctorArgs>,
  handler: async (args: ArgumentsCamelCase<DoctorArgs>) => {
    if (!(args['min-disk-gb'] >= 0))
      throw new UsageError(
        `--min-disk-gb must be a non-negative number, got ${typed('min-disk-gb', args['min-disk-gb'])}`,
      );
    const configFile = resolveConfigPath(args.config);
    const loaded = loadConfigFile(configFile, undefined, configSets(args));
    const config = args['base-url'] ? withEndpoint(loaded, args['base-url']) : loaded;
    const checks = await runDoctor({ config, configFile, ping: args.ping, minDiskGb: args['min-disk-gb'] });
    const passed = doctorPassed(checks);
    if (args.json) process.stdout.write(`${JSON.stringify({ passed, checks }, null, 2)}\n`);
    else {
      for (const check of checks) {
        process.stdout.write(`${MARK[check.status]} ${check.name.padEnd(28)} ${check.detail}\n`);
        if (check.hint && check.status !== 'ok')
          process.stdout.write(`  ${' '.repeat(28)} fix: ${check.hint}\n`);
      }
      process.stdout.write(
        passed
          ? '\nReady: everything the enabled models need is there.\n'
          : '\nNot ready: fix the ✗ lines above (or disable the models that need them).\n',
      );
    }
    process.exitCode = passed ? 0 : 1;
  },
};
