import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import type { ModelConfig } from '../config/router-config.js';
import { simulationSchema, type DefectRates, type SimulationProfile } from '../config/schema.js';
import { YamlSource } from '../config/yaml-source.js';
import { COMPLEXITIES } from '../router/types.js';
import type { BenchRow } from './bench-runner.js';
import type { Hardware } from './hardware.js';
import { deciles } from './metrics.js';

const profileFileSchema = z.strictObject({
  generated_by: z.string(),
  hardware: z.record(z.string(), z.unknown()).optional(),
  models: z.record(z.string(), simulationSchema),
});

/** Which defect a failed answer shows, from its check notes (for the profile's defect rates). */
function defectOf(row: BenchRow): keyof DefectRates {
  const notes = (row.checkNotes ?? []).join(' ');
  if (/empty answer/.test(notes)) return 'empty';
  if (/refusal/.test(notes)) return 'refusal';
  if (/truncated|cut off/.test(notes)) return 'truncation';
  if (/repetition loop/.test(notes)) return 'repetition';
  if (/missing field/.test(notes)) return 'missing_fields';
  return 'malformed';
}

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
  const defects = Object.fromEntries(
    COMPLEXITIES.map((c) => {
      const group = ok.filter((r) => r.complexity === c);
      const rates: DefectRates = {};
      if (group.length === 0) return [c, model.simulation.defects[c]];
      for (const row of group.filter((r) => !r.qualityPassed)) {
        const defect = defectOf(row);
        rates[defect] = Math.round(((rates[defect] ?? 0) + 1 / group.length) * 1e6) / 1e6;
      }
      return [c, rates];
    }),
  ) as SimulationProfile['defects'];
  const silentWrong = Object.fromEntries(
    COMPLEXITIES.map((c) => {
      const group = ok.filter((r) => r.complexity === c && r.correct !== undefined);
      if (group.length === 0) return [c, model.simulation.silent_wrong[c]];
      const wrong = group.filter((r) => r.qualityPassed && !r.correct).length;
      return [c, Math.round((wrong / group.length) * 1e6) / 1e6];
    }),
  ) as SimulationProfile['silent_wrong'];
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      `${file}: cannot read the profile file: no such file. Write one with hybridllm bench.`,
    );
  }
  return YamlSource.parse(text, file).validate(profileFileSchema).models;
}
