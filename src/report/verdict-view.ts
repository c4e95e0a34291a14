import type { CostComparison } from '../cost/cost-model.js';
import { roundUsd } from './wording/alternatives-summary.js';
import { headlinePeriod } from './wording/period.js';
import type { Summary } from '../sim/summary.js';
import { formatDuration, formatInteger, formatPercent } from './format-numbers.js';
import { fleetClause, machineName, serviceGapText } from './wording/verdict.js';
import { serviceGap } from '../sim/service-level.js';

/** A headline figure card: what it is, its value rounded for people, and whether it is good news. */
export interface Card {
  label: string;
  value: string;
  note: string;
  tone: 'good' | 'bad' | 'amber' | 'neutral';
}

/** The first thing the report says: one sentence and the cards behind it, all-in. */
export interface Headline {
  /** The sentence a finance lead can repeat. */
  sentence: string;
  /**
   * Good when hybrid all-in is cheaper than what it is compared against, bad when dearer, amber when the two
   * do not serve the same requests as well (answered or acceptable shares more than a point apart).
   */
  tone: 'good' | 'bad' | 'amber';
  /** What the hybrid is compared against: the cheapest API-only alternative, or the pure-API baseline. */
  against: string;
  cards: Card[];
  /** The API-fee-only figure, labelled so nobody mistakes it for the cost. */
  apiBillOnly: Card;
  /** Hybrid all-in and the comparison's cost, exact, for the model tests. */
  figures: { hybridAllIn: number; against: number; saving: number; perWeekAllIn: number };
}

/** The comparison the verdict rests on: against the cheapest alternative when one was run. */
export function verdictComparison(s: Summary): { name: string; description: string; c: CostComparison } {
  const alternatives = (s.alternatives as Summary['alternatives'] | undefined) ?? [];
  const cheapest = alternatives.find((a) => a.name === s.cheapestAlternative);
  if (cheapest) return { name: cheapest.name, description: cheapest.description, c: cheapest.comparison };
  const api = s.config.models.find((m) => m.enabled && m.tier === 'API_FALLBACK')?.name ?? 'the API';
  return { name: 'pure API', description: `everything to ${api}`, c: s.cost };
}

/**
 * The verdict's colour: the all-in difference decides only when hybrid and the alternative serve the same
 * requests as well (within a point); otherwise amber.
 */
export function verdictTone(s: Summary, against: string, saving: number): 'good' | 'bad' | 'amber' {
  const hybrid = s.serviceLevel?.hybrid;
  const other = s.serviceLevel?.alternatives[against];
  if (hybrid && other && serviceGap(hybrid, other) !== 0) return 'amber';
  return saving >= 0 ? 'good' : 'bad';
}

/** Volume in the run's own unit: iterations for scenarios, requests for recorded traces and usage. */
export function volumePhrase(s: Summary, value: number): string {
  return `${formatInteger(Math.round(value))} ${s.run.kind === 'synthetic' ? 'iterations' : 'requests'} a day`;
}

export function headline(s: Summary): Headline {
  const period = headlinePeriod(s);
  const { name, c } = verdictComparison(s);
  const hybrid = period.of(c.hybrid.allIn);
  const against = period.of(c.pureApi);
  const saving = against - hybrid;
  const pct = Math.abs(c.savings.allInPct);
  const breakEven = c.breakEvenIterationsPerDay;
  const who =
    name === 'pure API' ? 'sending everything to the API' : `the cheapest API-only alternative (${name})`;
  const pays =
    breakEven === null
      ? 'at these prices its local hardware never pays for itself against it'
      : `it pays for its hardware above ${volumePhrase(s, Math.ceil(breakEven))}`;
  const when = period.annualised
    ? `At ${volumePhrase(s, s.run.iterationsPerDay)}`
    : 'Over the recorded window';
  const fleet = fleetClause(s);
  const sized = s.verdictBasis?.fleet.filter((f) => f.sized) ?? [];
  const at = sized.length
    ? `${fleet} At ${sized.map((f) => formatInteger(f.verdict)).join(' and ')}, `
    : fleet
      ? `${fleet} `
      : '';
  const lower = (text: string): string =>
    at.endsWith(', ') ? text.charAt(0).toLowerCase() + text.slice(1) : text;
  const gap = serviceGapText(s, name);
  const sentence =
    at +
    lower(
      saving >= 0
        ? `${when}, hybrid costs ${roundUsd(hybrid)} ${period.phrase} all-in against ${roundUsd(against)} for ${who}: it saves ${roundUsd(saving)} (${formatPercent(pct, 0)}), and ${pays}.`
        : `${when}, hybrid costs ${roundUsd(hybrid)} ${period.phrase} all-in against ${roundUsd(against)} for ${who}: it costs ${roundUsd(-saving)} (${formatPercent(pct, 0)}) more; ${pays}.`,
    ) +
    (gap ? ` But ${gap}.` : '');
  const tone = verdictTone(s, name, saving);
  const level = s.serviceLevel;
  const serviceCards: Card[] =
    level && level.alternatives[name]
      ? [
          {
            label: 'Answered acceptably',
            value: `${formatPercent(level.hybrid.acceptablePct)} · ${formatPercent(level.alternatives[name].acceptablePct)}`,
            note: `hybrid · ${name}; answered at all ${formatPercent(level.hybrid.answeredPct)} · ${formatPercent(level.alternatives[name].answeredPct)}; end-to-end p95 ${formatDuration(level.hybrid.e2eP95Ms)} · ${formatDuration(level.alternatives[name].e2eP95Ms)}${level.hybrid.localTtftP95Ms === null ? '' : `; local TTFT p95 ${formatDuration(level.hybrid.localTtftP95Ms)}`}`,
            tone: tone === 'amber' ? 'amber' : 'neutral',
          },
        ]
      : [];
  const fleetCards: Card[] = (s.verdictBasis?.fleet ?? []).map((f) => ({
    label: `Machines (${f.item})`,
    value: `${formatInteger(f.verdict)} × ${machineName(f)}`,
    note: f.sized
      ? `sized to carry this traffic; ${formatInteger(f.configured)} configured could not`
      : f.overloaded
        ? `as pinned; they cannot carry this traffic`
        : 'as configured; they carry this traffic',
    tone: f.overloaded && !f.sized ? 'amber' : 'neutral',
  }));
  const column = period.column;
  return {
    sentence,
    tone,
    against: name,
    cards: [
      {
        label: `Hybrid, all-in ${column}`,
        value: roundUsd(hybrid),
        note: 'API fees, hardware, energy and operations',
        tone: 'neutral',
      },
      {
        label: `${name} ${column}`,
        value: roundUsd(against),
        note: 'the cheapest API-only way',
        tone: 'neutral',
      },
      {
        label: saving >= 0 ? `Hybrid saves ${column}` : `Hybrid costs more ${column}`,
        value: `${roundUsd(Math.abs(saving))} (${formatPercent(pct, 0)})`,
        note: `all-in, against ${name}`,
        tone: tone === 'amber' ? 'amber' : saving >= 0 ? 'good' : 'bad',
      },
      ...serviceCards,
      ...fleetCards,
      {
        label: 'Pays for its hardware above',
        value: breakEven === null ? 'never' : volumePhrase(s, Math.ceil(breakEven)),
        note: `this run: ${volumePhrase(s, s.run.iterationsPerDay)}`,
        tone: breakEven !== null && s.run.iterationsPerDay >= breakEven ? 'good' : 'bad',
      },
    ],
    apiBillOnly: {
      label: `API bill only (excludes hardware) ${column}`,
      value: `${roundUsd(period.of(c.hybrid.marginal))} against ${roundUsd(against)}`,
      note: `${formatPercent(c.savings.marginalPct, 0)} less in API fees alone`,
      tone: 'neutral',
    },
    figures: { hybridAllIn: hybrid, against, saving, perWeekAllIn: c.hybrid.allIn.perWeek },
  };
}
