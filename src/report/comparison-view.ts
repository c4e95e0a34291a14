import { roundUsd } from './wording/alternatives-summary.js';
import type { CostComparison } from '../cost/cost-model.js';
import type { Summary } from '../sim/summary.js';
import { volumeChart, type CostLine, type VolumeMark } from './decision-charts.js';
import type { ChartSpec } from './chart-specs.js';
import { formatInteger, formatPercent } from './format-numbers.js';
import { verdictComparison, verdictTone } from './verdict-view.js';

/** One row of the comparison: a scenario against one API-only alternative. */
export interface ComparisonRow {
  scenario: string;
  volume: string;
  alternative: string;
  hybrid: string;
  cost: string;
  saves: string;
  breakEven: string;
  verdict: string;
  tone: 'good' | 'bad' | 'amber';
}

/** What every alternative of a run is compared on (the baseline when a summary has none). */
function comparisons(s: Summary): { name: string; c: CostComparison }[] {
  const alternatives = (s.alternatives as Summary['alternatives'] | undefined) ?? [];
  if (alternatives.length) return alternatives.map((a) => ({ name: a.name, c: a.comparison }));
  const v = verdictComparison(s);
  return [{ name: v.name, c: v.c }];
}

/** Scenario × alternative: all-in cost per year, saving and a verdict per row. */
export function comparisonRows(summaries: readonly Summary[]): ComparisonRow[] {
  return summaries.flatMap((s) =>
    comparisons(s).map(({ name, c }) => {
      const saving = c.pureApi.perYear - c.hybrid.allIn.perYear;
      const be = c.breakEvenIterationsPerDay;
      return {
        scenario: s.run.scenario,
        volume: formatInteger(Math.round(s.run.iterationsPerDay)),
        alternative: `${name}${name === s.cheapestAlternative ? ' (cheapest)' : ''}`,
        hybrid: roundUsd(c.hybrid.allIn.perYear),
        cost: roundUsd(c.pureApi.perYear),
        saves: `${saving >= 0 ? '' : '−'}${roundUsd(Math.abs(saving))} (${formatPercent(c.savings.allInPct, 0)})`,
        breakEven: be === null ? 'never' : formatInteger(Math.ceil(be)),
        verdict:
          verdictTone(s, name, saving) === 'amber'
            ? `not like for like: ${name} answers ${(s.serviceLevel?.alternatives[name]?.acceptablePct ?? 0) > (s.serviceLevel?.hybrid.acceptablePct ?? 0) ? 'more' : 'fewer'} requests acceptably`
            : saving >= 0
              ? 'hybrid is cheaper'
              : `${name} is cheaper`,
        tone: verdictTone(s, name, saving),
      };
    }),
  );
}

/**
 * Each run's costs as lines against volume: the hybrid's fixed part per day (hardware, operations, idle
 * energy) plus a part per iteration that reproduces the run's own all-in cost at its volume; each
 * alternative purely per iteration. Break-even points are the ones the runs report.
 */
export function costVolumeChart(id: string, summaries: readonly Summary[]): ChartSpec {
  const lines: CostLine[] = [];
  const marks: VolumeMark[] = [];
  let max = 0;
  const daysPerYear = (summaries[0]?.cost.daysPerMonth ?? 365 / 12) * 12;
  for (const s of summaries) {
    const volume = s.run.iterationsPerDay;
    if (!(volume > 0)) continue;
    const c = s.cost;
    const fixedPerDay = c.days > 0 ? (c.hybrid.fixedUsd + c.hybrid.idleEnergyUsd) / c.days : 0;
    const hybridPerIteration = (c.hybrid.allIn.perDay - fixedPerDay) / volume;
    lines.push({
      scenario: s.run.scenario,
      series: 'Hybrid, all-in',
      fixedPerDay,
      perIteration: hybridPerIteration,
    });
    const hybridAt = (v: number): number => (fixedPerDay + hybridPerIteration * v) * daysPerYear;
    marks.push({
      scenario: s.run.scenario,
      kind: 'run',
      iterationsPerDay: volume,
      usdPerYear: hybridAt(volume),
      label: s.run.scenario,
    });
    max = Math.max(max, volume * 2);
    for (const { name, c: alt } of comparisons(s)) {
      const perIteration = alt.pureApi.perDay / volume;
      lines.push({ scenario: s.run.scenario, series: name, fixedPerDay: 0, perIteration });
      const be = alt.breakEvenIterationsPerDay;
      if (be !== null && name === verdictComparison(s).name) {
        marks.push({
          scenario: s.run.scenario,
          kind: 'break-even',
          iterationsPerDay: be,
          usdPerYear: perIteration * be * daysPerYear,
          // Several break-evens sit close together: the table names them; the chart marks them.
          label: summaries.length > 1 ? '' : `${formatInteger(Math.ceil(be))}/day`,
        });
        max = Math.max(max, be * 1.25);
      }
    }
  }
  const nice = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  const unit = summaries.every((s) => s.run.kind === 'synthetic') ? 'iterations' : 'requests';
  return volumeChart(id, lines, marks, Math.ceil(max / nice) * nice, daysPerYear, unit);
}

/** The comparison in one sentence: where hybrid wins all-in, where it does not, and the break-even range. */
export function comparisonSentence(summaries: readonly Summary[]): {
  sentence: string;
  tone: 'good' | 'bad' | 'amber';
} {
  const verdicts = summaries.map((s) => {
    const { name, c } = verdictComparison(s);
    const saving = c.pureApi.perYear - c.hybrid.allIn.perYear;
    return { s, name, saving, be: c.breakEvenIterationsPerDay, tone: verdictTone(s, name, saving) };
  });
  const volume = (s: Summary): string =>
    `${s.run.scenario} (${formatInteger(Math.round(s.run.iterationsPerDay))}/day)`;
  const list = (items: string[]): string =>
    items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  const names = [...new Set(verdicts.map((v) => v.name))];
  const against = names.length === 1 ? names[0]! : 'the cheapest API-only alternative of each';
  const wins = verdicts.filter((v) => v.saving >= 0);
  const losses = verdicts.filter((v) => v.saving < 0);
  const bes = verdicts.map((v) => v.be).filter((b): b is number => b !== null);
  const range =
    bes.length === 0
      ? 'at these prices the hardware never pays for itself'
      : `the hardware pays for itself above ${
          Math.min(...bes) === Math.max(...bes)
            ? formatInteger(Math.ceil(bes[0]!))
            : `${formatInteger(Math.ceil(Math.min(...bes)))}–${formatInteger(Math.ceil(Math.max(...bes)))}`
        } a day`;
  const money = (vs: typeof verdicts): string => {
    const amounts = vs.map((v) => Math.abs(v.saving));
    const lo = roundUsd(Math.min(...amounts));
    const hi = roundUsd(Math.max(...amounts));
    return lo === hi ? lo : `${lo}–${hi}`;
  };
  const sentence =
    losses.length === 0
      ? `In every scenario — ${list(verdicts.map((v) => volume(v.s)))} — hybrid costs less all-in than ${against}: it saves ${money(wins)} a year; ${range}.`
      : wins.length === 0
        ? `In every scenario — ${list(verdicts.map((v) => volume(v.s)))} — hybrid costs more all-in than ${against}, by ${money(losses)} a year; ${range}.`
        : `Hybrid saves all-in against ${against} in ${list(wins.map((v) => volume(v.s)))} (${money(wins)} a year) and costs more in ${list(losses.map((v) => volume(v.s)))} (${money(losses)} a year); ${range}.`;
  const unlike = verdicts.filter((v) => v.tone === 'amber');
  if (unlike.length)
    return {
      sentence: `${sentence} In ${list(unlike.map((v) => volume(v.s)))} hybrid and ${against} do not answer the same requests as well, so those costs do not compare like with like.`,
      tone: 'amber',
    };
  return { sentence, tone: losses.length === 0 ? 'good' : 'bad' };
}
