import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProfileFile, profileYaml } from '../src/bench/profile.js';
import type { Hardware } from '../src/bench/hardware.js';
import { roundUsd } from '../src/report/wording/alternatives-summary.js';
import { loadConfigFile } from '../src/config/load-config.js';
import { comparisonRows, comparisonSentence, costVolumeChart } from '../src/report/comparison-view.js';
import { deployView } from '../src/report/deploy-view.js';
import { banner } from '../src/report/report-model.js';
import { loadRun, renderReport } from '../src/report/render-report.js';
import { headline } from '../src/report/verdict-view.js';
import { simulate } from '../src/sim/simulate.js';
import type { Summary } from '../src/sim/summary.js';
import { PROJECT_CONFIG } from './helpers/config.js';
import { tempDir } from './helpers/temp.js';

const runs: Record<string, { dir: string; summary: Summary }> = {};

beforeAll(async () => {
  const out = tempDir();
  for (const scenario of ['light', 'medium', 'heavy']) {
    const { runDir, summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario,
      days: 4,
      out,
      parallel: false,
      command: 'test',
    });
    runs[scenario] = { dir: runDir!, summary };
  }
}, 120_000);

/** The cheapest alternative, found independently of the report code: the lowest API bill. */
function cheapest(s: Summary): Summary['alternatives'][number] {
  return [...s.alternatives].sort((a, b) => a.costUsd - b.costUsd)[0]!;
}

describe('the report model: verdict first, all-in', () => {
  it('the headline compares the hybrid all-in with the cheapest API-only alternative', () => {
    const s = runs['heavy']!.summary;
    const alt = cheapest(s);
    expect(alt.name).toBe(s.cheapestAlternative);
    // Independently: all-in = API fees + energy + fixed, per year; the alternative's bill per year.
    const days = s.cost.days;
    const perYear = (total: number): number => (total / days) * s.cost.daysPerMonth * 12;
    const hybridAllIn = perYear(s.cost.hybrid.marginalUsd + s.cost.hybrid.energyUsd + s.cost.hybrid.fixedUsd);
    const against = perYear(alt.costUsd);
    const h = headline(s);
    expect(h.figures.hybridAllIn).toBeCloseTo(hybridAllIn, 6);
    expect(h.figures.against).toBeCloseTo(against, 6);
    expect(h.figures.saving).toBeCloseTo(against - hybridAllIn, 6);
    expect(h.against).toBe(alt.name);
    expect(h.tone).toBe(against >= hybridAllIn ? 'good' : 'bad');
    expect(h.sentence).toContain(
      `At 500 iterations a day, hybrid costs ${roundUsd(hybridAllIn)} a year all-in`,
    );
    expect(h.sentence).toContain(
      `against ${roundUsd(against)} for the cheapest API-only alternative (${alt.name})`,
    );
    expect(h.sentence).toMatch(
      against >= hybridAllIn ? /it saves \$[\d,]+ \(\d+%\)/ : /it costs \$[\d,]+ \(\d+%\) more/,
    );
    expect(h.apiBillOnly.label).toMatch(/^API bill only \(excludes hardware\)/);
  });

  it('the report opens with the verdict sentence and the all-in figure', async () => {
    const { dir, summary } = runs['heavy']!;
    const html = await renderReport([loadRun(dir)]);
    const section = html.slice(html.indexOf('<section id="summary"'));
    const text = section
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const h = headline(summary);
    expect(text.startsWith(h.sentence.replace(/\s+/g, ' '))).toBe(true);
    // The first card is the hybrid all-in.
    expect(text.slice(h.sentence.length)).toMatch(
      new RegExp(`^ Hybrid, all-in per year ${roundUsd(h.figures.hybridAllIn).replace('$', '\\$')}`),
    );
  });

  it("the scorecard's weekly cost is the all-in cost per week, and savings are all-in", () => {
    const s = runs['light']!.summary;
    const weekly = s.scorecard.find((m) => m.name.startsWith('Total cost per week'))!;
    expect(weekly.name).toBe('Total cost per week (all-in)');
    expect(weekly.value).toBeCloseTo(((s.cost.hybrid.allInUsd / s.cost.days) * 7) as number, 9);
    expect(weekly.value).toBeGreaterThan(s.cost.hybrid.marginal.perWeek);
    const savings = s.scorecard.find((m) => m.name.startsWith('Savings'))!;
    expect(savings.name).toBe(`Savings all-in vs ${s.cheapestAlternative}`);
    expect(savings.value).toBeCloseTo(cheapest(s).comparison.savings.allInPct, 9);
  });

  it('a comparative report of three runs holds one chart with all three and one table', async () => {
    const summaries = ['light', 'medium', 'heavy'].map((n) => runs[n]!.summary);
    const chart = costVolumeChart('c', summaries);
    const marks = chart.rows.filter((r) => r[1] === 'this volume').map((r) => r[0]);
    expect(marks).toEqual(['light', 'medium', 'heavy']);
    // Shared scale: one x domain covering every scenario's volume and break-even.
    const spec = JSON.stringify(chart.spec);
    const max = Number(/"domain":\[0,(\d+)\]/.exec(spec)![1]);
    for (const s of summaries) {
      expect(max).toBeGreaterThanOrEqual(s.run.iterationsPerDay);
      const be = cheapest(s).comparison.breakEvenIterationsPerDay;
      if (be !== null) expect(max).toBeGreaterThanOrEqual(be);
    }
    const rows = comparisonRows(summaries);
    expect(rows).toHaveLength(summaries.reduce((n, s) => n + s.alternatives.length, 0));
    for (const row of rows) {
      const s = summaries.find((x) => x.run.scenario === row.scenario)!;
      const alt = s.alternatives.find((a) => row.alternative.startsWith(a.name))!;
      const saving = alt.comparison.pureApi.perYear - alt.comparison.hybrid.allIn.perYear;
      expect(row.hybrid).toBe(roundUsd(alt.comparison.hybrid.allIn.perYear));
      expect(row.verdict).toBe(saving >= 0 ? 'hybrid is cheaper' : `${alt.name} is cheaper`);
    }
    const html = await renderReport(['light', 'medium', 'heavy'].map((n) => loadRun(runs[n]!.dir)));
    const overview = html.slice(
      html.indexOf('<section id="summary"'),
      html.indexOf('<details class="run-detail"'),
    );
    expect(overview.match(/<figure class="chart"/g)).toHaveLength(1);
    expect(overview.match(/<table class="comparison">/g)).toHaveLength(1);
    expect(overview).toContain('differ because each scenario');
    // One sentence first, over all three, from each scenario's saving against its cheapest alternative.
    const savings = summaries.map((x) => {
      const alt = cheapest(x).comparison;
      return alt.pureApi.perYear - alt.hybrid.allIn.perYear;
    });
    const lead = comparisonSentence(summaries);
    expect(
      overview
        .replace(/<[^>]+>/g, ' ')
        .trim()
        .startsWith(lead.sentence.replace(/&/g, '&amp;')),
    ).toBe(true);
    if (savings.every((x) => x < 0))
      expect(lead.sentence).toMatch(
        /^In every scenario — light \(50\/day\), medium \(200\/day\) and heavy \(500\/day\) — hybrid costs more all-in than api-tiered, by \$[\d,]+–\$[\d,]+ a year; the hardware pays for itself above [\d,]+–[\d,]+ a day\.$/,
      );
    expect(lead.tone).toBe(savings.every((x) => x >= 0) ? 'good' : 'bad');
  });

  it('what to deploy: the models the run used, their memory, and utilisation from busy time', () => {
    const s = runs['heavy']!.summary;
    const view = deployView(s);
    const machine = view.machines[0]!;
    const used = Object.entries(s.hybrid.byModel).filter(([, m]) => m.tier !== 'API_FALLBACK' && m.calls > 0);
    expect(machine.models.map((m) => m.name).sort()).toEqual(used.map(([n]) => n).sort());
    // The machine is simulated as a queue: its utilisation is the queue's, which agrees with the models'
    // summed busy time (each call's share of the machine) over the year the machine is on.
    const queue = s.capacity!['studio']!;
    const shown = queue.averageUtilisation * 100;
    expect(machine.averageUse).toBe(`${shown.toFixed(shown < 1 ? 2 : 1)}%`);
    const busyMs = used.reduce((sum, [, m]) => sum + m.busyMs, 0);
    const average = (busyMs / (s.cost.days * 24 * 3_600_000)) * 100;
    expect(Math.abs(shown - average) / average).toBeLessThan(0.05);
    expect(machine.unused).toMatch(/never called in this run: .*codestral:22b/);
    expect(view.risks.some((r) => /simulated from profiles, not measured/.test(r))).toBe(true);
  });

  it('a simulated run carries the banner; a run with bench profiles names them and their hardware', async () => {
    expect(banner(runs['light']!.summary)).toEqual({
      kind: 'simulated',
      text: expect.stringMatching(/^Simulated: local models were not run\./),
    });
    const dir = tempDir();
    const config = loadConfigFile(PROJECT_CONFIG);
    const phi = config.models.find((m) => m.name === 'phi3:mini')!;
    const file = join(dir, 'profiles.yaml');
    const hardware = {
      cpu: 'Test CPU 9000',
      cores: 2,
      ramGb: 24,
      gpu: 'RTX Test 24 GB',
      os: 'linux',
      node: 'v20',
      ollama: {},
      models: {},
    } satisfies Hardware;
    writeFileSync(file, profileYaml({ 'phi3:mini': phi.simulation }, hardware, 'hybridllm bench 0.1.0'));
    const loaded = loadProfileFile(file);
    const { summary } = await simulate({
      configFile: PROJECT_CONFIG,
      scenario: 'light',
      days: 1,
      out: false,
      parallel: false,
      profiles: { file, byModel: loaded.models, origin: loaded.origin },
    });
    expect(summary.profileOrigin).toEqual({
      file,
      generatedBy: 'hybridllm bench 0.1.0',
      hardware: 'Test CPU 9000 · GPU RTX Test 24 GB',
    });
    const b = banner(summary);
    expect(b.kind).toBe('profiles');
    expect(b.text).toContain(
      `measured by hybridllm bench 0.1.0 on Test CPU 9000 · GPU RTX Test 24 GB (${file})`,
    );
  });

  it('the tornado says where each assumption flips the verdict: volume at the break-even', () => {
    const s = runs['heavy']!.summary;
    const rows = s.sensitivity.find((x) => x.alternative === s.cheapestAlternative)!.rows;
    const volume = rows.find((r) => r.assumption === 'volume')!;
    const be = cheapest(s).comparison.breakEvenIterationsPerDay!;
    // Saving is linear in volume: it crosses zero at the break-even volume (in requests a day, as the
    // break-even counts them).
    expect(volume.flipsAt! * (s.hybrid.requests / s.cost.days)).toBeCloseTo(be, 6);
    const ops = rows.find((r) => r.assumption === 'ops time')!;
    // Were the saving negative even at zero ops time, no multiplier flips it.
    if (ops.low < 0 && ops.base < 0) expect(ops.flipsAt).toBeNull();
  });
});
