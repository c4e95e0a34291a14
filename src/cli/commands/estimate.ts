import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { analyticEstimate } from '../../sim/analytic/analytic-estimate.js';
import { resolveBaselineModel } from '../../config/baseline-model.js';
import { loadConfigFile } from '../../config/load-config.js';
import { loadScenarioFile } from '../../sim/load-scenario.js';
import { formatEstimate } from '../format/estimate.js';
import { configOption, configSets, resolveConfigPath } from '../options.js';

interface EstimateArgs {
  scenario: string;
  config?: string;
  json: boolean;
  'baseline-model'?: string;
}

export const estimateCommand: CommandModule<object, EstimateArgs> = {
  command: 'estimate',
  describe: 'Analytic cost estimate of a scenario: expected values from the same config, no sampling',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm estimate --scenario NAME [--json]

Expected cost per day/month/year for hybrid and pure API, from the same classification, chain and quality checks as the router with probabilities instead of random draws. With the design document's assumptions (--scenario design-doc) it reproduces its figures.`,
      )
      .option('scenario', {
        type: 'string',
        demandOption: true,
        describe: 'light, medium, heavy, design-doc, or a scenario file',
      })
      .option('config', configOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print the estimate as JSON' })
      .option('baseline-model', {
        type: 'string',
        describe:
          'Price the pure-API baseline at this model: a configured API model or a model id from the bundled price table',
      })
      .example(
        '$0 estimate --scenario design-doc',
        "the design document's $0.45/day vs $0.135/day",
      ) as unknown as Argv<EstimateArgs>,
  handler: async (args: ArgumentsCamelCase<EstimateArgs>) => {
    const scenario = loadScenarioFile(args.scenario);
    const config = loadConfigFile(
      resolveConfigPath(args.config),
      scenario.config_overrides,
      configSets(args),
    );
    const estimate = await analyticEstimate(scenario, config, new Map(Object.entries(scenario.faults)), {
      ...(args['baseline-model']
        ? { baselineModel: resolveBaselineModel(config, args['baseline-model']) }
        : {}),
    });
    process.stdout.write(
      args.json ? `${JSON.stringify(estimate, null, 2)}\n` : `${formatEstimate(estimate)}\n`,
    );
  },
};
