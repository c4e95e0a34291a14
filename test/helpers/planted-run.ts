import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/sim/simulate.js';
import { tempDir } from './temp.js';

export const FLAKY_CONFIG = new URL('../fixtures/flaky-fast.yaml', import.meta.url).pathname;
export const PLANTED_SCRIPT = '<script>window.__planted = "executed"</script>';

/**
 * A run folder from a recorded workload whose prompts carry a planted <script>, on a config whose fast model
 * fails often, so the report's worked fallback example shows that prompt.
 */
export async function plantedRun(): Promise<string> {
  const dir = tempDir();
  const workload = join(dir, 'planted.csv');
  const rows = Array.from(
    { length: 60 },
    (_, i) =>
      `2026-02-0${1 + Math.floor(i / 20)}T10:${String(i % 60).padStart(2, '0')}:00Z,classification,"Label this ${PLANTED_SCRIPT.replace(/"/g, '""')} ticket",400,60,json,label;confidence`,
  );
  writeFileSync(
    workload,
    `timestamp,action,prompt,input_tokens,output_tokens,expects,required_fields\n${rows.join('\n')}\n`,
  );
  const { runDir } = await simulate({
    configFile: FLAKY_CONFIG,
    workload: { file: workload },
    out: join(dir, 'reports'),
    parallel: false,
    command: 'test',
  });
  return runDir!;
}
