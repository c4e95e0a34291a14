import { readFileSync } from 'node:fs';
import { applySets, isBuiltIn, isPartialConfig, layerOverDefaults } from './config-layers.js';
import { checkInputFile } from './input-file.js';
import { resolveAlternatives } from './alternatives.js';
import { placedWatts, resolveLocalCosts } from './local-costs.js';
import { promptCacheRules, withCacheWritePrice } from '../cost/prompt-cache-rules.js';
import { FREE, lookupPrice } from '../cost/price-table.js';
import { COMPLEXITIES, isLocalTier } from '../contract/request.js';
import { ConfigError } from './config-error.js';
import type { ModelConfig, RouterConfig } from './router-config.js';
import { configSchema, WEIGHT_PRESETS, type RawConfig } from './schema.js';
import { YamlSource } from './yaml-source.js';

/**
 * Reads and validates a config file; every problem is a ConfigError with file:line:column. A partial file
 * (no `models` list) is merged over the built-in defaults; `sets` are `--set key.path=value` assignments,
 * applied last.
 */
export function loadConfigFile(
  file: string,
  overrides?: Record<string, unknown>,
  sets?: readonly string[],
): RouterConfig {
  try {
    checkInputFile(file, 'config');
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    throw new ConfigError(`${error.message} Pass --config FILE or create llm_config.yaml.`, file);
  }
  return parseConfig(readFileSync(file, 'utf8'), file, overrides, sets);
}

/**
 * Parses config text (YAML); `file` names it in messages. A partial config is layered over the built-in
 * defaults; overrides (a scenario's `config_overrides`), then `--set` assignments, apply before validation.
 */
export function parseConfig(
  text: string,
  file = 'llm_config.yaml',
  overrides?: Record<string, unknown>,
  sets?: readonly string[],
): RouterConfig {
  let source = YamlSource.parse(text, file);
  if (isPartialConfig(source.toJS()) && !isBuiltIn(file)) source = layerOverDefaults(source);
  if (overrides) source.applyOverrides(overrides);
  if (sets?.length) applySets(source, sets);
  const raw = source.validate(configSchema);
  return resolveConfig(raw, source);
}

/** Semantic checks a schema cannot express, then prices resolved once for the hot path. */
export function resolveConfig(raw: RawConfig, source: YamlSource): RouterConfig {
  const names = new Set<string>();
  const localCosts = resolveLocalCosts(raw, source);
  const placedOn = new Map(localCosts.hardware.flatMap((h) => h.models.map((m) => [m.name, h] as const)));
  const models = raw.models.map((model, index): ModelConfig => {
    if (model.provider === 'llamacpp' && !model.model_path)
      throw source.errorAt(
        ['models', index],
        `model '${model.name}' has provider llamacpp but no model_path; set it to a GGUF file`,
      );
    if (model.provider === 'llamacpp' && !isLocalTier(model.tier))
      throw source.errorAt(
        ['models', index, 'tier'],
        `a llamacpp model runs locally; expected tier LOCAL_FAST or LOCAL_QUALITY`,
      );
    if (names.has(model.name))
      throw source.errorAt(
        ['models', index, 'name'],
        `duplicate model name '${model.name}'; names must be unique`,
      );
    names.add(model.name);
    const local = isLocalTier(model.tier);
    const overridden = model.pricing && {
      inputPerMtok: model.pricing.input_per_mtok,
      outputPerMtok: model.pricing.output_per_mtok,
      cachedInputPerMtok: model.pricing.cached_input_per_mtok ?? model.pricing.input_per_mtok,
      cacheWriteInputPerMtok: model.pricing.cache_write_input_per_mtok ?? model.pricing.input_per_mtok,
      source: `config override in ${source.file}`,
    };
    const priceId = model.price_id ?? model.model ?? model.name;
    const listed = overridden ?? (local ? FREE : lookupPrice(priceId, model.provider));
    if (model.provider === 'anthropic' && typeof model.prompt_cache?.ttl === 'number')
      throw source.errorAt(
        ['models', index, 'prompt_cache', 'ttl'],
        `Anthropic caches for 5 minutes or 1 hour; expected '5m' or '1h', found ${model.prompt_cache.ttl}`,
      );
    const price = listed && withCacheWritePrice(listed, model.provider, model.prompt_cache);
    const promptCache = promptCacheRules(model.provider, model.model ?? model.name, model.prompt_cache);
    if (!price)
      throw source.errorAt(
        ['models', index],
        `no price found for API model '${priceId}' in the bundled price table; set 'pricing: {input_per_mtok, output_per_mtok}' or 'price_id' to a known model id`,
      );
    return {
      name: model.name,
      provider: model.provider,
      model: model.model ?? model.name,
      tier: model.tier,
      enabled: model.enabled,
      contextWindow: model.context_window,
      sizeGb: model.size_gb,
      endpoint: {
        ...(model.endpoint.host ? { host: model.endpoint.host } : {}),
        ...(model.endpoint.base_url ? { baseUrl: model.endpoint.base_url } : {}),
        ...(model.endpoint.api_key ? { apiKey: model.endpoint.api_key } : {}),
      },
      price,
      watts: !local
        ? 0
        : placedOn.has(model.name)
          ? placedWatts(placedOn.get(model.name)!)
          : (model.watts ?? raw.local_costs.default_watts),
      ...(placedOn.has(model.name) ? { hardware: placedOn.get(model.name)!.name } : {}),
      timeoutMs: model.timeout_ms ?? raw.router.timeouts_ms[model.tier],
      ...(model.provider === 'llamacpp'
        ? {
            llamacpp: {
              modelPath: model.model_path!,
              contextSize: model.context_size ?? 2048,
              ...(model.threads ? { threads: model.threads } : {}),
              parallel: model.parallel ?? 2,
              chatTemplate: model.chat_template ?? 'auto',
            },
          }
        : {}),
      simulation: model.simulation,
      ...(promptCache ? { promptCache } : {}),
      index,
    };
  });

  if (!models.some((m) => m.enabled))
    throw source.errorAt(['models'], 'no model is enabled; set `enabled: true` on at least one model');

  const router = raw.router;
  for (const complexity of COMPLEXITIES) {
    const tier = router.complexity_tier[complexity];
    if (!models.some((m) => m.enabled && m.tier === tier)) {
      const path =
        source.toJS() && hasKey(source, ['router', 'complexity_tier'])
          ? ['router', 'complexity_tier', complexity]
          : ['models'];
      throw source.errorAt(
        path,
        `${complexity} requests go to tier ${tier}, but no enabled model has tier ${tier}; enable one or map ${complexity} to another tier under router.complexity_tier`,
      );
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: router.budget_timezone });
  } catch {
    throw source.errorAt(
      ['router', 'budget_timezone'],
      `unknown time zone '${router.budget_timezone}'; expected an IANA name such as UTC or Europe/Berlin`,
    );
  }
  const weightsPreset = typeof router.weights === 'string' ? router.weights : 'custom';
  const weights = typeof router.weights === 'string' ? WEIGHT_PRESETS[router.weights] : router.weights;
  if (
    weights.format +
      weights.completeness +
      weights.coherence +
      weights.task +
      (router.self_critique ? weights.self_critique : 0) <=
    0
  )
    throw source.errorAt(
      ['router', 'weights'],
      'the quality-check weights add up to 0; at least one must be positive',
    );

  return {
    source: source.file,
    sourceText: source.text,
    qualityThreshold: router.quality_threshold,
    preferLocal: router.prefer_local,
    dailyBudgetUsd: router.daily_budget_usd,
    onBudgetExhausted: router.on_budget_exhausted,
    weeklyBudgetUsd: router.weekly_budget_usd,
    monthlyBudgetUsd: router.monthly_budget_usd,
    budgetAlertThreshold: router.budget_alert_threshold,
    ledger: {
      path: raw.ledger.path,
      storeText: raw.ledger.store_text,
      batchSize: raw.ledger.batch_size,
      url: raw.ledger.url,
      instance: raw.ledger.instance,
      spoolPath: raw.ledger.spool_path,
    },
    budget: {
      partitionOnOutage: raw.budget.partition_on_outage,
      reservationTimeoutMs: raw.budget.reservation_timeout_s * 1000,
    },
    serve: {
      host: raw.serve.host,
      port: raw.serve.port,
      apiKeys: raw.serve.api_keys,
      maxBodyBytes: raw.serve.max_body_bytes,
      maxConcurrentPerClient: raw.serve.max_concurrent_per_client,
      drainMs: raw.serve.drain_seconds * 1000,
      checkMode: raw.serve.check_mode,
      accessLog: raw.serve.access_log,
    },
    budgetTimezone: router.budget_timezone,
    selfCritique: router.self_critique,
    weights: {
      format: weights.format,
      completeness: weights.completeness,
      coherence: weights.coherence,
      selfCritique: weights.self_critique,
      task: weights.task,
      veto: { task: router.veto.includes('task'), selfCritique: router.veto.includes('self_critique') },
    },
    weightsPreset,
    taskChecks: {
      mathAnswer: router.task_checks.math_answer,
      codeTests: router.task_checks.code_tests,
      sandbox: {
        timeoutMs: router.task_checks.sandbox.timeout_ms,
        memoryMb: router.task_checks.sandbox.memory_mb,
      },
    },
    maxOutputTokens: router.max_output_tokens,
    retry: {
      maxRetries: router.retry.max_retries,
      baseDelayMs: router.retry.base_delay_ms,
      maxDelayMs: router.retry.max_delay_ms,
    },
    cooldown: { failures: router.cooldown.failures, ms: router.cooldown.seconds * 1000 },
    actionComplexity: router.action_complexity,
    complexityTier: router.complexity_tier,
    alternatives: resolveAlternatives(raw, models, source),
    localCosts,
    models,
  };
}

function hasKey(source: YamlSource, path: string[]): boolean {
  let value = source.toJS() as Record<string, unknown> | undefined;
  for (const part of path) {
    if (!value || typeof value !== 'object' || !(part in value)) return false;
    value = value[part] as Record<string, unknown>;
  }
  return true;
}
