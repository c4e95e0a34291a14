import { parseConfig } from '../config/load-config.js';
import { resolveBaselineModel } from '../config/baseline-model.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import { answerMapping, loadAnswerTable, type AnswerTable } from './recorded-answers.js';
import { parseScenario, type Scenario } from './load-scenario.js';
import {
  emptyReadStats,
  NO_TIMESTAMP_START_MS,
  recordedWorkload,
  sortedRecordedWorkload,
  type RecordedWorkloadOptions,
  type WorkloadReadStats,
} from './recorded-workload.js';
import type { Workload } from './concurrent-replay.js';
import { ReplayBuffer } from './replay-buffer.js';
import { scenarioStartMs, syntheticWorkload } from './synthetic-workload.js';

/** Everything a simulation run is made from, as plain data: it can be sent to a worker thread. */
export interface RunSpec {
  /** The config file's text, and any `--set key.path=value` assignments to apply over it. */
  config: { file: string; text: string; sets?: readonly string[] };
  workload:
    | {
        kind: 'synthetic';
        scenario: { file: string; text: string };
        /** Overrides the scenario's days. */ days?: number;
      }
    | ({ kind: 'recorded' } & RecordedWorkloadOptions);
  seed: number;
  /** Measured profiles per model name (from `bench`), replacing the config's. */
  profiles?: Record<string, SimulationProfile>;
  /** Recorded answers to replay (`--answers`), with `--answer-map MODEL=SOURCE` pairs. */
  answers?: { file: string; map?: Record<string, string> };
  /** `--baseline-model NAME`: the pure-API counterfactual sends everything to this model. */
  baselineModel?: string;
  /** `--local-p95-ms`: the TTFT p95 the local servers are sized for, over the scenario's target. */
  localP95Ms?: number;
}

/** A run spec turned into live objects. */
export interface MaterialisedRun {
  config: RouterConfig;
  scenario: Scenario | undefined;
  workload: () => Workload;
  readStats: WorkloadReadStats;
  startMs: number;
  faults: Map<string, number>;
  profiles: Map<string, SimulationProfile> | undefined;
  seed: number;
  /** Recorded answers, once loaded (`loadRunAnswers`). */
  answers?: LoadedAnswers;
  /** With `--baseline-model`: the model the pure-API baseline sends everything to. */
  baselineModel?: { model: ModelConfig; profileFrom: string | null };
  /** The TTFT p95 the local servers are sized for (`--local-p95-ms`, else the scenario's target). */
  localP95Ms?: number;
  /** Passes over the workload so far (each run, re-run and sizing trial; from the file or memory): bench:sim. */
  workloadReads: { count: number };
}

/** Recorded answers ready for the recorded-answers backend. */
export interface LoadedAnswers {
  table: AnswerTable;
  /** Configured model → recorded source. */
  mapping: Map<string, string>;
  /** The source standing for the local tier (weak) and for the API tier (strong). */
  weakSource: string | undefined;
  strongSource: string | undefined;
}

/**
 * Loads the run's recorded answers and pairs them with models. Self-critique stays on (as configured) only
 * when the file records critiques: a simulated critic would only add assumed noise to real answers.
 */
export async function loadRunAnswers(run: MaterialisedRun, spec: RunSpec): Promise<void> {
  if (!spec.answers) return;
  const table = await loadAnswerTable(spec.answers.file);
  const mapping = answerMapping(table, run.config, spec.answers.map);
  const enabled = run.config.models.filter((m) => m.enabled);
  const local =
    enabled.find((m) => m.tier === 'LOCAL_QUALITY' && mapping.has(m.name)) ??
    enabled.find((m) => m.tier === 'LOCAL_FAST' && mapping.has(m.name));
  const api = enabled.find((m) => m.tier === 'API_FALLBACK' && mapping.has(m.name));
  if (!table.critiques) run.config = { ...run.config, selfCritique: false };
  run.answers = {
    table,
    mapping,
    weakSource: local ? mapping.get(local.name) : undefined,
    strongSource: api ? mapping.get(api.name) : undefined,
  };
}

export function materialise(spec: RunSpec): MaterialisedRun {
  const loaded = materialiseWorkload(spec);
  const localP95Ms = spec.localP95Ms ?? loaded.scenario?.targets.local_p95_ms;
  const run = localP95Ms === undefined ? loaded : { ...loaded, localP95Ms };
  return spec.baselineModel
    ? { ...run, baselineModel: resolveBaselineModel(run.config, spec.baselineModel) }
    : run;
}

function materialiseWorkload(spec: RunSpec): MaterialisedRun {
  const readStats = emptyReadStats();
  const workloadReads = { count: 0 };
  const profiles = spec.profiles ? new Map(Object.entries(spec.profiles)) : undefined;
  if (spec.workload.kind === 'synthetic') {
    const parsed = parseScenario(spec.workload.scenario.text, spec.workload.scenario.file);
    const scenario = spec.workload.days === undefined ? parsed : { ...parsed, days: spec.workload.days };
    const config = parseConfig(
      spec.config.text,
      spec.config.file,
      scenario.config_overrides,
      spec.config.sets,
    );
    const names = new Set(config.models.map((m) => m.name));
    for (const model of Object.keys(scenario.faults))
      if (!names.has(model))
        throw scenario.source.errorAt(
          ['faults', model],
          `no model named '${model}' in ${config.source}; known: ${[...names].join(', ')}`,
          true,
        );
    return {
      config,
      scenario,
      workload: () => {
        workloadReads.count++;
        return syntheticWorkload(scenario, spec.seed);
      },
      workloadReads,
      readStats,
      startMs: scenarioStartMs(scenario),
      faults: new Map(Object.entries(scenario.faults)),
      profiles,
      seed: spec.seed,
    };
  }
  const { kind: _kind, ...options } = spec.workload;
  // The first whole read is kept in memory; every later pass routes from it.
  const buffer = new ReplayBuffer();
  return {
    config: parseConfig(spec.config.text, spec.config.file, undefined, spec.config.sets),
    scenario: undefined,
    workload: () => {
      workloadReads.count++;
      if (buffer.complete) return buffer.replay();
      // A read of the file (the first, or every one for a workload too large to keep): the counts are of one read.
      Object.assign(readStats, emptyReadStats());
      return buffer.record(
        options.sort ? sortedRecordedWorkload(options, readStats) : recordedWorkload(options, readStats),
      );
    },
    readStats,
    workloadReads,
    // Per-day figures count from the first row's day; rows without timestamps start here.
    startMs: NO_TIMESTAMP_START_MS,
    faults: new Map(),
    profiles,
    seed: spec.seed,
  };
}
