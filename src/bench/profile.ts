import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { checkInputFile } from '../config/input-file.js';
import type { ModelConfig } from '../config/router-config.js';
import { simulationSchema, type SimulationProfile } from '../config/schema.js';
import { addOutcome, emptyCounts, ratesOf, type OutcomeCounts } from '../sim/fit-rates.js';
import { YamlSource } from '../config/yaml-source.js';
import { COMPLEXITIES, type CheckScores, type Complexity } from '../router/types.js';
import type { BenchRow } from './bench-runner.js';
import type { Hardware } from './hardware.js';
import { deciles } from './metrics.js';

const profileFileSchema = z.strictObject({
  generated_by: z.string(),
  hardware: z.record(z.string(), z.unknown()).optional(),
  models: z.record(z.string(), simulationSchema),
});

/**
 * A calibrated simulation profile from measured rows: the latency distribution (deciles), the share of it
 * before the first token, output-token behaviour, and per complexity the failure rate split by defect, and
 * the silent-wrong rate: answers the quality check passed that the task's own check judged wrong.
 */
export function profileFromRows(rows: readonly BenchRow[], model: ModelConfig): SimulationProfile {
  const ok = rows.filter((r) => r.state === 'ok');
  const e2e = ok.map((r) => r.e2eMs!).filter(Number.isFinite);
  const shares = ok
    .filter((r) => r.e2eMs && r.e2eMs > 0)
    .map((r) => r.ttftMs! / r.e2eMs!)
    .sort((a, b) => a - b);
  const tokens = ok.map((r) => r.outputTokens ?? 0).sort((a, b) => a - b);
  // Labelled outcomes per complexity: the check's verdict beside the task's own verdict.
  const counts = Object.fromEntries(COMPLEXITIES.map((c) => [c, emptyCounts()])) as Record<
    Complexity,
    OutcomeCounts
  >;
  for (const row of ok) {
    const checks: CheckScores = {};
    for (const [name, score] of Object.entries(row.checks ?? {}))
      checks[name as keyof CheckScores] = { score, note: (row.checkNotes ?? []).join('; ') };
    addOutcome(counts[row.complexity], row.qualityPassed ?? false, row.correct ?? true, checks);
  }
  const rates = Object.fromEntries(
    COMPLEXITIES.map((c) => [c, counts[c].answers ? ratesOf(counts[c]) : undefined]),
  ) as Record<Complexity, ReturnType<typeof ratesOf> | undefined>;
  const pick = <T>(c: Complexity, fitted: (r: ReturnType<typeof ratesOf>) => T, fallback: T): T =>
    rates[c] ? fitted(rates[c]) : fallback;
  const defects = Object.fromEntries(
    COMPLEXITIES.map((c) => [c, pick(c, (r) => r.defects, model.simulation.defects[c])]),
  ) as SimulationProfile['defects'];
  const silentWrong = Object.fromEntries(
    COMPLEXITIES.map((c) => [c, pick(c, (r) => r.silentWrong, model.simulation.silent_wrong[c])]),
  ) as SimulationProfile['silent_wrong'];
  const flaggedCorrect = Object.fromEntries(
    COMPLEXITIES.map((c) => [c, pick(c, (r) => r.flaggedCorrect, model.simulation.flagged_correct[c])]),
  ) as SimulationProfile['flagged_correct'];
  return {
    latency_ms: e2e.length >= 2 ? { quantiles: deciles(e2e) } : model.simulation.latency_ms,
    ttft_share: shares.length
      ? Math.round(shares[Math.floor(shares.length / 2)]! * 1000) / 1000
      : model.simulation.ttft_share,
    output_tokens: tokens.length
      ? { min: tokens[Math.floor(tokens.length * 0.1)]!, max: tokens[Math.floor(tokens.length * 0.9)]! }
      : model.simulation.output_tokens,
    defects,
    silent_wrong: silentWrong,
    flagged_correct: flaggedCorrect,
    rates_source: `fitted by bench from ${ok.length} answers and their task checks`,
    critique_detection: model.simulation.critique_detection,
    critique_false_alarm: model.simulation.critique_false_alarm,
    error_rate: rows.length ? Math.round(((rows.length - ok.length) / rows.length) * 1e6) / 1e6 : 0,
  };
}

export function profileYaml(
  profiles: Record<string, SimulationProfile>,
  hardware: Hardware,
  source: string,
): string {
  return `# Calibrated simulation profiles measured by hybridllm bench (${source}).\n# Use: hybridllm simulate --profiles THIS_FILE, or route --backend simulated --profiles THIS_FILE.\n${stringify({ generated_by: source, hardware, models: profiles })}`;
}

/** Reads a profile file written by bench; errors name file:line:column like the config's. */
export function loadProfiles(file: string): Record<string, SimulationProfile> {
  return loadProfileFile(file).models;
}

/** Where a profile file's figures come from: what wrote it, and the hardware it was measured on. */
export interface ProfileOrigin {
  file: string;
  generatedBy: string;
  /** CPU and GPU as bench captured them; null when the file does not say (calibrated from recorded answers). */
  hardware: string | null;
}

/** A profile file with its origin. */
export function loadProfileFile(file: string): {
  models: Record<string, SimulationProfile>;
  origin: ProfileOrigin;
} {
  try {
    checkInputFile(file, 'profile file');
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    throw new ConfigError(`${error.message} Write one with hybridllm bench or hybridllm calibrate.`, file);
  }
  const parsed = YamlSource.parse(readFileSync(file, 'utf8'), file).validate(profileFileSchema);
  const hw = parsed.hardware;
  const text = (key: string): string | undefined =>
    typeof hw?.[key] === 'string' && hw[key] ? (hw[key] as string) : undefined;
  const parts = [text('cpu'), text('gpu') && `GPU ${text('gpu')}`].filter(Boolean);
  return {
    models: parsed.models,
    origin: { file, generatedBy: parsed.generated_by, hardware: parts.length ? parts.join(' · ') : null },
  };
}
