import type { RouterConfig } from '../config/router-config.js';
import { energyKwh } from '../cost/cost-model.js';
import type { RunStats } from './run-aggregator.js';

/** One assumption varied alone: the hybrid's all-in saving against an alternative at its low, base and high. */
export interface SensitivityRow {
  assumption: string;
  /** The range tried, in words. */
  range: string;
  /** Hybrid all-in saving against the alternative over the run, USD (negative: hybrid costs more). */
  low: number;
  base: number;
  high: number;
  /** Whether the verdict (hybrid cheaper or dearer) changes somewhere in the range. */
  flipsVerdict: boolean;
  /** The assumption's value at the low and high ends and at base: a multiplier, or a shift in points. */
  lowValue: number;
  baseValue: number;
  highValue: number;
  /**
   * Where the saving crosses zero (the verdict flips), in the same unit, extrapolating the line beyond the
   * range; null when the saving does not move with it or the value would be impossible (a negative multiplier).
   * Absent for "sequences at once", whose effect is a re-sizing, not a line.
   */
  flipsAt?: number | null;
}

export interface Sensitivity {
  alternative: string;
  /** Largest swing first: the tornado's order. */
  rows: SensitivityRow[];
  method: string;
}

/** An API run's bill split by what each part scales with. */
interface ApiParts {
  total: number;
  /** What cached reads saved against paying full input price for them. */
  cacheSaving: number;
}

function apiParts(stats: RunStats, config: RouterConfig): ApiParts {
  let cacheSaving = 0;
  for (const [name, model] of Object.entries(stats.byModel)) {
    if (model.tier !== 'API_FALLBACK') continue;
    const price = config.models.find((m) => m.name === name)?.price;
    if (!price) continue;
    cacheSaving += ((model.cachedInputTokens ?? 0) * (price.inputPerMtok - price.cachedInputPerMtok)) / 1e6;
  }
  return { total: stats.costUsd, cacheSaving };
}

/** How many times the cached API input tokens fit into all API input tokens. */
function cacheHeadroom(stats: RunStats): number {
  let input = 0;
  let cached = 0;
  for (const model of Object.values(stats.byModel)) {
    if (model.tier !== 'API_FALLBACK') continue;
    input += model.inputTokens;
    cached += model.cachedInputTokens ?? 0;
  }
  return cached > 0 ? input / cached : Infinity;
}

const RANGES = {
  hardware: [0.5, 1.5],
  apiPrices: [0.7, 1.3],
  volume: [0.5, 2],
  cacheHits: [0.5, 1.5],
  localPass: [-0.05, 0.05],
  ops: [0, 2],
  energyPrice: [0.5, 2],
} as const;

/**
 * Where a piecewise-linear saving (low → base → high) crosses zero, extending the nearer segment beyond the
 * range; null when flat or when it would need a negative multiplier. The local pass-rate shift is in points
 * of requests and may be negative; it cannot pass ±1.
 */
function crossing(
  key: string,
  /** The largest possible value (cache hits cannot exceed every API input token). */
  max: number,
  low: [number, number],
  base: [number, number],
  high: [number, number],
): number | null {
  const at = ([x0, y0]: [number, number], [x1, y1]: [number, number]): number | null =>
    y1 === y0 ? null : x0 - (y0 * (x1 - x0)) / (y1 - y0);
  // Each segment's line holds on its own side of base: the high one above it, the low one below.
  const up = at(base, high);
  const down = at(low, base);
  const ok = (x: number): boolean =>
    Number.isFinite(x) && (key === 'localPassShift' ? Math.abs(x) <= 1 : x >= 0 && x <= max);
  const candidates = [
    up !== null && up >= base[0] ? up : null,
    down !== null && down <= base[0] ? down : null,
  ]
    .filter((x): x is number => x !== null && ok(x))
    .sort((a, b) => Math.abs(a - base[0]) - Math.abs(b - base[0]));
  return candidates[0] ?? null;
}

/**
 * One assumption at a time, each over a stated range, recomputed from the run's own token counts and costs
 * (linear in each: no re-run). Volume scales every per-request cost and leaves the fixed ones; the local
 * pass rate moves requests between local answers and the API at the hybrid's mean cost per API call.
 */
export function sensitivity(
  hybrid: RunStats,
  alternative: { name: string; stats: RunStats },
  config: RouterConfig,
  days: number,
  daysPerMonth: number,
  /**
   * Hardware and idle energy, as multiples of the run's, with the machines that keep up when every local
   * model runs 4 sequences at once (a re-sizing of the fleet): the "sequences at once" row.
   */
  fleetAtFour?: { hardware: number; idle: number },
): Sensitivity {
  const months = days / daysPerMonth;
  const local = config.localCosts;
  const hardwareUsd =
    local.items.filter((i) => i.kind === 'hardware').reduce((s, i) => s + i.usdPerMonth, 0) * months;
  const opsUsd = local.items.filter((i) => i.kind === 'ops').reduce((s, i) => s + i.usdPerMonth, 0) * months;
  const otherFixedUsd = local.fixedUsdPerMonth * months - hardwareUsd - opsUsd;
  const busyKwh = energyKwh(hybrid, config);
  const idleKwh = local.idleKwhPerDay * days;
  const h = apiParts(hybrid, config);
  const a = apiParts(alternative.stats, config);
  // Cache reads can grow until every API input token is read from a cache, in either run.
  const maxCache = Math.min(cacheHeadroom(hybrid), cacheHeadroom(alternative.stats));
  const api = hybrid.byTier.API_FALLBACK;
  const perApiCall = api.calls ? api.costUsd / api.calls : 0;
  // Requests answered locally could instead escalate; API calls after a local start could instead stay local.
  const escalated = Math.max(0, api.calls - api.started);

  interface World {
    hardware: number;
    ops: number;
    apiPrice: number;
    volume: number;
    cache: number;
    localPassShift: number;
    energyPrice: number;
    /** 0 for the fleet as run, 1 for the fleet sized for 4 sequences at once. */
    sequences: number;
  }
  const base: World = {
    hardware: 1,
    ops: 1,
    apiPrice: 1,
    volume: 1,
    cache: 1,
    localPassShift: 0,
    energyPrice: 1,
    sequences: 0,
  };
  const four = fleetAtFour ?? { hardware: 1, idle: 1 };
  const fleet = (w: World): { hardware: number; idle: number } => ({
    hardware: 1 + (four.hardware - 1) * w.sequences,
    idle: 1 + (four.idle - 1) * w.sequences,
  });
  const saving = (w: World): number => {
    const cacheDelta = (parts: ApiParts): number => (1 - w.cache) * parts.cacheSaving;
    const moved =
      w.localPassShift < 0
        ? -w.localPassShift * hybrid.requests * perApiCall
        : -Math.min(w.localPassShift * hybrid.requests, escalated) * perApiCall;
    const hybridApi = (h.total + cacheDelta(h) + moved) * w.apiPrice * w.volume;
    const altApi = (a.total + cacheDelta(a)) * w.apiPrice * w.volume;
    const machines = fleet(w);
    const energy = (busyKwh * w.volume + idleKwh * machines.idle) * local.usdPerKwh * w.energyPrice;
    const fixed = hardwareUsd * w.hardware * machines.hardware + opsUsd * w.ops + otherFixedUsd;
    return altApi - (hybridApi + energy + fixed);
  };
  const baseSaving = saving(base);
  const row = (
    assumption: string,
    range: string,
    low: Partial<World>,
    high: Partial<World>,
  ): SensitivityRow => {
    const lo = saving({ ...base, ...low });
    const hi = saving({ ...base, ...high });
    const sign = Math.sign(baseSaving);
    const key = Object.keys(low)[0] as keyof World;
    const [lowValue, baseValue, highValue] = [low[key]!, base[key], high[key]!];
    return {
      assumption,
      range,
      low: lo,
      base: baseSaving,
      high: hi,
      flipsVerdict: Math.sign(lo) !== sign || Math.sign(hi) !== sign,
      lowValue,
      baseValue,
      highValue,
      flipsAt: crossing(
        key,
        key === 'cache' ? maxCache : Infinity,
        [lowValue, lo],
        [baseValue, baseSaving],
        [highValue, hi],
      ),
    };
  };
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const rows = [
    row(
      'hardware cost',
      `×${RANGES.hardware[0]} – ×${RANGES.hardware[1]}`,
      { hardware: RANGES.hardware[0] },
      { hardware: RANGES.hardware[1] },
    ),
    row(
      'API prices',
      `×${RANGES.apiPrices[0]} – ×${RANGES.apiPrices[1]}`,
      { apiPrice: RANGES.apiPrices[0] },
      { apiPrice: RANGES.apiPrices[1] },
    ),
    row(
      'volume',
      `×${RANGES.volume[0]} – ×${RANGES.volume[1]}`,
      { volume: RANGES.volume[0] },
      { volume: RANGES.volume[1] },
    ),
    row(
      'prompt-cache hits',
      `×${RANGES.cacheHits[0]} – ×${RANGES.cacheHits[1]} of the tokens read from caches`,
      { cache: RANGES.cacheHits[0] },
      { cache: RANGES.cacheHits[1] },
    ),
    row(
      'local pass rate',
      `${pct(RANGES.localPass[0])} – +${pct(RANGES.localPass[1])} of requests`,
      { localPassShift: RANGES.localPass[0] },
      { localPassShift: RANGES.localPass[1] },
    ),
    row('ops time', `×${RANGES.ops[0]} – ×${RANGES.ops[1]}`, { ops: RANGES.ops[0] }, { ops: RANGES.ops[1] }),
    row(
      'energy price',
      `×${RANGES.energyPrice[0]} – ×${RANGES.energyPrice[1]}`,
      { energyPrice: RANGES.energyPrice[0] },
      { energyPrice: RANGES.energyPrice[1] },
    ),
  ];
  if (fleetAtFour) {
    const { flipsAt: _line, ...sequences } = row(
      'sequences at once',
      '×1 – ×4 per server (fleet re-sized)',
      { sequences: 0 },
      { sequences: 1 },
    );
    rows.push({ ...sequences, lowValue: 1, baseValue: 1, highValue: 4 });
  }
  // The tornado: largest swing first.
  rows.sort((x, y) => Math.abs(y.high - y.low) - Math.abs(x.high - x.low));
  return {
    alternative: alternative.name,
    rows,
    method:
      "one assumption at a time over the stated range, recomputed from this run's token counts and costs (linear in each, no re-run)",
  };
}
