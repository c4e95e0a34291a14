import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { COMPLEXITIES } from '../../router/types.js';
import { parseAnswerMap } from '../../sim/recorded-answers.js';
import { calibrate } from '../../sim/calibrate.js';
import { parseWeightVariant } from '../../sim/weight-variant.js';
import { formatPercent } from '../../report/format-numbers.js';
import { formatRecordedQuality } from '../format/accuracy-summary.js';
import { configOption, configSets, resolveConfigPath, typed } from '../options.js';
import { UsageError } from '../report-error.js';

interface CalibrateArgs {
  answers: string;
  workload?: string;
  'answer-map': string[];
  'target-accuracy'?: number;
  'write-profiles'?: string;
  weights: string[];
  seed?: number;
  config?: string;
  json: boolean;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe:
    'Measure the quality check against recorded answers with labels: the cost–quality curve, and fitted profiles',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        [
          'hybridllm calibrate --answers FILE [--workload FILE] [--answer-map MODEL=SOURCE …] [--target-accuracy A] [--weights W …] [--write-profiles FILE] [--json]',
          '',
          "Replays recorded answers (each model's real text per request, with whether it was right) through the router, and sweeps the quality threshold: each point is a re-run of the router. Prints accuracy against API share and cost, RouteLLM's APGR and CPT(50%)/CPT(80%), the check's precision and recall as a detector of wrong answers, and the recommended threshold. Then fits each model's simulation rates per complexity (detectable defects, silent-wrong, flagged-but-right) and, with --write-profiles, writes them for simulate --profiles.",
        ].join('\n'),
      )
      .option('answers', {
        type: 'string',
        demandOption: true,
        describe:
          'Recorded answers with labels (RouteLLM wide CSV, or long: request_id, model, answer, correct)',
      })
      .option('workload', {
        type: 'string',
        describe: 'The workload the answers belong to (default: the answers file)',
      })
      .option('answer-map', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'MODEL=SOURCE: which recorded answers a configured model gives',
      })
      .option('target-accuracy', {
        type: 'number',
        describe:
          'Recommend the cheapest threshold reaching this accuracy (0–1); default: the largest gain over a random router',
      })
      .option('write-profiles', { type: 'string', describe: 'Write the fitted profiles here (YAML)' })
      .option('weights', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe:
          'Also sweep these check weights: a preset (design, task-weighted) or KEY=WEIGHT pairs, e.g. task=0.6,format=0.1,veto=none (keys: format, completeness, coherence, self_critique, task, veto)',
      })
      .option('seed', { type: 'number', describe: 'Seed for timings and bootstrap (default 42)' })
      .option('config', configOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
      .example(
        '$0 calibrate --answers ../shared/datasets/routellm-gsm8k/gsm8k_responses.csv --write-profiles profiles.yaml',
        'the curve on real Mixtral/GPT-4 answers, and profiles fitted from them',
      )
      .example(
        '$0 calibrate --answers answers.csv --answer-map qwen2:7b=qwen --answer-map claude-haiku-4-5=haiku --target-accuracy 0.8',
        'your own recorded answers, long layout',
      ) as unknown as Argv<CalibrateArgs>,
  handler: async (args: ArgumentsCamelCase<CalibrateArgs>) => {
    const target = args['target-accuracy'];
    if (target !== undefined && !(target >= 0 && target <= 1))
      throw new UsageError(
        `--target-accuracy must be a share from 0 to 1, got ${typed('target-accuracy', target)}`,
      );
    if (args.seed !== undefined && !Number.isInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${typed('seed', args.seed)}`);
    const result = await calibrate({
      configFile: resolveConfigPath(args.config),
      ...(configSets(args) ? { configSets: configSets(args)! } : {}),
      answers: args.answers,
      ...(args.workload ? { workload: args.workload } : {}),
      answerMap: parseAnswerMap(args['answer-map']),
      weightVariants: args.weights.map(parseWeightVariant),
      ...(target === undefined ? {} : { targetAccuracy: target }),
      ...(args.seed === undefined ? {} : { seed: args.seed }),
      ...(args['write-profiles'] ? { writeProfiles: args['write-profiles'] } : {}),
      command: `hybridllm ${process.argv.slice(2).join(' ')}`,
    });
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ quality: result.quality, fitted: result.fitted, profilesFile: result.profilesFile ?? null }, null, 2)}\n`,
      );
      return;
    }
    const lines = formatRecordedQuality(result.quality, result.summary.accuracy.source);
    lines.push(
      '',
      'FITTED RATES per complexity (share of answers)      answers   flagged   silent wrong   flagged but right',
    );
    for (const fit of result.fitted)
      for (const complexity of COMPLEXITIES) {
        const n = fit.answers[complexity];
        if (!n) continue;
        const flagged = Object.values(fit.profile.defects[complexity]).reduce((a, b) => a + (b ?? 0), 0);
        lines.push(
          `  ${`${fit.model} ${complexity}`.padEnd(48)} ${String(n).padStart(8)}   ${formatPercent(flagged * 100).padStart(7)}   ${formatPercent(fit.profile.silent_wrong[complexity] * 100).padStart(12)}   ${formatPercent(fit.profile.flagged_correct[complexity] * 100).padStart(17)}`,
        );
      }
    if (result.profilesFile)
      lines.push(
        '',
        `Profiles written to ${result.profilesFile}: hybridllm simulate --profiles ${result.profilesFile}`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
