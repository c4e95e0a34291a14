import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import { toolVersion } from '../version.js';
import { loadModel } from '../llamacpp/engine.js';
import { renderBenchReport } from './bench-report.js';
import { runBench, type BenchRunOptions } from './bench-runner.js';
import { summariseModel, summaryCsvRows, type BenchSummary } from './bench-summary.js';
import { captureHardware } from './hardware.js';
import { METRIC_DEFINITIONS } from './metrics.js';
import { profileFromRows, profileYaml } from './profile.js';
import type { BenchTask } from './tasks.js';

export interface BenchOptions extends Omit<BenchRunOptions, 'models' | 'tasks'> {
  config: RouterConfig;
  models: readonly ModelConfig[];
  tasks: readonly BenchTask[];
  tasksFile: string;
  /** Marks results of a generated test model (timing only). */
  synthetic?: boolean;
}

export interface BenchResult {
  summary: BenchSummary;
  outDir: string;
  profiles: Record<string, SimulationProfile>;
}

/**
 * Runs the bench and writes its results folder: results.jsonl (one row per request, written as measured),
 * summary.json, summary.csv, report.html and profiles.yaml (calibrated simulation profiles).
 */
export async function bench(options: BenchOptions): Promise<BenchResult> {
  const hardware = await captureHardware(options.models, options.env);
  const { runs, interrupted } = await runBench(options);
  const models = runs.map((run) =>
    summariseModel(
      run,
      options.models.find((m) => m.name === run.model)!,
    ),
  );
  const load = options.rate
    ? `${options.poisson ? 'Poisson' : 'constant'} rate ${options.rate}/s`
    : `concurrency ${options.concurrency ?? 1}`;
  const summary: BenchSummary = {
    tool: `hybridllm ${toolVersion()}`,
    definitions: METRIC_DEFINITIONS,
    hardware,
    settings: {
      tasks: options.tasksFile,
      taskCount: options.tasks.length,
      runs: options.runs ?? 1,
      warmup: options.warmup ?? 1,
      load,
      maxTokens: options.maxTokens ?? 256,
      timeoutMs: options.timeoutMs ?? 120_000,
    },
    interrupted,
    models,
  };
  // A model none of whose requests completed measured nothing: no profile rather than its config defaults
  // under a "measured" header.
  const profiles: Record<string, SimulationProfile> = {};
  for (const run of runs)
    if (run.rows.some((r) => r.state === 'ok'))
      profiles[run.model] = profileFromRows(
        run.rows,
        options.models.find((m) => m.name === run.model)!,
      );
  writeFileSync(join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'summary.csv'), stringify(summaryCsvRows(summary)));
  if (Object.keys(profiles).length)
    writeFileSync(
      join(options.outDir, 'profiles.yaml'),
      profileYaml(
        profiles,
        hardware,
        `${summary.tool}, ${load}, ${options.tasks.length} tasks × ${options.runs ?? 1} run(s)`,
      ),
    );
  // A generated test model answers gibberish: the report says its quality figures mean nothing.
  let synthetic = options.synthetic ?? false;
  for (const model of options.models.filter((m) => m.provider === 'llamacpp'))
    if ((await loadModel(model).catch(() => undefined))?.isTestModel) synthetic = true;
  writeFileSync(join(options.outDir, 'report.html'), await renderBenchReport(summary, { synthetic }));
  return { summary, outDir: options.outDir, profiles };
}
