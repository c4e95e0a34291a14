import type { ModelConfig } from '../config/router-config.js';

/**
 * Providers' announced end-of-life dates, as Anthropic's deprecation notice lists them (bundled with
 * @anthropic-ai/sdk 1.13, read 2026-11-25). The price table (@pydantic/genai-prices) marks deprecated models
 * but carries no dates. Overridden by nothing at run time: update this list with the SDK.
 */
export const END_OF_LIFE: Readonly<Record<string, string>> = {
  'claude-mythos-preview': '2026-06-30',
  'claude-opus-4-5': '2027-01-22',
  'claude-opus-4-5-20251101': '2027-01-22',
  'claude-sonnet-4-5': '2026-11-30',
  'claude-sonnet-4-5-20250929': '2026-11-30',
};
export const END_OF_LIFE_SOURCE =
  "Anthropic's model deprecations, as bundled with @anthropic-ai/sdk 1.13 (read 2026-11-25)";

/** Days before an end-of-life date from which a model counts as near it. */
export const NEAR_END_OF_LIFE_DAYS = 90;

export interface LifecycleWarning {
  model: string;
  endOfLife: string;
  /** `retired`: the date has passed; `near`: within NEAR_END_OF_LIFE_DAYS. */
  status: 'retired' | 'near';
  message: string;
}

/** Enabled models past or near their provider's end-of-life date, as of `today` (YYYY-MM-DD). */
export function lifecycleWarnings(models: readonly ModelConfig[], today: string): LifecycleWarning[] {
  const warnings: LifecycleWarning[] = [];
  const now = Date.parse(`${today}T00:00:00Z`);
  for (const model of models) {
    if (!model.enabled) continue;
    const date = END_OF_LIFE[model.model] ?? END_OF_LIFE[model.name];
    if (!date) continue;
    const days = Math.round((Date.parse(`${date}T00:00:00Z`) - now) / 86_400_000);
    if (days > NEAR_END_OF_LIFE_DAYS) continue;
    const status = days < 0 ? 'retired' : 'near';
    warnings.push({
      model: model.name,
      endOfLife: date,
      status,
      message:
        status === 'retired'
          ? `${model.name} reached its end of life on ${date}: calls to it fail. Move to its successor.`
          : `${model.name} reaches its end of life on ${date} (in ${days} day${days === 1 ? '' : 's'}): plan the move to its successor.`,
    });
  }
  return warnings;
}
