/**
 * Router overhead: classify, each quality check, and a whole simulated route, beside a bare baseline (the same
 * request sent straight to the simulated backend, no routing). Prints medians; run with `npm run bench:router`.
 */
import { Bench } from 'tinybench';
import { createSimulatedBackend } from '../src/backends/simulated/simulated-backend.js';
import { writeAnswer } from '../src/backends/simulated/response-writer.js';
import { parseConfig } from '../src/config/load-config.js';
import { classify } from '../src/router/classify.js';
import { loadSyntaxChecker } from '../src/router/quality/code-parsers.js';
import { checkCoherence } from '../src/router/quality/coherence-check.js';
import { checkCompleteness } from '../src/router/quality/completeness-check.js';
import { checkFormat } from '../src/router/quality/format-check.js';
import { budgetCaps, createMemoryBudgetGuard } from '../src/ledger/budget-guard.js';
import { createRouter } from '../src/router/router.js';
import type { RouteRequest } from '../src/router/types.js';
import { createVirtualClock } from '../src/core/clock.js';
import { readFileSync } from 'node:fs';

const configFile = new URL('../llm_config.yaml', import.meta.url).pathname;
const config = parseConfig(readFileSync(configFile, 'utf8'), configFile);
await Promise.all([loadSyntaxChecker('python'), loadSyntaxChecker('typescript')]);

const fields = ['label', 'confidence', 'tags'];
// The smallest simulated answers of at least 1 KB.
const atLeast1k = (write: (units: number) => string): string => {
  for (let units = 1; ; units++) if (write(units).length >= 1024) return write(units);
};
const json1k = atLeast1k((units) => writeAnswer('json', fields, units, undefined, 0).text);
const python1k = atLeast1k((units) => writeAnswer('python', [], units, undefined, 0).text);
const jsonRequest: RouteRequest = {
  action: 'classification',
  prompt: 'Label this ticket',
  expects: 'json',
  requiredFields: fields,
  inputTokens: 800,
  outputTokens: 200,
};
const pythonRequest: RouteRequest = {
  action: 'edit_file',
  prompt: 'Generate a Python function to parse JSON',
  expects: 'python',
  inputTokens: 800,
  outputTokens: 120,
};

const clock = createVirtualClock();
const backend = createSimulatedBackend({ seed: 1, clock });
// The budget's alerts are counted, not printed: a benchmark prints only its figures.
let budgetAlerts = 0;
const budget = createMemoryBudgetGuard({ ...budgetCaps(config), onAlert: () => budgetAlerts++ });
const router = createRouter(config, { backends: backend, clock, budget });
const fast = config.models[0]!;
let i = 0;

const bench = new Bench({ time: 1500, warmup: true });
bench
  .add('classify (action map)', () => {
    classify(jsonRequest, config.actionComplexity);
  })
  .add('classify (prompt features)', () => {
    classify(
      { prompt: 'Write a function that merges two sorted arrays and explain why' },
      config.actionComplexity,
    );
  })
  .add(`format check: JSON ${json1k.length} B`, () => {
    checkFormat(json1k, 'json');
  })
  .add(`format check: Python ${python1k.length} B (tree-sitter, unmemoised)`, () => {
    checkFormat(python1k, 'python');
  })
  .add('completeness check (JSON fields)', () => {
    checkCompleteness(json1k, 'json', JSON.parse(json1k), fields, 'stop');
  })
  .add('coherence check', () => {
    checkCoherence(json1k, 'stop');
  })
  .add('baseline: simulated backend only (JSON)', async () => {
    await backend.doGenerate({
      model: fast,
      request: jsonRequest,
      requestId: `b${i++}`,
      complexity: 'SIMPLE',
      expects: 'json',
      purpose: 'answer',
      prompt: jsonRequest.prompt,
      inputTokens: 800,
      outputTokens: 200,
      maxTokens: 1024,
      step: 0,
    });
  })
  .add('route: simulated, JSON answer (whole router)', async () => {
    await router.route({ ...jsonRequest, id: `j${i++}` });
  })
  .add('route: simulated, Python answer (whole router)', async () => {
    await router.route({ ...pythonRequest, id: `p${i++}` });
  });

await bench.run();

const rows = bench.tasks.map((task) => {
  const result = task.result as unknown as { latency?: { p50?: number; mean?: number }; p50?: number };
  const p50 = result.latency?.p50 ?? result.p50 ?? NaN;
  return { task: task.name, p50Us: p50 * 1000 };
});
const baseline = rows.find((r) => r.task.startsWith('baseline'))!.p50Us;
console.log(
  `\nrouter bench (median per call, µs), node ${process.version}, JSON answer ${json1k.length} bytes, Python answer ${python1k.length} bytes`,
);
for (const row of rows) {
  const ratio = row.task.startsWith('route')
    ? `  (${(row.p50Us / baseline).toFixed(1)}× the bare backend)`
    : '';
  console.log(`${row.task.padEnd(62)} ${row.p50Us.toFixed(2).padStart(9)} µs${ratio}`);
}
const jsonRoute = rows.find((r) => r.task.startsWith('route: simulated, JSON'))!.p50Us;
if (budgetAlerts) console.log(`\n(${budgetAlerts} budget alert(s) from the measured router, not shown)`);
console.log(
  `\ntarget: whole simulated route with a 1 KB JSON answer < 50 µs median → ${jsonRoute.toFixed(2)} µs ${jsonRoute < 50 ? 'MET' : 'MISSED'}`,
);
