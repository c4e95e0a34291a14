import type { Summary } from '../sim/summary.js';
import { describeServersNeeded } from '../sim/servers-needed-text.js';
import { formatInteger, formatPercent } from './format-numbers.js';
import { verdictComparison } from './verdict-view.js';

/** What to deploy: the hardware, the local models the run used on it, how busy it was, and the risks. */
export interface DeployView {
  machines: {
    name: string;
    description: string;
    count: number;
    memory: string;
    models: { name: string; tier: string; memory: string; calls: string; busy: string }[];
    unused: string;
    averageUse: string;
    /** The busiest hour from the capacity queue, or the busiest day scaled from busy time. */
    peakUse: string;
    peakLabel: 'peak hour' | 'peak day';
    /** Queue waits and timeouts, when the item was simulated as a queue. */
    queue: string;
    overloaded: boolean;
  }[];
  /** Local models used but placed on no hardware item (the bare monthly shorthand). */
  unplaced: { name: string; tier: string; calls: string }[];
  risks: string[];
  /** How the utilisation figures are computed, said once. */
  method: string;
}

const gb = (value: number): string => `${value.toFixed(1)} GB`;

/**
 * Utilisation from busy time: each model's summed busy time over the hours the machine is on. Local servers
 * are simulated with unlimited parallel capacity, so above 100% means the workload needs more than one.
 */
export function deployView(s: Summary): DeployView {
  const local = s.config.localCosts as Summary['config']['localCosts'] | undefined;
  const hardware = local?.hardware ?? [];
  const byModel = s.hybrid.byModel;
  const perDay = s.hybrid.requestsPerDay ?? [];
  const meanPerDay = perDay.length ? perDay.reduce((a, b) => a + b, 0) / perDay.length : 0;
  const peakFactor = meanPerDay > 0 ? Math.max(...perDay) / meanPerDay : 1;
  const placed = new Set<string>();
  const machines = hardware.map((item) => {
    const used = item.models.filter((m) => (byModel[m.name]?.calls ?? 0) > 0);
    const unused = item.models.filter((m) => (byModel[m.name]?.calls ?? 0) === 0);
    for (const m of item.models) placed.add(m.name);
    const busyMs = used.reduce((sum, m) => sum + (byModel[m.name]?.busyMs ?? 0), 0);
    const onMs = s.cost.days * item.hoursOnPerDay * 3_600_000 * Math.max(1, item.count);
    const average = onMs > 0 ? (busyMs / onMs) * 100 : 0;
    const peakDay = average * peakFactor;
    const usedGb = used.reduce((sum, m) => sum + m.residentGb, 0);
    return {
      name: item.name,
      description: item.description,
      count: item.count,
      memory: `${gb(usedGb)} of ${gb(item.gpuMemoryGb)} for the models this run used${unused.length ? ` (${gb(item.models.reduce((sum, m) => sum + m.residentGb, 0))} with every model placed on it)` : ''}`,
      models: used.map((m) => ({
        name: m.name,
        tier: s.config.models.find((c) => c.name === m.name)?.tier ?? '',
        memory: `${gb(m.residentGb)} (${gb(m.weightsGb)} weights + ${gb(m.kvGb)} KV cache)`,
        calls: formatInteger(byModel[m.name]?.calls ?? 0),
        busy: `${((byModel[m.name]?.busyMs ?? 0) / 3_600_000).toFixed(1)} h`,
      })),
      unused: unused.length
        ? `Placed here but never called in this run: ${unused.map((m) => `${m.name} (${gb(m.residentGb)})`).join(', ')}. Leaving them off frees ${gb(unused.reduce((sum, m) => sum + m.residentGb, 0))}.`
        : '',
      ...utilisation(s, item.name, average, peakDay),
    };
  });
  const unplaced = s.config.models
    .filter((m) => m.tier !== 'API_FALLBACK' && !placed.has(m.name) && (byModel[m.name]?.calls ?? 0) > 0)
    .map((m) => ({ name: m.name, tier: m.tier, calls: formatInteger(byModel[m.name]!.calls) }));
  return {
    machines,
    unplaced,
    risks: risks(s, machines),
    method: s.capacity
      ? 'Items whose models have a capacity profile are simulated as queues: utilisation is the share of time the machine had a sequence running, on average and in the busiest hour, beside queue waits, timeouts and the demand on each model’s slots (above 100%: more than they can serve). For the others it is the models’ summed busy time over the hours the machine is on, and the peak day scales it by the busiest day’s requests (no queueing modelled).'
      : 'Utilisation is the models’ summed busy time over the hours the machine is on. The peak day scales it by the busiest day’s requests. No model has a capacity profile, so local servers are simulated with unlimited parallel capacity and queueing at the peak hour is not modelled: above 100% means one machine cannot keep up.',
  };
}

function risks(s: Summary, machines: DeployView['machines']): string[] {
  const out: string[] = [];
  const { name, c } = verdictComparison(s);
  if (c.savings.allInUsd < 0)
    out.push(
      `At this volume hybrid costs more than ${name} all-in${c.breakEvenIterationsPerDay === null ? ', at any volume' : `; it needs ${formatInteger(Math.ceil(c.breakEvenIterationsPerDay))} a day to break even`}.`,
    );
  const tornado = ((s.sensitivity as Summary['sensitivity'] | undefined) ?? []).find(
    (x) => x.alternative === s.cheapestAlternative,
  );
  for (const row of tornado?.rows ?? [])
    if (row.flipsVerdict)
      out.push(`The verdict flips within the tested range of ${row.assumption} (${row.range}).`);
  for (const entry of (s.lifecycle as Summary['lifecycle'] | undefined) ?? [])
    out.push(`${entry.model} has an announced end of life on ${entry.endOfLife} (${entry.source}).`);
  const skips = s.hybrid.contextSkips as Summary['hybrid']['contextSkips'] | undefined;
  if (skips?.noLocalModel)
    out.push(
      `${formatInteger(skips.noLocalModel)} request(s) (${formatPercent((skips.noLocalModel / (s.hybrid.requests || 1)) * 100)}) were too long for every local model's context window (input + max output) and went to the API: a model with a longer window would keep them local.`,
    );
  if (s.budget)
    out.push(
      `The daily API budget of $${s.budget.dailyBudgetUsd.toFixed(2)} was hit: ${formatInteger(s.budget.limited)} request(s) were kept local or refused instead of going to the API.`,
    );
  for (const [item, n] of Object.entries((s.serversNeeded as Summary['serversNeeded'] | undefined) ?? {}))
    if (n.needed === null || n.needed > n.configured || (n.keepsUp ?? 0) > n.configured)
      out.push(`${item}: servers needed: ${describeServersNeeded(item, n)}.`);
  for (const m of machines)
    if (m.overloaded)
      out.push(
        `${m.name} is at or above capacity in its ${m.peakLabel} (${m.peakUse}${m.queue ? `; ${m.queue}` : ''}): the workload needs more than ${m.count} of it, or requests queue and time out.`,
      );
  if (s.run.backend !== 'real' && s.run.backend !== 'ledger' && !s.recordedQuality)
    out.push(
      'Quality and latency are simulated from profiles, not measured: run hybridllm bench on the hardware you would buy, then simulate --profiles.',
    );
  return out;
}

/** Utilisation from the capacity queue when the item was simulated as one; else from busy time. */
function utilisation(
  s: Summary,
  item: string,
  average: number,
  peakDay: number,
): Pick<DeployView['machines'][number], 'averageUse' | 'peakUse' | 'peakLabel' | 'queue' | 'overloaded'> {
  const pct = (x: number): string => formatPercent(x, x < 1 ? 2 : 1);
  const q = (s.capacity as Summary['capacity'] | undefined)?.[item];
  if (!q)
    return {
      averageUse: pct(average),
      peakUse: pct(peakDay),
      peakLabel: 'peak day',
      queue: '',
      overloaded: peakDay > 100,
    };
  const peak = q.peakHourUtilisation * 100;
  const demand = Object.entries(q.demand ?? {});
  const over = demand.filter(([, d]) => d.peakHour > 1);
  return {
    averageUse: pct(q.averageUtilisation * 100),
    peakUse: pct(peak),
    peakLabel: 'peak hour',
    queue: `queue wait p95 ${Math.round(q.waitMs.p95)} ms, ${formatInteger(q.timedOut)} of ${formatInteger(q.calls)} calls timed out${over.length ? `; ${over.map(([m, d]) => `${m} asked for ${formatPercent(d.peakHour * 100)} of its slots`).join(', ')}` : ''}`,
    overloaded: peak >= 95 || q.timedOut > 0 || over.length > 0,
  };
}
