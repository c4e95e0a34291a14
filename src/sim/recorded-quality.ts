import type { RouterConfig } from '../config/router-config.js';
import { WEIGHT_PRESETS } from '../config/schema.js';
import {
  apgr,
  bootstrapAgainstRandom,
  cpt,
  oracleRouter,
  randomRouterAccuracy,
  type BootstrapComparison,
  type CurvePoint,
  type RoutedRow,
} from './cost-quality-curve.js';
import type { DetectorStats } from './detector-metrics.js';
import type { MaterialisedRun } from './run-spec.js';
import type { WeightVariant } from './weight-variant.js';
import type { RunOutcome } from './run-types.js';
import { runOnce } from './run-once.js';

/**
 * Thresholds the sweep re-runs the router at. The curve's far end is the all-API run (prefer_local off),
 * the router's own way of sending everything to the strong model.
 */
export const SWEEP_THRESHOLDS = [
  0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1,
] as const;

export interface SweepPoint extends CurvePoint {
  /** The quality threshold; null for the all-API end of the curve. */
  threshold: number | null;
  /** API cost of the run at this threshold, USD. */
  costUsd: number;
  /** Expected accuracy of a random router at the same strong share. */
  randomAccuracy: number;
}

/** One way of scoring answers, swept over thresholds. */
export interface SweepVariant {
  name: string;
  description: string;
  points: SweepPoint[];
  apgr: number | undefined;
  /** Strong-model share needed for 50% / 80% of the weak→strong gap. */
  cpt50: number | undefined;
  cpt80: number | undefined;
}

/** Quality measured against recorded labels, with the comparison routers and the cost–quality curve. */
export interface RecordedQuality {
  file: string;
  layout: 'wide' | 'long';
  /** Configured model → recorded source. */
  mapping: Record<string, string>;
  weakSource: string;
  strongSource: string;
  /** Labelled requests the figures cover. */
  requests: number;
  /** Requests left out because an answer came from a profile (the file had none for that model or row). */
  profileRequests: number;
  /** The file's own accuracy for each source (all-local = weak, all-API = strong). */
  allLocal: number;
  allApi: number;
  /** The router as configured, against a random router at its strong share, with bootstrap intervals. */
  hybrid: BootstrapComparison & { threshold: number; costUsd: number };
  oracle: CurvePoint;
  /** The quality check as a detector of wrong local answers (configured router). */
  detector: DetectorStats;
  sweep: SweepVariant[];
  /** The threshold recommended, how it was chosen, and its comparison with a random router. */
  recommended: BootstrapComparison & {
    variant: string;
    threshold: number | null;
    costUsd: number;
    rule: string;
  };
}

/** The scoring variants the sweep compares: as configured, structural checks only, and task-weighted. */
function variants(config: RouterConfig): { name: string; description: string; config: RouterConfig }[] {
  const design = WEIGHT_PRESETS.design;
  const weighted = WEIGHT_PRESETS['task-weighted'];
  return [
    {
      name: 'configured',
      description: `as configured (weights ${config.weightsPreset}, veto ${vetoText(config)})`,
      config,
    },
    {
      name: 'structural-only',
      description:
        'the design weights with the structural checks only (format, completeness, coherence): no task-aware check, no veto',
      config: {
        ...config,
        weightsPreset: 'design',
        weights: {
          format: design.format,
          completeness: design.completeness,
          coherence: design.coherence,
          selfCritique: design.self_critique,
          task: 0,
        },
        taskChecks: { ...config.taskChecks, mathAnswer: false, codeTests: false },
      },
    },
    {
      name: 'task-weighted',
      description: 'task-aware check weighted .4, no veto',
      config: {
        ...config,
        weightsPreset: 'task-weighted',
        weights: {
          format: weighted.format,
          completeness: weighted.completeness,
          coherence: weighted.coherence,
          selfCritique: weighted.self_critique,
          task: weighted.task,
        },
      },
    },
  ];
}

function vetoText(config: RouterConfig): string {
  const veto = config.weights.veto;
  const names = [veto?.task ? 'task' : '', veto?.selfCritique ? 'self_critique' : ''].filter(Boolean);
  return names.length ? names.join(', ') : 'none';
}

/**
 * Accuracy of the replayed router against the file's labels, beside all-local, all-API, a random router at
 * the same API share and the oracle; then the threshold sweep for each scoring variant (each point a real
 * re-run of the router), with RouteLLM's APGR and CPT, and the recommended threshold.
 */
export async function evaluateRecordedQuality(
  run: MaterialisedRun,
  hybrid: RunOutcome,
  baseline: RunOutcome,
  options: {
    targetAccuracy?: number;
    thresholds?: readonly number[];
    /** Further scoring variants to sweep (`calibrate --weights`). */
    variants?: readonly WeightVariant[];
  } = {},
): Promise<RecordedQuality | undefined> {
  const answers = run.answers;
  const rows = hybrid.rows;
  if (!answers?.weakSource || !answers.strongSource || !rows?.length) return undefined;
  const { weak, strong } = fileAccuracy(answers.table, answers.weakSource, answers.strongSource);
  const thresholds = options.thresholds ?? SWEEP_THRESHOLDS;
  const allApiRows = baseline.rows ?? [];
  const allApi: SweepPoint = {
    threshold: null,
    ...pointOf(allApiRows),
    costUsd: baseline.stats.costUsd,
    randomAccuracy: strong,
  };

  const sweep: SweepVariant[] = [];
  const rowsAt = new Map<string, RoutedRow[]>();
  const extra = (options.variants ?? []).map((v) => ({
    name: v.name,
    description: 'named with --weights',
    config: { ...run.config, weightsPreset: v.name, weights: v.weights },
  }));
  for (const variant of [...variants(run.config), ...extra]) {
    const points: SweepPoint[] = [];
    for (const threshold of thresholds) {
      const outcome = await runOnce(
        { ...run, config: { ...variant.config, qualityThreshold: threshold } },
        'hybrid',
        {},
      );
      const swept = outcome.rows ?? [];
      rowsAt.set(`${variant.name}@${threshold}`, swept);
      const point = pointOf(swept);
      points.push({
        threshold,
        ...point,
        costUsd: outcome.stats.costUsd,
        randomAccuracy: randomRouterAccuracy(swept, point.strongShare),
      });
    }
    points.push(allApi);
    sweep.push({
      name: variant.name,
      description: variant.description,
      points,
      apgr: apgr(points, weak, strong),
      cpt50: cpt(points, weak, strong, 0.5),
      cpt80: cpt(points, weak, strong, 0.8),
    });
  }

  const configured = sweep[0]!;
  const target = options.targetAccuracy;
  let chosen: SweepPoint | undefined;
  let rule: string;
  if (target !== undefined) {
    chosen = [...configured.points]
      .filter((p) => p.accuracy >= target)
      .sort((a, b) => a.costUsd - b.costUsd || (b.threshold ?? 2) - (a.threshold ?? 2))[0];
    rule = chosen
      ? `the cheapest threshold whose accuracy reaches the target ${formatShare(target)}`
      : `no threshold reaches the target ${formatShare(target)}; the one with the highest accuracy instead`;
    chosen ??= [...configured.points].sort((a, b) => b.accuracy - a.accuracy || a.costUsd - b.costUsd)[0];
  } else {
    chosen = [...configured.points].sort(
      (a, b) => b.accuracy - b.randomAccuracy - (a.accuracy - a.randomAccuracy) || a.costUsd - b.costUsd,
    )[0];
    rule = 'the threshold with the largest accuracy gain over a random router at the same API share';
  }
  const recommendedRows =
    chosen!.threshold === null ? allApiRows : (rowsAt.get(`configured@${chosen!.threshold}`) ?? rows);

  return {
    file: answers.table.file,
    layout: answers.table.layout,
    mapping: Object.fromEntries(answers.mapping),
    weakSource: answers.weakSource,
    strongSource: answers.strongSource,
    requests: rows.length,
    profileRequests: hybrid.profileRows ?? 0,
    allLocal: weak,
    allApi: strong,
    hybrid: {
      ...bootstrapAgainstRandom(rows, 2000, run.seed),
      threshold: run.config.qualityThreshold,
      costUsd: hybrid.stats.costUsd,
    },
    oracle: oracleRouter(rows),
    detector: hybrid.stats.quality.localDetector,
    sweep,
    recommended: {
      ...bootstrapAgainstRandom(recommendedRows, 2000, run.seed),
      variant: 'configured',
      threshold: chosen!.threshold,
      costUsd: chosen!.costUsd,
      rule,
    },
  };
}

/** Each source's accuracy over the file's rows that label both (the file's own shares). */
function fileAccuracy(
  table: NonNullable<MaterialisedRun['answers']>['table'],
  weakSource: string,
  strongSource: string,
): { weak: number; strong: number } {
  let rows = 0;
  let weak = 0;
  let strong = 0;
  for (const answers of table.rows.values()) {
    const w = answers.get(weakSource)?.correct;
    const s = answers.get(strongSource)?.correct;
    if (w === undefined || s === undefined) continue;
    rows++;
    if (w) weak++;
    if (s) strong++;
  }
  return { weak: rows ? weak / rows : 0, strong: rows ? strong / rows : 0 };
}

function pointOf(rows: readonly RoutedRow[]): CurvePoint {
  if (rows.length === 0) return { strongShare: 0, accuracy: 0 };
  return {
    strongShare: rows.filter((r) => r.usedStrong).length / rows.length,
    accuracy: rows.filter((r) => r.correct).length / rows.length,
  };
}

function formatShare(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
