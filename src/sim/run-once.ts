// One run of a workload through the production router on the event clock: simulated (or recorded-answer)
// backends, the streaming aggregator, the budget guard, and the per-request rows the recorded quality reads.
import { BudgetExhaustedError } from '../backends/errors.js';
import { createSimulatedBackend } from '../backends/simulated/simulated-backend.js';
import { createRecordedAnswersBackend } from '../backends/recorded/recorded-answers-backend.js';
import type { RouterConfig } from '../config/router-config.js';
import { EventClock } from '../core/event-clock.js';
import { budgetCaps, createMemoryBudgetGuard } from '../ledger/budget-guard.js';
import { createRouter, type RouterSink } from '../router/router.js';
import type { RouteRequest, RouteResult } from '../router/types.js';
import { replayConcurrently } from './concurrent-replay.js';
import type { RoutedRow } from './cost-quality-curve.js';
import { baselineConfig } from './counterfactual-config.js';
import { RunAggregator } from './run-aggregator.js';
import type { MaterialisedRun } from './run-spec.js';
import type { RunKind, RunOutcome, SimulationHooks } from './run-types.js';
import { serverCounts } from './server-layout.js';

/** Runs one of the two runs in this thread. */
export async function runOnce(
  run: MaterialisedRun,
  kind: RunKind,
  hooks: SimulationHooks,
  /** A counterfactual config in place of the kind's own (an alternative's). */
  counterfactual?: RouterConfig,
): Promise<RunOutcome> {
  const config = counterfactual ?? (kind === 'hybrid' ? run.config : baselineConfig(run));
  const clock = new EventClock(run.startMs);
  let started = false;
  const simulated = createSimulatedBackend({
    seed: run.seed,
    clock,
    faultRates: run.faults,
    ...(run.profiles ? { profiles: run.profiles } : {}),
    servers: serverCounts(config),
  });
  const answers = run.answers;
  const backend = answers
    ? createRecordedAnswersBackend({ table: answers.table, mapping: answers.mapping, fallback: simulated })
    : simulated;
  const aggregator = new RunAggregator(run.startMs);
  const sinks: RouterSink[] = [aggregator];
  const rows: RoutedRow[] | undefined = answers ? [] : undefined;
  let profileRows = 0;
  if (answers && rows)
    sinks.push({
      onRequest: (result) => {
        if (!collectRow(result, answers, rows)) profileRows++;
      },
    });
  if (kind === 'hybrid' && hooks.onHybridResult) sinks.push({ onRequest: hooks.onHybridResult });
  // The same budget logic on the virtual clock; alerts stay quiet (a year would print hundreds).
  const budget = createMemoryBudgetGuard({ ...budgetCaps(config), onAlert: () => undefined });
  const router = createRouter(config, { backends: backend, clock, sinks, budget });
  const every = hooks.progressEvery ?? 5000;
  const route = async (request: RouteRequest): Promise<void> => {
    try {
      await router.route(request);
    } catch (error) {
      // Failures inside the loop are data: a refused request is counted, the run goes on.
      if (!(error instanceof BudgetExhaustedError)) throw error;
      aggregator.onRejected(error.name);
    }
  };
  // Requests overlap on the event clock as they would in production; the aggregator's window starts at the
  // first arrival.
  const {
    done,
    firstArrivalMs: first,
    lastArrivalMs: last,
  } = await replayConcurrently(
    run.workload(),
    clock,
    (request) => {
      if (!started) {
        started = true;
        aggregator.startAt(request.arrivalMs ?? clock.now());
      }
      return route(request);
    },
    (count) => {
      if (count % every === 0) hooks.onProgress?.(kind, count);
    },
  );
  hooks.onProgress?.(kind, done);
  const capacity = simulated.capacityStats();
  return {
    stats: aggregator.stats(),
    firstArrivalMs: first,
    lastArrivalMs: last,
    ...(rows ? { rows, profileRows } : {}),
    ...(Object.keys(capacity).length ? { capacity } : {}),
  };
}

/**
 * Records a labelled request's outcome beside what the weak and strong recorded answers were worth. A
 * request any of whose answers came from a profile rather than the file is left out (returns false): its
 * correctness would be a simulated draw, not a label.
 */
function collectRow(
  result: RouteResult,
  answers: NonNullable<MaterialisedRun['answers']>,
  rows: RoutedRow[],
): boolean {
  const recorded = answers.table.rows.get(result.id);
  const weak = answers.weakSource === undefined ? undefined : recorded?.get(answers.weakSource)?.correct;
  const strong =
    answers.strongSource === undefined ? undefined : recorded?.get(answers.strongSource)?.correct;
  if (result.attempts.some((a) => a.answerSource === 'profile')) return false;
  if (weak === undefined || strong === undefined || result.correct === undefined) return true;
  rows.push({
    weakCorrect: weak,
    strongCorrect: strong,
    correct: result.correct,
    usedStrong: result.attempts.some((a) => a.tier === 'API_FALLBACK' && !a.error),
  });
  return true;
}
