import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { SHADOW_COLUMNS } from '../shadow/shadow-file.js';
import type { SimulationProfile } from '../config/schema.js';
import { COMPLEXITIES, isLocalTier, type Complexity } from '../router/types.js';
import { ratesOf, type OutcomeCounts } from './fit-rates.js';
import type { RecordedQuality } from './recorded-quality.js';
import { simulate } from './simulate.js';
import type { Summary } from './summary.js';
import type { WeightVariant } from './weight-variant.js';

/** Fewest labelled answers at one complexity that a rate is fitted from; fewer keep the configured rates. */
export const MIN_ANSWERS_TO_FIT = 30;

export interface CalibrateOptions {
  configFile: string;
  /** `--set key.path=value` assignments applied over the config. */
  configSets?: readonly string[];
  /** Recorded answers with labels. */
  answers: string;
  /** The workload the answers belong to. @default the answers file */
  workload?: string;
  /** `MODEL=SOURCE` pairs. */
  answerMap?: Record<string, string>;
  targetAccuracy?: number;
  /** Further scoring variants to sweep beside the built-in ones. */
  weightVariants?: readonly WeightVariant[];
  seed?: number;
  /** Where to write the fitted profiles (YAML for `simulate --profiles`). */
  writeProfiles?: string;
  command?: string;
}

/** A model's rates fitted from recorded labelled answers. */
export interface FittedModel {
  model: string;
  source: string;
  /** Labelled recorded answers the fit is made from, per complexity. */
  answers: Partial<Record<Complexity, number>>;
  profile: SimulationProfile;
}

export interface CalibrateResult {
  summary: Summary;
  quality: RecordedQuality;
  fitted: FittedModel[];
  profilesFile: string | undefined;
}

/**
 * Replays recorded answers through the router (as `simulate --answers`), then fits each answering model's
 * simulation rates per complexity: detectable defects (split by the check that failed), the silent-wrong
 * rate (passed, but wrong) and the share of flagged answers that were right anyway. Local models are fitted
 * from the hybrid run, where they answer first; API models from the all-API run, where they answer every
 * request (in the hybrid run they see only the escalated, harder ones). A complexity with fewer than
 * MIN_ANSWERS_TO_FIT answers keeps the configured rates, and the profile's rates_source says which.
 */
export async function calibrate(options: CalibrateOptions): Promise<CalibrateResult> {
  const { summary } = await simulate({
    configFile: options.configFile,
    ...(options.configSets ? { configSets: options.configSets } : {}),
    workload: { file: options.workload ?? options.answers },
    answers: { file: options.answers, ...(options.answerMap ? { map: options.answerMap } : {}) },
    ...(options.targetAccuracy === undefined ? {} : { targetAccuracy: options.targetAccuracy }),
    ...(options.weightVariants ? { weightVariants: options.weightVariants } : {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    out: false,
    command: options.command ?? 'hybridllm calibrate',
  });
  const quality = summary.recordedQuality;
  if (!quality)
    throw new Error(
      `${options.answers} has no labelled answers for both a local and an API model: nothing to calibrate against`,
    );
  const { loadConfigFile } = await import('../config/load-config.js');
  const config = loadConfigFile(options.configFile, undefined, options.configSets);
  const fitted: FittedModel[] = [];
  for (const model of config.models) {
    const source = quality.mapping[model.name];
    if (!source) continue;
    const outcomes = (isLocalTier(model.tier) ? summary.hybrid : summary.baseline).quality.outcomes[
      model.name
    ];
    if (!outcomes) continue;
    const profile = structuredClone(model.simulation);
    const answers: Partial<Record<Complexity, number>> = {};
    let total = 0;
    for (const complexity of COMPLEXITIES) {
      const counts: OutcomeCounts | undefined = outcomes[complexity];
      if (!counts || counts.answers < MIN_ANSWERS_TO_FIT) continue;
      const rates = ratesOf(counts);
      profile.defects[complexity] = rates.defects;
      profile.silent_wrong[complexity] = rates.silentWrong;
      profile.flagged_correct[complexity] = rates.flaggedCorrect;
      answers[complexity] = counts.answers;
      total += counts.answers;
    }
    if (total === 0) continue;
    const kept = COMPLEXITIES.filter((c) => answers[c] === undefined);
    const where = isShadowFile(options.answers)
      ? `fitted from shadow run ${options.answers} on ${total} of your requests (local answers judged against the recorded ones)`
      : `fitted by calibrate from ${total} labelled answers of ${source} in ${options.answers}`;
    profile.rates_source = `${where} (${Object.keys(answers).join(', ')})${kept.length ? `; ${kept.join(', ')} as configured` : ''}`;
    fitted.push({ model: model.name, source, answers, profile });
  }
  if (options.writeProfiles)
    writeFileSync(
      options.writeProfiles,
      `# Simulation profiles fitted by hybridllm calibrate from recorded answers with labels.\n# Use: hybridllm simulate --profiles ${options.writeProfiles}\n${stringify(
        {
          generated_by: `hybridllm calibrate --answers ${options.answers}`,
          models: Object.fromEntries(fitted.map((f) => [f.model, f.profile])),
        },
      )}`,
    );
  return { summary, quality, fitted, profilesFile: options.writeProfiles };
}

/** Whether an answers file was written by `hybridllm shadow` (its long layout has a judge column). */
function isShadowFile(file: string): boolean {
  try {
    const header = readFileSync(file, 'utf8').slice(0, 4096).split('\n', 1)[0]!.split(',');
    return SHADOW_COLUMNS.every((c) => header.includes(c));
  } catch {
    return false;
  }
}
