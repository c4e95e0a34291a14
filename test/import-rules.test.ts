import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { importCycles, readImportGraph, ruleBreaks, type ImportRule } from './helpers/import-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What may not import what (docs/architecture.md, "Import rules"). */
const RULES: readonly ImportRule[] = [
  {
    from: 'src/report',
    to: ['src/router', 'src/backends', 'src/cli'],
    why: 'a report is a pure function of run data',
  },
  {
    from: 'src/router',
    to: ['src/sim', 'src/cli', 'src/report', 'src/serve', 'src/bench'],
    why: 'the router is the production path; what drives it sits above it',
  },
  { from: 'src/backends', to: ['src/router'], why: 'backends answer calls; the router decides which' },
  {
    from: 'src/config',
    to: ['src/router', 'src/sim', 'src/cli', 'src/report'],
    why: 'config is read by everyone and reads none of them',
  },
  {
    from: 'src/contract',
    to: ['src/config', 'src/router', 'src/backends', 'src/sim', 'src/cli', 'src/report'],
    why: 'the contract is what router and backends share',
  },
  {
    from: 'src/core',
    to: ['src/config', 'src/router', 'src/backends', 'src/sim', 'src/cli', 'src/report'],
    why: 'clocks and rng are shared by every layer',
  },
];

describe('import rules', () => {
  const graph = readImportGraph(root);

  it('reads the project (a graph that found nothing would pass every rule)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/sim/run-simulation.ts')).toContain('src/sim/run-once.ts');
  });

  it('has no import circle between source files', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('breaks no layer rule', () => {
    const breaks = ruleBreaks(graph, RULES).map((b) => `${b.file} → ${b.imports} (${b.rule.why})`);
    expect(breaks).toEqual([]);
  });

  it('finds a circle and a broken rule when there is one', () => {
    const planted = new Map([
      ['src/sim/a.ts', ['src/sim/b.ts']],
      ['src/sim/b.ts', ['src/sim/c.ts']],
      ['src/sim/c.ts', ['src/sim/a.ts']],
      ['src/report/view.ts', ['src/router/types.ts']],
      ['src/router/types.ts', []],
    ]);
    expect(importCycles(planted)).toEqual([['src/sim/a.ts', 'src/sim/b.ts', 'src/sim/c.ts']]);
    expect(ruleBreaks(planted, RULES).map((b) => [b.file, b.imports])).toEqual([
      ['src/report/view.ts', 'src/router/types.ts'],
    ]);
  });

  it('keeps every source file to 400 lines or fewer', async () => {
    const { readFileSync } = await import('node:fs');
    const long = [...graph.keys()]
      .map((file) => ({ file, lines: readFileSync(`${root}/${file}`, 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 400)
      .map(({ file, lines }) => `${file}: ${lines}`);
    expect(long).toEqual([]);
  });
});
