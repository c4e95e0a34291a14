import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ollama } from 'ollama';
import { createRealBackends } from '../backends/real-backends.js';
import { ollamaHost } from '../backends/ollama-backend.js';
import { END_OF_LIFE_SOURCE, lifecycleWarnings } from '../cost/model-lifecycle.js';
import type { ModelConfig, RouterConfig } from '../config/router-config.js';
import { isLocalTier } from '../router/types.js';
import { createRealClock } from '../core/clock.js';
import { checkGguf, engineInfo, INSTALL_HINT } from '../llamacpp/engine.js';

const run = promisify(execFile);

/** One line of the checklist: ✓ ok, ✗ fail, – not applicable. Only required failures fail the run. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  hint?: string;
  required: boolean;
}

export interface DoctorOptions {
  config: RouterConfig;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Send a 1-token test call to each API model. */
  ping?: boolean;
  /** Free disk wanted for models, GB. @default 50 */
  minDiskGb?: number;
  /** Where models are stored (disk check). @default $OLLAMA_MODELS or ~/.ollama/models (its nearest existing parent) */
  modelsDir?: string;
  /** Abort network checks after this long, ms. @default 3000 */
  timeoutMs?: number;
}

/** GB of memory a local model needs: its weights plus ~20% for context and runtime. */
export function ramNeededGb(model: ModelConfig): number {
  return (model.sizeGb ?? 0) * 1.2;
}

async function gpuCheck(): Promise<DoctorCheck> {
  for (const [tool, args] of [
    ['nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader']],
    ['rocm-smi', ['--showproductname']],
  ] as const) {
    try {
      const { stdout } = await run(tool, [...args], { timeout: 5000 });
      return {
        name: 'GPU',
        status: 'ok',
        detail: `${tool}: ${stdout.trim().split('\n').join('; ')}`,
        required: false,
      };
    } catch {
      // not installed or no device: try the next tool
    }
  }
  return {
    name: 'GPU',
    status: 'skip',
    detail: 'no nvidia-smi or rocm-smi: local models will run on the CPU (slower)',
    hint: 'install the NVIDIA or ROCm driver tools if this machine has a GPU',
    required: false,
  };
}

async function nearestExisting(path: string): Promise<string> {
  let current = path;
  for (let i = 0; i < 20; i++) {
    try {
      await statfs(current);
      return current;
    } catch {
      const parent = join(current, '..');
      if (parent === current) break;
      current = parent;
    }
  }
  return '/';
}

/**
 * The design document's pre-deployment checklist as checks: hardware, Ollama and pulled models, API keys
 * (never printed), config. Only what the enabled models need is required.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const { config } = options;
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 3000;
  const checks: DoctorCheck[] = [];
  const enabled = config.models.filter((m) => m.enabled);
  const local = enabled.filter((m) => isLocalTier(m.tier));
  const api = enabled.filter((m) => !isLocalTier(m.tier));

  checks.push({
    name: 'Config',
    status: 'ok',
    detail: `${options.configFile}: ${enabled.length} enabled model(s), valid`,
    required: true,
  });
  for (const warning of lifecycleWarnings(config.models, new Date().toISOString().slice(0, 10)))
    checks.push({
      name: `End of life: ${warning.model}`,
      status: warning.status === 'retired' ? 'fail' : 'ok',
      detail: warning.message,
      hint: `source: ${END_OF_LIFE_SOURCE}`,
      required: warning.status === 'retired',
    });
  checks.push(await gpuCheck());

  const ramGb = totalmem() / 1e9;
  const hungriest = [...local].sort((a, b) => ramNeededGb(b) - ramNeededGb(a))[0];
  if (hungriest) {
    const need = ramNeededGb(hungriest);
    checks.push({
      name: 'RAM',
      status: ramGb >= need ? 'ok' : 'fail',
      detail: `${ramGb.toFixed(1)} GB; the largest enabled local model, ${hungriest.name} (${hungriest.sizeGb ?? '?'} GB), needs ~${need.toFixed(1)} GB`,
      ...(ramGb >= need ? {} : { hint: `disable ${hungriest.name} or run it on a machine with more memory` }),
      required: true,
    });
  }

  const minDisk = options.minDiskGb ?? 50;
  const dir = await nearestExisting(
    options.modelsDir ?? env['OLLAMA_MODELS'] ?? join(homedir(), '.ollama', 'models'),
  );
  const stats = await statfs(dir);
  const freeGb = (stats.bavail * stats.bsize) / 1e9;
  checks.push({
    name: 'Disk',
    status: freeGb >= minDisk ? 'ok' : 'fail',
    detail: `${freeGb.toFixed(1)} GB free at ${dir} (want ≥ ${minDisk} GB for models)`,
    ...(freeGb >= minDisk ? {} : { hint: 'free disk space or point OLLAMA_MODELS at a larger disk' }),
    required: local.length > 0,
  });

  const ollamaModels = local.filter((m) => m.provider === 'ollama');
  const hosts = [...new Set(ollamaModels.map((m) => ollamaHost(m.endpoint.host, env)))];
  for (const host of hosts) {
    const client = new Ollama({
      host,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
    let tags: string[] | undefined;
    try {
      const { version } = await client.version();
      tags = (await client.list()).models.map((m) => m.name);
      checks.push({
        name: 'Ollama',
        status: 'ok',
        detail: `${host} reachable, version ${version}`,
        required: true,
      });
    } catch (error) {
      checks.push({
        name: 'Ollama',
        status: 'fail',
        detail: `${host} not reachable (${(error as Error).message})`,
        hint: 'install Ollama (https://ollama.com) and run `ollama serve`, or set OLLAMA_HOST; `hybridllm mock-server` stands in for trying things',
        required: true,
      });
    }
    for (const model of ollamaModels.filter((m) => ollamaHost(m.endpoint.host, env) === host)) {
      if (!tags) {
        checks.push({
          name: `Model ${model.name}`,
          status: 'skip',
          detail: 'Ollama not reachable',
          required: true,
        });
        continue;
      }
      const pulled = tags.some((t) => t === model.model || t === `${model.model}:latest`);
      checks.push({
        name: `Model ${model.name}`,
        status: pulled ? 'ok' : 'fail',
        detail: pulled ? `pulled (${model.tier})` : `not pulled (${model.tier})`,
        ...(pulled ? {} : { hint: `ollama pull ${model.model}` }),
        required: true,
      });
    }
  }

  const llamacppModels = local.filter((m) => m.provider === 'llamacpp');
  if (llamacppModels.length) {
    const info = await engineInfo();
    checks.push(
      'error' in info
        ? { name: 'llama.cpp', status: 'fail', detail: info.error, hint: INSTALL_HINT, required: true }
        : {
            name: 'llama.cpp',
            status: 'ok',
            detail: `node-llama-cpp ${info.release}, ${info.backend} backend, ${info.cores} cores`,
            required: true,
          },
    );
    for (const model of llamacppModels) {
      try {
        checkGguf(model.llamacpp!.modelPath, model.name);
        checks.push({
          name: `Model ${model.name}`,
          status: 'ok',
          detail: `${model.llamacpp!.modelPath} is a GGUF file`,
          required: true,
        });
      } catch (error) {
        checks.push({
          name: `Model ${model.name}`,
          status: 'fail',
          detail: (error as Error).message,
          hint: 'point model_path at a .gguf file (Ollama keeps them under ~/.ollama/models/blobs)',
          required: true,
        });
      }
    }
  }

  for (const model of api) {
    const reference = model.endpoint.apiKey;
    const variable = reference?.slice(2, -1);
    const set = variable ? Boolean(env[variable]) : model.provider === 'openai-compatible';
    checks.push({
      name: `API key ${model.name}`,
      status: set ? 'ok' : 'fail',
      detail: variable
        ? `${variable} is ${set ? 'set' : 'not set'}`
        : set
          ? 'no key needed'
          : 'no api_key reference in the config',
      ...(set
        ? {}
        : {
            hint: variable
              ? `export ${variable}=…  (or disable ${model.name})`
              : `add endpoint.api_key: "\${ENV_VAR}" to ${model.name}`,
          }),
      required: true,
    });
    if (options.ping && set) {
      const backends = createRealBackends({ clock: createRealClock(), configFile: options.configFile, env });
      try {
        const reply = await backends[model.provider].doGenerate({
          model,
          request: { prompt: 'ping' },
          requestId: 'doctor',
          complexity: 'SIMPLE',
          expects: 'text',
          purpose: 'answer',
          prompt: 'Reply with the single word: pong',
          maxTokens: 1,
          step: 0,
          signal: AbortSignal.timeout(Math.max(timeoutMs, 15_000)),
        });
        checks.push({
          name: `Ping ${model.name}`,
          status: 'ok',
          detail: `answered in ${Math.round(reply.latencyMs)} ms (${reply.outputTokens} token)`,
          required: true,
        });
      } catch (error) {
        checks.push({
          name: `Ping ${model.name}`,
          status: 'fail',
          detail: `${(error as Error).name}: ${(error as Error).message}`,
          hint: 'check the key, the base URL and the model name',
          required: true,
        });
      }
    }
  }
  return checks;
}

export function doctorPassed(checks: readonly DoctorCheck[]): boolean {
  return checks.every((c) => c.status !== 'fail' || !c.required);
}
