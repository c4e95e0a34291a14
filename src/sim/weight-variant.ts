import { ConfigError } from '../config/config-error.js';
import type { QualityWeights } from '../config/router-config.js';
import { WEIGHT_PRESETS, type WeightPreset } from '../config/schema.js';

/** A named way of scoring answers for the threshold sweep. */
export interface WeightVariant {
  name: string;
  weights: QualityWeights;
}

const KEYS = {
  format: 'format',
  completeness: 'completeness',
  coherence: 'coherence',
  self_critique: 'selfCritique',
  task: 'task',
} as const;

/**
 * Parses `calibrate --weights`: a preset name (`design`, `task-weighted`), or
 * `format=.2,completeness=.1,coherence=.2,self_critique=.1,task=.4[,veto=task+self_critique|none]`, where
 * weights not given are the design's and the veto defaults to none.
 */
export function parseWeightVariant(text: string): WeightVariant {
  const preset = WEIGHT_PRESETS[text as WeightPreset] as (typeof WEIGHT_PRESETS)[WeightPreset] | undefined;
  const toWeights = (raw: (typeof WEIGHT_PRESETS)[WeightPreset]): QualityWeights => ({
    format: raw.format,
    completeness: raw.completeness,
    coherence: raw.coherence,
    selfCritique: raw.self_critique,
    task: raw.task,
  });
  if (preset) return { name: text, weights: toWeights(preset) };
  const weights: QualityWeights = { ...toWeights(WEIGHT_PRESETS.design), veto: {} };
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key === 'veto') {
      const names = value === 'none' || !value ? [] : value.split('+');
      for (const name of names)
        if (name !== 'task' && name !== 'self_critique')
          throw new ConfigError(
            `--weights ${text}: veto takes task, self_critique, both (task+self_critique) or none.`,
          );
      weights.veto = { task: names.includes('task'), selfCritique: names.includes('self_critique') };
      continue;
    }
    const field = KEYS[key as keyof typeof KEYS] as (typeof KEYS)[keyof typeof KEYS] | undefined;
    const number = Number(value);
    if (!field || value === undefined || !Number.isFinite(number) || number < 0)
      throw new ConfigError(
        `--weights ${text}: expected a preset (${Object.keys(WEIGHT_PRESETS).join(', ')}) or KEY=WEIGHT pairs with KEY one of ${Object.keys(KEYS).join(', ')}, veto (e.g. task=0.5,format=0.2,veto=none); '${part}' is neither.`,
      );
    weights[field] = number;
  }
  return { name: text, weights };
}
