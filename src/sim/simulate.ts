import type { ProfileOrigin } from '../bench/profile.js';
import { readFileSync } from 'node:fs';
import { checkInputFile } from '../config/input-file.js';
import { ConfigError } from '../config/config-error.js';
import type { SimulationProfile } from '../config/schema.js';
import type { RouteResult } from '../router/types.js';
import { JsonlWriter } from './jsonl-writer.js';
import { parseScenario, resolveScenarioPath } from './load-scenario.js';
import { monteCarlo, type MonteCarlo } from './monte-carlo.js';
import type { RecordedWorkloadOptions } from './recorded-workload.js';
import { requestRow } from './request-row.js';
import { RunFolder, runId } from './run-folder.js';
import { runSimulation, type ProgressRun } from './run-simulation.js';
import type { RealLoad } from './run-types.js';
import type { RunSpec } from './run-spec.js';
import { buildSummary, type Summary } from './summary.js';
import type { WeightVariant } from './weight-variant.js';
import { loadRun, renderReport } from '../report/render-report.js';
import { redactUrl } from '../ledger/pg/ledger-url.js';

export interface SimulateOptions {
  configFile: string;
  /** `--set key.path=value` assignments applied over the config. */
  configSets?: readonly string[];
  /** Scenario name (light, medium, heavy, …) or path; or use `workload`. */
  scenario?: string;
  /** Overrides the scenario's number of days. */
  days?: number;
  /** A recorded workload instead of a scenario. */
  workload?: RecordedWorkloadOptions;
  /** @default the scenario's seed, or 42 for recorded workloads */
  seed?: number;
  /** Folder for the run folder; `false` writes nothing. @default 'reports' */
  out?: string | false;
  /** Monte Carlo runs with seeds seed, seed+1, … @default 1 */
  runs?: number;
  /** Measured profiles per model (from `bench`), with the file they came from. */
  profiles?: { file: string; byModel: Record<string, SimulationProfile>; origin?: ProfileOrigin };
  parallel?: boolean;
  /** Send the workload to real backends (real clock) instead of simulating. */
  real?: RealLoad;
  /** The exact command, recorded for reproducibility. */
  command?: string;
  onProgress?: (event: { run: ProgressRun; seed: number; done: number }) => void;
  /** Write report.html into the run folder. @default true */
  report?: boolean;
  /** Recorded answers to replay (`--answers FILE`), with `--answer-map MODEL=SOURCE` pairs. */
  answers?: { file: string; map?: Record<string, string> };
  /** Price the pure-API baseline at this model (a configured API model or a price-table id). */
  baselineModel?: string;
  /** Size local servers for this TTFT p95, ms, over the scenario's `targets.local_p95_ms`. */
  localP95Ms?: number;
  /** With recorded answers: the accuracy the recommended threshold must reach. */
  targetAccuracy?: number;
  /** A recorded workload under a day: show per-day/month/year figures anyway (an extrapolation). */
  annualise?: boolean;
  /** With recorded answers: further scoring variants to sweep. */
  weightVariants?: readonly WeightVariant[];
}

export interface SimulateResult {
  summary: Summary;
  monteCarlo: MonteCarlo | undefined;
  runDir: string | undefined;
}

function readText(file: string, what: string): string {
  checkInputFile(file, what);
  return readFileSync(file, 'utf8');
}

/** Simulates a scenario or recorded workload: hybrid vs pure API, the summary, and the run folder. */
export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  if (!options.scenario === !options.workload)
    throw new ConfigError('give either a scenario or a recorded workload');
  const configText = readText(options.configFile, 'config');
  const scenarioFile = options.scenario ? resolveScenarioPath(options.scenario) : undefined;
  const scenarioText = scenarioFile ? readText(scenarioFile, 'scenario') : undefined;
  const base: Omit<RunSpec, 'seed'> = {
    config: {
      file: options.configFile,
      text: configText,
      ...(options.configSets?.length ? { sets: options.configSets } : {}),
    },
    workload: scenarioFile
      ? {
          kind: 'synthetic',
          scenario: { file: scenarioFile, text: scenarioText! },
          ...(options.days ? { days: options.days } : {}),
        }
      : { kind: 'recorded', ...options.workload! },
    ...(options.profiles ? { profiles: options.profiles.byModel } : {}),
    ...(options.answers ? { answers: options.answers } : {}),
    ...(options.baselineModel ? { baselineModel: options.baselineModel } : {}),
    ...(options.localP95Ms ? { localP95Ms: options.localP95Ms } : {}),
  };
  // Parsed here too, so a bad scenario fails before anything is written.
  const scenario = scenarioFile ? parseScenario(scenarioText!, scenarioFile) : undefined;
  const seed = options.seed ?? scenario?.seed ?? 42;
  const runs = options.runs ?? 1;
  const command = options.command ?? 'hybridllm simulate';

  let folder: RunFolder | undefined;
  let writer: JsonlWriter | undefined;
  try {
    const summaries: Summary[] = [];
    for (let i = 0; i < runs; i++) {
      const runSeed = seed + i;
      const first = i === 0;
      let onHybridResult: ((result: RouteResult) => void) | undefined;
      let onHybridRestart: (() => void) | undefined;
      if (first && options.out !== false) {
        folder = new RunFolder(options.out ?? 'reports', runId(scenario?.name ?? 'recorded', seed));
        const jsonl = new JsonlWriter(folder.path('requests.jsonl'));
        writer = jsonl;
        onHybridResult = (result) => jsonl.write(requestRow(result));
        // requests.jsonl holds the run the verdict is on: a re-run (uncapped, sized) replaces the rows.
        onHybridRestart = () => jsonl.restart();
      }
      const output = await runSimulation(
        { ...base, seed: runSeed },
        {
          ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
          ...(options.real ? { real: options.real } : {}),
          ...(options.targetAccuracy === undefined ? {} : { targetAccuracy: options.targetAccuracy }),
          ...(options.weightVariants ? { weightVariants: options.weightVariants } : {}),
          ...(onHybridResult ? { onHybridResult } : {}),
          ...(onHybridRestart ? { onHybridRestart } : {}),
          onProgress: (run, done) => options.onProgress?.({ run, seed: runSeed, done }),
        },
      );
      summaries.push(
        buildSummary(output, {
          command,
          seed: runSeed,
          ...(options.workload ? { workloadFile: redactUrl(options.workload.file) } : {}),
          ...(options.profiles ? { profiles: options.profiles.file } : {}),
          ...(options.profiles?.origin ? { profileOrigin: options.profiles.origin } : {}),
          backend: options.real ? 'real' : 'simulated',
          ...(options.annualise ? { annualise: true } : {}),
        }),
      );
      if (first) writer?.close();
    }
    const summary = summaries[0]!;
    const mc = runs > 1 ? monteCarlo(summaries) : undefined;
    let runDir: string | undefined;
    if (folder) {
      folder.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
      if (mc) folder.write('monte-carlo.json', `${JSON.stringify(mc, null, 2)}\n`);
      folder.write('config.yaml', configText);
      if (scenarioText) folder.write('scenario.yaml', scenarioText);
      if (options.report !== false)
        folder.write('report.html', await renderReport([loadRun(folder.partial, folder.runId)]));
      runDir = folder.commit();
    }
    return { summary, monteCarlo: mc, runDir };
  } catch (error) {
    try {
      writer?.close();
    } catch {
      // already closed
    }
    folder?.discard();
    throw error;
  }
}
