import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice, findProvider } from '@pydantic/genai-prices';

/** Prices of one model in USD per million tokens. */
export interface ModelPrice {
  inputPerMtok: number;
  outputPerMtok: number;
  cachedInputPerMtok: number;
  /** Input tokens written to a prompt cache (Anthropic). */
  cacheWriteInputPerMtok: number;
  /** Where the figures came from: a config override or the bundled price table with its version. */
  source: string;
}

export const FREE: ModelPrice = {
  inputPerMtok: 0,
  outputPerMtok: 0,
  cachedInputPerMtok: 0,
  cacheWriteInputPerMtok: 0,
  source: 'local model',
};

const PROVIDER_IDS: Record<string, string> = { anthropic: 'anthropic', openai: 'openai' };

let tableVersion: string | undefined;
/** The bundled price table's package and version, e.g. `@pydantic/genai-prices@0.1.8`. */
export function priceTableVersion(): string {
  if (!tableVersion) {
    const require = createRequire(import.meta.url);
    // The package does not export its package.json; read it beside the resolved entry point (dist/…).
    const entry = require.resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    tableVersion = `@pydantic/genai-prices@${pkg.version}`;
  }
  return tableVersion;
}

/**
 * Looks a model up in the bundled @pydantic/genai-prices data (offline; never updated at run time).
 * Called once per model at config load: `calcPrice` costs ~20 µs, too slow for the per-attempt hot path.
 * Tiered prices resolve to their base tier.
 */
export function lookupPrice(priceId: string, provider: string): ModelPrice | undefined {
  const options = PROVIDER_IDS[provider] ? { providerId: PROVIDER_IDS[provider] } : {};
  // Priced at a thousand tokens (below every long-context tier threshold), scaled to a million.
  const sample = 1_000;
  const scale = 1_000_000 / sample;
  const input = calcPrice({ input_tokens: sample, output_tokens: 0 }, priceId, options);
  if (!input) return undefined;
  const output = calcPrice({ input_tokens: 0, output_tokens: sample }, priceId, options);
  const cached = calcPrice(
    { input_tokens: sample, cache_read_tokens: sample, output_tokens: 0 },
    priceId,
    options,
  );
  const written = calcPrice(
    { input_tokens: sample, cache_write_tokens: sample, output_tokens: 0 },
    priceId,
    options,
  );
  const perMtok = (usd: number): number => Math.round(usd * scale * 1e6) / 1e6;
  return {
    inputPerMtok: perMtok(input.total_price),
    outputPerMtok: perMtok(output?.total_price ?? 0),
    cachedInputPerMtok: perMtok(cached?.total_price ?? input.total_price),
    cacheWriteInputPerMtok: perMtok(written?.total_price ?? input.total_price),
    source: `${priceTableVersion()} (${input.provider.id}/${input.model.id})`,
  };
}

/**
 * Cost of one call in USD. `inputTokens` is the total input, of which `cachedInputTokens` were read from and
 * `cacheWriteTokens` written to a prompt cache; each part at its own price, plus output tokens.
 */
export function priceTokens(
  price: ModelPrice,
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens = 0,
  cacheWriteTokens = 0,
): number {
  const uncached = Math.max(0, inputTokens - cachedInputTokens - cacheWriteTokens);
  return (
    (uncached * price.inputPerMtok +
      cachedInputTokens * price.cachedInputPerMtok +
      cacheWriteTokens * price.cacheWriteInputPerMtok +
      outputTokens * price.outputPerMtok) /
    1_000_000
  );
}

/**
 * The newest dated price change the bundled table records for these providers, on or before `today`
 * (YYYY-MM-DD): how current its prices are at least. The table carries no publication date of its own; it
 * also lists announced future changes, which are left out.
 */
export function priceTableNewestChange(providerIds: readonly string[], today: string): string | undefined {
  let newest: string | undefined;
  for (const id of new Set(providerIds)) {
    const provider = findProvider({ providerId: id });
    for (const model of provider?.models ?? []) {
      if (!Array.isArray(model.prices)) continue;
      for (const conditional of model.prices) {
        const constraint = conditional.constraint;
        const date =
          constraint && 'start_date' in constraint ? constraint.start_date.slice(0, 10) : undefined;
        if (date && date <= today && (!newest || date > newest)) newest = date;
      }
    }
  }
  return newest;
}
