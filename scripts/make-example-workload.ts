/**
 * Writes datasets/example-workload.csv: two days of the medium scenario's synthetic agent loop as a recorded
 * workload (what a ledger export or a daemon's log would give), so `simulate --workload` has a file to try.
 * Usage: npx tsx scripts/make-example-workload.ts [OUT]
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { loadScenarioFile } from '../src/sim/load-scenario.js';
import { syntheticWorkload } from '../src/sim/synthetic-workload.js';

const out = process.argv[2] ?? new URL('../datasets/example-workload.csv', import.meta.url).pathname;
const scenario = { ...loadScenarioFile('medium'), days: 2 };
const rows: (string | number)[][] = [
  ['timestamp', 'action', 'prompt', 'input_tokens', 'output_tokens', 'expects', 'required_fields'],
];
for (const request of syntheticWorkload(scenario)) {
  rows.push([
    new Date(request.arrivalMs!).toISOString(),
    request.action ?? '',
    request.prompt,
    request.inputTokens ?? '',
    request.outputTokens ?? '',
    request.expects ?? 'text',
    (request.requiredFields ?? []).join(';'),
  ]);
}
writeFileSync(out, stringify(rows));
console.log(`wrote ${rows.length - 1} rows to ${out}`);
