import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { analyticEstimate } from '../../sim/analytic/analytic-estimate.js';
import { loadProfileFile } from '../../bench/profile.js';
import { loadScenarioFile } from '../../sim/load-scenario.js';
import { parseColumnMap } from '../../sim/recorded-workload.js';
import { parseAnswerMap } from '../../sim/recorded-answers.js';
import { simulate, type SimulateResult } from '../../sim/simulate.js';
import { loadConfigFile } from '../../config/load-config.js';
import { formatEstimate } from '../format/estimate.js';
import { formatComparison, formatSimulationSummary } from '../format/simulation-summary.js';
import { configSets, resolveConfigPath, typed } from '../options.js';
import { createProgress } from '../progress.js';
import { redactUrl } from '../../ledger/pg/ledger-url.js';
import { UsageError } from '../report-error.js';
import { simulateOptions, type SimulateArgs } from './simulate-options.js';

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: 'simulate',
  describe:
    'Replay a scenario or recorded workload through the router: hybrid vs pure-API cost, quality, latency',
  builder: simulateOptions,
  handler: async (args: ArgumentsCamelCase<SimulateArgs>) => {
    // Recorded answers alone: the same file is the workload (RouteLLM's CSV holds both).
    if (args.answers && !args.scenario && !args.workload) args.workload = args.answers;
    if (!args.scenario === !args.workload)
      throw new UsageError('give either --scenario NAME, --workload FILE or --answers FILE');
    if (args.answers && args.scenario)
      throw new UsageError(
        '--answers replays a recorded workload; use it with --workload FILE, not --scenario',
      );
    if (args.answers && (args.runs !== 1 || args.backend === 'real'))
      throw new UsageError(
        '--answers replays recorded answers once on simulated timing: drop --runs and --backend real',
      );
    const target = args['target-accuracy'];
    if (target !== undefined && !(target >= 0 && target <= 1))
      throw new UsageError(
        `--target-accuracy must be a share from 0 to 1, got ${typed('target-accuracy', target)}`,
      );
    if (target !== undefined && !args.answers)
      throw new UsageError('--target-accuracy applies to --answers only');
    if (!Number.isInteger(args.runs) || args.runs < 1)
      throw new UsageError(`--runs must be a positive integer, got ${typed('runs', args.runs)}`);
    if (args.seed !== undefined && !Number.isInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${typed('seed', args.seed)}`);
    const blockTokens = args['block-tokens'];
    if (blockTokens !== undefined && (!Number.isInteger(blockTokens) || blockTokens < 1))
      throw new UsageError(
        `--block-tokens must be a positive integer, got ${typed('block-tokens', blockTokens)}`,
      );
    if (
      (args['time-unit'] ||
        blockTokens !== undefined ||
        args.annualise ||
        args.sort ||
        args['require-output-tokens']) &&
      !args.workload
    )
      throw new UsageError(
        '--time-unit, --block-tokens, --annualise, --sort and --require-output-tokens apply to a recorded --workload only',
      );
    if (args['local-p95-ms'] !== undefined && !(args['local-p95-ms'] > 0))
      throw new UsageError(
        `--local-p95-ms must be a positive number, got ${typed('local-p95-ms', args['local-p95-ms'])}`,
      );
    if (args.days !== undefined && (!Number.isInteger(args.days) || args.days < 1))
      throw new UsageError(`--days must be a positive integer, got ${typed('days', args.days)}`);
    if (
      args.backend !== 'real' &&
      (args['base-url'] !== undefined ||
        args.rate !== undefined ||
        args.concurrency !== undefined ||
        args['as-recorded'])
    )
      throw new UsageError(
        '--base-url, --rate, --as-recorded and --concurrency apply to --backend real only',
      );
    if (args['as-recorded'] && (args.rate !== undefined || !args.workload))
      throw new UsageError(
        '--as-recorded paces a recorded --workload by its own timestamps: give --workload, and drop --rate',
      );
    if (args.rate !== undefined && !(args.rate > 0))
      throw new UsageError(`--rate must be a positive number, got ${typed('rate', args.rate)}`);
    if (args.concurrency !== undefined && (!Number.isInteger(args.concurrency) || args.concurrency < 1))
      throw new UsageError(
        `--concurrency must be a positive integer, got ${typed('concurrency', args.concurrency)}`,
      );
    const configFile = resolveConfigPath(args.config);
    const scenarios =
      args.scenario
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean) ?? [];

    if (args.analytic) {
      const estimates = [];
      for (const name of scenarios.length ? scenarios : []) {
        const scenario = loadScenarioFile(name);
        const config = loadConfigFile(configFile, scenario.config_overrides, configSets(args));
        estimates.push(
          await analyticEstimate(
            args.days ? { ...scenario, days: args.days } : scenario,
            config,
            new Map(Object.entries(scenario.faults)),
          ),
        );
      }
      if (!estimates.length)
        throw new UsageError(
          '--analytic needs --scenario (a recorded workload has no distribution to take expectations of)',
        );
      process.stdout.write(
        args.json
          ? `${JSON.stringify(estimates.length === 1 ? estimates[0] : estimates, null, 2)}\n`
          : `${estimates.map(formatEstimate).join('\n\n')}\n`,
      );
      return;
    }

    // A ledger URL's password never reaches the run folder.
    const command = redactUrl(
      `hybridllm ${process.argv.slice(2).join(' ')}`.replace(/\S+:\/\/\S+/g, (u) => redactUrl(u)),
    );
    const progress = createProgress(args.progress && !args.json);
    const results: SimulateResult[] = [];
    try {
      for (const scenario of scenarios.length ? scenarios : [undefined]) {
        let expected: number | undefined;
        if (scenario) {
          const s = loadScenarioFile(scenario);
          expected = Math.round(s.iterations_per_day * (args.days ?? s.days));
        }
        const label = scenario ?? 'workload';
        const result = await simulate({
          configFile,
          ...(configSets(args) ? { configSets: configSets(args)! } : {}),
          ...(args['baseline-model'] ? { baselineModel: args['baseline-model'] } : {}),
          ...(args['local-p95-ms'] ? { localP95Ms: args['local-p95-ms'] } : {}),
          ...(scenario ? { scenario } : {}),
          ...(args.workload
            ? {
                workload: {
                  file: args.workload,
                  map: parseColumnMap(args.map),
                  skipInvalid: args['skip-invalid'],
                  ...(args.format ? { format: args.format } : {}),
                  ...(args['batch-input'] ? { pairedFile: args['batch-input'] } : {}),
                  ...(args['time-unit'] ? { timeUnit: args['time-unit'] } : {}),
                  ...(args.sort ? { sort: true } : {}),
                  ...(args['require-output-tokens'] ? { requireOutputTokens: true } : {}),
                  ...(args['block-tokens'] ? { blockTokens: args['block-tokens'] } : {}),
                },
              }
            : {}),
          ...(args.seed === undefined ? {} : { seed: args.seed }),
          ...(args.days === undefined ? {} : { days: args.days }),
          runs: args.runs,
          ...(args.parallel === undefined ? {} : { parallel: args.parallel }),
          ...(args.annualise ? { annualise: true } : {}),
          out: args.write ? args.out : false,
          ...(args.profiles
            ? (() => {
                const loaded = loadProfileFile(args.profiles);
                return { profiles: { file: args.profiles, byModel: loaded.models, origin: loaded.origin } };
              })()
            : {}),
          ...(args.backend === 'real'
            ? {
                real: {
                  configFile,
                  ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
                  poisson: args.poisson,
                  ...(args['as-recorded'] ? { asRecorded: true } : {}),
                  ...(args.rate ? { rate: args.rate } : {}),
                  ...(args['base-url'] ? { baseUrl: args['base-url'] } : {}),
                },
              }
            : {}),
          ...(args.answers
            ? { answers: { file: args.answers, map: parseAnswerMap(args['answer-map']) } }
            : {}),
          ...(target === undefined ? {} : { targetAccuracy: target }),
          command,
          onProgress: ({ run, seed, done }) =>
            progress.update(`${label} ${run}${args.runs > 1 ? ` s${seed}` : ''}`, done, expected),
        });
        results.push(result);
        if (!args.json) {
          progress.stop();
          process.stdout.write(`${formatSimulationSummary(result.summary, result.monteCarlo)}\n`);
          if (result.runDir)
            process.stdout.write(
              `\nRun folder: ${result.runDir}\nReport:     ${result.runDir}/report.html\n\n`,
            );
        }
      }
    } finally {
      progress.stop();
    }
    if (args.json) {
      const payload = results.map((r) =>
        r.monteCarlo
          ? { ...r.summary, monteCarlo: r.monteCarlo, runDir: r.runDir ?? null }
          : { ...r.summary, runDir: r.runDir ?? null },
      );
      process.stdout.write(`${JSON.stringify(payload.length === 1 ? payload[0] : payload, null, 2)}\n`);
    } else if (results.length > 1) {
      process.stdout.write(`${formatComparison(results.map((r) => r.summary))}\n`);
    }
  },
};
