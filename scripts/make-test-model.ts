/**
 * Writes a tiny llama-architecture GGUF with random weights, for llama.cpp timing and plumbing tests.
 * Usage: npm run make-test-model -- [--dim 64] [--layers 2] [--heads 4] [--seed 1] [--never-ends] --out FILE
 */
import { writeTestModel } from '../src/llamacpp/gguf-writer.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = flag('out');
if (!out) {
  console.error(
    'usage: npm run make-test-model -- [--dim 64] [--layers 2] [--heads 4] [--seed 1] [--never-ends] --out FILE',
  );
  process.exit(2);
}
const number = (name: string): number | undefined =>
  flag(name) === undefined ? undefined : Number(flag(name));
const { bytes, parameters } = writeTestModel(out, {
  ...(number('dim') ? { dim: number('dim')! } : {}),
  ...(number('layers') ? { layers: number('layers')! } : {}),
  ...(number('heads') ? { heads: number('heads')! } : {}),
  ...(number('seed') ? { seed: number('seed')! } : {}),
  ...(args.includes('--never-ends') ? { neverEnds: true } : {}),
});
console.log(
  `wrote ${out}: ${(bytes / 1e6).toFixed(2)} MB, ${parameters.toLocaleString('en-US')} parameters (random weights: gibberish output, for timing and plumbing only)`,
);
