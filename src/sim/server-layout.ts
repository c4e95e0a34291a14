import type { RouterConfig } from '../config/router-config.js';

/** Machines per hardware item: its `count`, or the count given for it (a servers-needed trial). */
export function serverCounts(
  config: RouterConfig,
  counts: ReadonlyMap<string, number> = new Map(),
): Map<string, number> {
  const servers = new Map(config.localCosts.hardware.map((h) => [h.name, h.count]));
  for (const [name, count] of counts) servers.set(name, count);
  return servers;
}
