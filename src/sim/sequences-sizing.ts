import type { ServerStats } from '../backends/simulated/simulated-backend.js';
import type { RouterConfig } from '../config/router-config.js';
import type { SimulationProfile } from '../config/schema.js';
import type { MaterialisedRun } from './run-spec.js';
import { DEFAULT_LOCAL_P95_MS, serversNeeded } from './servers-needed.js';

/** A simulation profile whose server runs `factor` times the sequences at once, at the same rates. */
function withSequences(profile: SimulationProfile, factor: number): SimulationProfile {
  const capacity = profile.capacity;
  return capacity
    ? { ...profile, capacity: { ...capacity, max_concurrency: capacity.max_concurrency * factor } }
    : profile;
}

/**
 * The machines each item needs to keep up if every local model ran `factor` times the sequences at once
 * (Ollama runs up to 4 with OLLAMA_NUM_PARALLEL, vLLM dozens), each at its measured rate beyond the last
 * measured point (flat, as the capacity model extends a curve): an upper bound on what batching buys.
 */
export async function serversAtSequences(
  run: MaterialisedRun,
  capacity: Record<string, ServerStats>,
  factor: number,
  config: RouterConfig,
): Promise<Record<string, number | null>> {
  const scaled: RouterConfig = {
    ...config,
    models: config.models.map((m) => ({ ...m, simulation: withSequences(m.simulation, factor) })),
  };
  const profiles = run.profiles
    ? new Map([...run.profiles].map(([name, p]) => [name, withSequences(p, factor)]))
    : undefined;
  const needed = await serversNeeded(
    { ...run, config: scaled, profiles },
    capacity,
    run.localP95Ms ?? DEFAULT_LOCAL_P95_MS,
    { config: scaled, keepUpOnly: true },
  );
  return Object.fromEntries(Object.entries(needed).map(([item, n]) => [item, n.keepsUp]));
}
