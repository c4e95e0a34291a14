import { compareCosts, CALENDAR_DAYS_PER_MONTH } from '../cost/cost-model.js';
import { priceTokens } from '../cost/price-table.js';
import type { RouterConfig } from '../config/router-config.js';
import { meanLatency } from '../backends/simulated/simulated-backend.js';
import {
  isLocalTier,
  type AttemptRecord,
  type CheckScores,
  type RouteResult,
  type Tier,
} from '../router/types.js';
import { RunAggregator } from '../sim/run-aggregator.js';
import { scorecard } from '../sim/scorecard.js';
import { configSummary, meanInterval, targetsOf, type Summary } from '../sim/summary.js';
import { toolVersion } from '../version.js';
import type { Db } from './ledger-db.js';
import type { AttemptRow, RequestRow } from './ledger-sink.js';
import type { UsageWindow } from './usage-query.js';

const DAY_MS = 86_400_000;

function attemptOf(row: AttemptRow): AttemptRecord {
  const scores = JSON.parse(row.checks) as Record<string, number>;
  const checks: CheckScores = {};
  for (const [name, score] of Object.entries(scores)) checks[name as keyof CheckScores] = { score, note: '' };
  const error = ['pass', 'quality_fail'].includes(row.outcome) ? undefined : row.outcome;
  return {
    requestId: row.request_id,
    step: row.step,
    model: row.model,
    provider: row.provider,
    tier: row.tier as Tier,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedInputTokens: row.cached_tokens,
    cacheWriteTokens: 0,
    costUsd: row.cost_usd,
    ttftMs: row.ttft_ms,
    latencyMs: row.latency_ms,
    localBusyMs: isLocalTier(row.tier as Tier) ? row.latency_ms : 0,
    confidence: row.confidence,
    checks,
    passed: row.outcome === 'pass',
    finishReason: error ? 'error' : 'stop',
    ...(error ? { error } : {}),
  };
}

/** What a usage summary reads from a ledger, whichever database holds it. */
export interface LedgerRows {
  /** The first request's time in the window, or undefined when there is none. */
  firstRequestMs(window: UsageWindow): Promise<number | undefined>;
  /** Mean latency of the model's passing calls in the window, or undefined when it made none. */
  meanPassLatency(model: string, window: UsageWindow): Promise<number | undefined>;
  /** The window's requests in time order, each with its attempts in step order. */
  requests(window: UsageWindow): AsyncIterable<{ request: RequestRow; attempts: AttemptRow[] }>;
}

/** The SQLite ledger as summary rows. */
export function sqliteLedgerRows(db: Db): LedgerRows {
  return {
    firstRequestMs: async (window) =>
      (
        db
          .prepare('SELECT MIN(ts_ms) AS t FROM requests WHERE ts_ms >= ? AND ts_ms < ?')
          .get(window.sinceMs, window.untilMs) as { t: number | null }
      ).t ?? undefined,
    meanPassLatency: async (model, window) =>
      (
        db
          .prepare(
            'SELECT AVG(latency_ms) AS l FROM attempts WHERE model = ? AND outcome = ? AND ts_ms >= ? AND ts_ms < ?',
          )
          .get(model, 'pass', window.sinceMs, window.untilMs) as { l: number | null }
      ).l ?? undefined,
    async *requests(window) {
      const attemptsOf = db.prepare('SELECT * FROM attempts WHERE request_id = ? ORDER BY step');
      for (const request of db
        .prepare('SELECT * FROM requests WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms')
        .iterate(window.sinceMs, window.untilMs) as IterableIterator<RequestRow>)
        yield { request, attempts: attemptsOf.all(request.request_id) as AttemptRow[] };
    },
  };
}

/**
 * A run summary from real usage: what the routed requests actually cost, against what the same tokens would
 * have cost sent to the config's first API model (the pure-API counterfactual). Pure-API quality is not
 * measured from usage; its latency is that API model's measured mean (or its profile's).
 */
export async function summaryFromLedger(
  ledger: LedgerRows,
  window: UsageWindow,
  config: RouterConfig,
  command: string,
): Promise<Summary> {
  const api = config.models.find((m) => m.enabled && m.tier === 'API_FALLBACK');
  if (!api) throw new Error('the config has no enabled API model to price the pure-API counterfactual');
  const startMs = (await ledger.firstRequestMs(window)) ?? window.sinceMs;
  const hybrid = new RunAggregator(startMs);
  const baseline = new RunAggregator(startMs);
  hybrid.startAt(startMs);
  baseline.startAt(startMs);
  const apiLatency =
    (await ledger.meanPassLatency(api.name, window)) ?? meanLatency(api.simulation.latency_ms);
  let last = startMs;
  for await (const { request, attempts: rows } of ledger.requests(window)) {
    const attempts = rows.map(attemptOf);
    last = request.ts_ms;
    const result: RouteResult = {
      id: request.request_id,
      action: request.action ?? undefined,
      complexity: request.complexity as RouteResult['complexity'],
      tier: request.start_tier as Tier,
      reason: '',
      model: request.final_model ?? undefined,
      finalTier: (request.final_tier ?? undefined) as Tier | undefined,
      text: '',
      passed: request.passed === 1,
      confidence: request.confidence,
      attempts,
      totals: {
        costUsd: request.cost_usd,
        latencyMs: request.latency_ms,
        inputTokens: attempts.reduce((s, a) => s + a.inputTokens, 0),
        outputTokens: attempts.reduce((s, a) => s + a.outputTokens, 0),
        attempts: attempts.length,
      },
      budgetLimited: request.budget_limited === 1,
      startedAtMs: request.ts_ms,
    };
    hybrid.onRequest(result);
    const cost = priceTokens(api.price, request.input_tokens, request.output_tokens);
    baseline.onRequest({
      ...result,
      tier: 'API_FALLBACK',
      model: api.name,
      finalTier: 'API_FALLBACK',
      passed: true,
      confidence: 1,
      attempts: [
        {
          requestId: request.request_id,
          step: 0,
          model: api.name,
          provider: api.provider,
          tier: 'API_FALLBACK',
          inputTokens: request.input_tokens,
          outputTokens: request.output_tokens,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          costUsd: cost,
          ttftMs: 0,
          latencyMs: apiLatency,
          localBusyMs: 0,
          confidence: 1,
          checks: {},
          passed: true,
          finishReason: 'stop',
        },
      ],
      totals: {
        costUsd: cost,
        latencyMs: apiLatency,
        inputTokens: request.input_tokens,
        outputTokens: request.output_tokens,
        attempts: 1,
      },
      budgetLimited: false,
    });
  }
  const hybridStats = hybrid.stats();
  const baselineStats = baseline.stats();
  const days = Math.max((last - startMs) / DAY_MS, 1 / 1440);
  const cost = compareCosts(hybridStats, baselineStats, config, days, CALENDAR_DAYS_PER_MONTH);
  const targets = targetsOf(undefined);
  return {
    tool: { name: 'hybridllm', version: toolVersion() },
    run: {
      kind: 'ledger',
      scenario: 'real usage',
      seed: 0,
      iterationsPerDay: hybridStats.requests / days,
      days,
      startDate: new Date(Math.floor(startMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
      command,
      backend: 'ledger',
    },
    config: configSummary(config),
    scenarioSha256: null,
    profiles: `none: measured usage from the ledger; pure API = the same tokens at ${api.name} prices (its quality not measured; latency ${Math.round(apiLatency)} ms mean)`,
    hybrid: hybridStats,
    baseline: baselineStats,
    cost,
    costPerRequest: { hybrid: meanInterval(hybridStats), baseline: meanInterval(baselineStats) },
    scorecard: scorecard(hybridStats, cost, targets),
    targets,
    accuracy: {
      hybrid: undefined,
      baseline: undefined,
      basis: 'assumed',
      source: 'not known: live answers carry no correctness labels',
    },
    alternatives: [],
    cheapestAlternative: null,
    sensitivity: [],
    lifecycle: [],
    baselineModel: {
      name: api.name,
      inputPerMtok: api.price.inputPerMtok,
      outputPerMtok: api.price.outputPerMtok,
      priceSource: api.price.source,
      chosen: false,
      profileFrom: null,
    },
  };
}
