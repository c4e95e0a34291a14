import { execFile } from 'node:child_process';
import { cpus, release, totalmem, type } from 'node:os';
import { promisify } from 'node:util';
import { Ollama } from 'ollama';
import type { ModelConfig } from '../config/router-config.js';
import { ollamaHost } from '../backends/ollama-backend.js';

const run = promisify(execFile);

export interface Hardware {
  cpu: string;
  cores: number;
  ramGb: number;
  gpu: string;
  os: string;
  node: string;
  ollama: Record<string, { version?: string; error?: string }>;
  models: Record<string, { digest?: string; quantization?: string; parameterSize?: string; family?: string }>;
}

/** What the results were measured on: CPU, RAM, GPU, OS, Ollama's version, model digests and quantisation. */
export async function captureHardware(
  models: readonly ModelConfig[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Hardware> {
  let gpu = 'none found (no nvidia-smi)';
  try {
    const { stdout } = await run(
      'nvidia-smi',
      ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'],
      { timeout: 5000 },
    );
    gpu = stdout.trim().split('\n').join('; ');
  } catch {
    // no NVIDIA GPU or driver tools
  }
  const ollama: Hardware['ollama'] = {};
  const details: Hardware['models'] = {};
  for (const host of new Set(
    models.filter((m) => m.provider === 'ollama').map((m) => ollamaHost(m.endpoint.host, env)),
  )) {
    const client = new Ollama({
      host,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(3000) }),
    });
    try {
      ollama[host] = { version: (await client.version()).version };
      const tags = (await client.list()).models;
      for (const model of models.filter(
        (m) => m.provider === 'ollama' && ollamaHost(m.endpoint.host, env) === host,
      )) {
        const tag = tags.find((t) => t.name === model.model || t.name === `${model.model}:latest`);
        if (tag)
          details[model.name] = {
            digest: tag.digest,
            quantization: tag.details.quantization_level,
            parameterSize: tag.details.parameter_size,
            family: tag.details.family,
          };
      }
    } catch (error) {
      ollama[host] = { error: (error as Error).message };
    }
  }
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    ramGb: Math.round((totalmem() / 1e9) * 10) / 10,
    gpu,
    os: `${type()} ${release()}`,
    node: process.version,
    ollama,
    models: details,
  };
}
