/**
 * Capacity-model fidelity, measured. Run with `npm run bench:capacity`.
 *  1. Against `hybridllm mock-server --max-concurrency 4` (a capacity-limited fake whose decode slows 30% per
 *     extra sequence): sweep, then simulated against real replays at light, near-saturated and overloaded
 *     load. Target: throughput, TTFT p50 and end-to-end p50 within 10% at the first two.
 *  2. The same against the in-process llama.cpp engine (node-llama-cpp) on a generated test model with
 *     `parallel: 4` sequences. Target: within 15%.
 * Each prints the fitted profile and a table of simulated / measured with the difference.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatFidelity,
  largestDifference,
  MOCK_SERVER_ARGS,
  mockFidelity,
  runFidelity,
  type FidelityResult,
} from './capacity-fidelity.js';
import { writeTestModel } from '../src/llamacpp/gguf-writer.js';

const BIN = new URL('../bin/hybridllm', import.meta.url).pathname;
const ENV = { ANTHROPIC_API_KEY: 'mock', OPENAI_API_KEY: 'mock' };

function startMock(args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(BIN, ['mock-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      const url = /mock server on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ url, stop: () => void child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`mock-server exited with ${code}`)));
  });
}

function verdict(result: FidelityResult, tolerance: number): string {
  const worst = largestDifference(result);
  const again = result.levels.some((l) => l.measuredAgain)
    ? `; the real server against itself: ${(largestDifference(result, (l) => l.measuredAgain) * 100).toFixed(1)}%`
    : '';
  const [light, , over] = result.levels;
  const overload =
    over!.simulated.ttftP95 > 5 * light!.simulated.ttftP95 &&
    over!.measured.ttftP95 > 5 * light!.measured.ttftP95;
  return `largest difference at the first two levels ${(worst * 100).toFixed(1)}% (target ${tolerance * 100}%): ${worst <= tolerance ? 'met' : 'NOT met'}; overload shown by both: ${overload ? 'yes' : 'no'}${again}`;
}

const root = mkdtempSync(join(tmpdir(), 'hybridllm-bench-capacity-'));
try {
  // 1. The capacity-limited mock.
  {
    const dir = join(root, 'mock');
    const config = join(root, 'mock.yaml');
    writeFileSync(config, 'router:\n  self_critique: false\n');
    const mock = await startMock(['--config', config, ...MOCK_SERVER_ARGS]);
    try {
      mkdirSync(dir);
      const result = await runFidelity(mockFidelity(dir, config, mock.url, ENV));
      console.log(
        '\nmock-server --max-concurrency 4 --batch-slowdown 0.3 --wake-ms 60 --wake-after-ms 250 (20 ms to first token, 200 tokens/s alone; 60 ms more after 250 ms idle)',
      );
      console.log(formatFidelity(result));
      console.log(verdict(result, 0.1));
    } finally {
      mock.stop();
    }
  }

  // 2. llama.cpp in-process, four sequences.
  {
    const dir = join(root, 'llamacpp');
    mkdirSync(dir);
    const model = join(root, 'test-model.gguf');
    writeTestModel(model, { dim: 512, layers: 8, heads: 8, neverEnds: true });
    const tasks = join(root, 'task.jsonl');
    writeFileSync(
      tasks,
      `${JSON.stringify({ expects: 'text', required_fields: [], id: 'colour', action: 'summarization', prompt: 'Name one colour.', check: { kind: 'contains', values: ['red'] } })}\n`,
    );
    const config = join(root, 'llamacpp.yaml');
    writeFileSync(
      config,
      `router:
  self_critique: false
  # Every answer passes: the generated model's gibberish would fail the checks and escalate to the API
  # mock, whose streaming on these same two cores would slow llama.cpp in the replay but not in the sweep.
  quality_threshold: 0
  max_output_tokens: 24
  action_complexity: { summarization: SIMPLE, orchestration: COMPLEX }
  complexity_tier: { SIMPLE: LOCAL_FAST, MODERATE: LOCAL_FAST, COMPLEX: API_FALLBACK }
models:
  - name: test-model
    provider: llamacpp
    tier: LOCAL_FAST
    context_window: 512
    model_path: ${model}
    context_size: 2048
    parallel: 4
    simulation: { latency_ms: { min: 5, max: 10 }, defects: {} }
  - name: claude-sonnet-4-6
    provider: anthropic
    tier: API_FALLBACK
    context_window: 200000
    endpoint: { api_key: "\${ANTHROPIC_API_KEY}" }
    simulation: { latency_ms: { min: 500, max: 1000 }, defects: {} }
`,
    );
    // The API model (only the pure-API baseline calls it) answers from the mock.
    const mock = await startMock(['--config', config]);
    try {
      const result = await runFidelity({
        dir,
        configFile: config,
        model: 'test-model',
        sweepArgs: [
          '--tasks',
          tasks,
          '--sweep-steps',
          '1,2,4,8',
          '--sweep-requests',
          '32',
          '--max-tokens',
          '24',
        ],
        realArgs: ['--base-url', mock.url],
        levels: [
          { name: 'light', rate: 1.5, requests: 40 },
          { name: 'near saturation', rate: 5, requests: 150 },
          { name: 'overloaded', rate: 10, requests: 100 },
        ],
        header: 'action,prompt,input_tokens,output_tokens',
        row: (inputTokens) => `summarization,Name one colour.,${inputTokens},24`,
        env: ENV,
        repeatReal: true,
      });
      console.log(
        '\nllama.cpp in-process (node-llama-cpp), generated 512×8 test model, parallel: 4, 24-token answers',
      );
      console.log(formatFidelity(result));
      console.log(verdict(result, 0.15));
    } finally {
      mock.stop();
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
