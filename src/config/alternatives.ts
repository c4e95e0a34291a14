import type { Alternative, ModelConfig } from './router-config.js';
import type { RawConfig } from './schema.js';
import type { YamlSource } from './yaml-source.js';
import { COMPLEXITIES, type Complexity } from '../contract/request.js';

/** Cost of a typical call (1,000 input and 300 output tokens), to rank API models by price. */
function typicalCallUsd(model: ModelConfig): number {
  return (1000 * model.price.inputPerMtok + 300 * model.price.outputPerMtok) / 1e6;
}

/**
 * The API-only alternatives, resolved: `baselines:` from the config, or by default api-premium (everything to
 * the first enabled API model: the baseline of earlier versions) and api-tiered (the cheapest API model the
 * config lists, enabled or not, for SIMPLE and MODERATE, escalating to the premium model; the premium model
 * for COMPLEX). Model names are checked with file:line.
 */
export function resolveAlternatives(
  raw: RawConfig,
  models: readonly ModelConfig[],
  source: YamlSource,
): Alternative[] {
  const api = models.filter((m) => m.tier === 'API_FALLBACK');
  const premium = api.find((m) => m.enabled);
  if (!premium) return [];
  const cheapest = [...api].sort((a, b) => typicalCallUsd(a) - typicalCallUsd(b))[0]!;
  const chainsOf = (pick: (c: Complexity) => ModelConfig): Record<Complexity, ModelConfig[]> =>
    Object.fromEntries(
      COMPLEXITIES.map((c) => {
        const first = pick(c);
        return [c, first === premium ? [premium] : [first, premium]];
      }),
    ) as Record<Complexity, ModelConfig[]>;
  const premiumAlternative: Alternative = {
    name: 'api-premium',
    description: `everything to ${premium.name}`,
    chains: chainsOf(() => premium),
    premium: true,
  };
  if (!raw.baselines) {
    const tiered: Alternative = {
      name: 'api-tiered',
      description: `${cheapest.name} for SIMPLE and MODERATE (escalating to ${premium.name}), ${premium.name} for COMPLEX`,
      chains: chainsOf((c) => (c === 'COMPLEX' ? premium : cheapest)),
    };
    return cheapest === premium ? [premiumAlternative] : [premiumAlternative, tiered];
  }
  const byName = new Map(models.map((m) => [m.name, m]));
  const alternatives: Alternative[] = [];
  for (const [name, spec] of Object.entries(raw.baselines)) {
    if (spec === 'premium') {
      alternatives.push({ ...premiumAlternative, name });
      continue;
    }
    const pick = (c: Complexity): ModelConfig => {
      const wanted = spec[c];
      if (wanted === undefined) return premium;
      const model = byName.get(wanted);
      if (!model)
        throw source.errorAt(
          ['baselines', name, c],
          `no model named '${wanted}'; known: ${[...byName.keys()].join(', ')}`,
        );
      if (model.tier !== 'API_FALLBACK')
        throw source.errorAt(
          ['baselines', name, c],
          `'${wanted}' is a local model; an API-only alternative names API models`,
        );
      return model;
    };
    const chains = chainsOf(pick);
    alternatives.push({
      name,
      description:
        spec.description ??
        COMPLEXITIES.map((c) => `${c}: ${chains[c].map((m) => m.name).join(' → ')}`).join('; '),
      chains,
    });
  }
  return alternatives;
}
