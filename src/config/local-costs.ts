import { CATALOGUE_DATE, HARDWARE_CATALOGUE, KV_CACHE_MB_PER_TOKEN } from '../cost/hardware-catalogue.js';
import { isLocalTier } from '../contract/request.js';
import type { RawConfig } from './schema.js';
import type { YamlSource } from './yaml-source.js';

/** One machine type, resolved: its monthly cost, power and memory, and the models placed on it. */
export interface HardwareItem {
  name: string;
  description: string;
  /** Purchase ÷ amortisation months, or the rent; per machine. */
  usdPerMonth: number;
  count: number;
  gpuMemoryGb: number;
  idleWatts: number;
  busyWatts: number;
  hoursOnPerDay: number;
  /** Enabled local models placed on it, with what each holds in memory (weights + KV cache for its context). */
  models: { name: string; residentGb: number; weightsGb: number; kvGb: number }[];
  source: string;
}

/** One line of the fixed local cost, per month. */
export interface CostItem {
  name: string;
  kind: 'hardware' | 'ops' | 'fixed';
  usdPerMonth: number;
  detail: string;
  source: string;
}

export interface LocalCosts {
  usdPerKwh: number;
  /** All fixed local costs per month: the hardware items, people's time and the bare monthly figure. */
  fixedUsdPerMonth: number;
  items: CostItem[];
  hardware: HardwareItem[];
  /** Idle energy of the hardware per day, kWh (busy energy counts per model's busy time). */
  idleKwhPerDay: number;
}

/** Watts a placed model adds while busy: its machine's busy draw above idle. */
export function placedWatts(item: HardwareItem): number {
  return Math.max(0, item.busyWatts - item.idleWatts);
}

/**
 * Resolves `local_costs` and each local model's placement. A placement whose resident models (weights and
 * KV cache for their context window) do not fit the machine's memory is refused with file:line.
 */
export function resolveLocalCosts(raw: RawConfig, source: YamlSource): LocalCosts {
  const hardware: HardwareItem[] = raw.local_costs.hardware.map((spec, index) => {
    const path = ['local_costs', 'hardware', index];
    const base = spec.catalogue === undefined ? undefined : HARDWARE_CATALOGUE[spec.catalogue];
    if (spec.catalogue !== undefined && !base)
      throw source.errorAt(
        [...path, 'catalogue'],
        `no catalogue entry '${spec.catalogue}'; expected one of ${Object.keys(HARDWARE_CATALOGUE).join(', ')}`,
      );
    const purchase =
      spec.purchase_usd ?? (spec.rent_usd_per_month === undefined ? base?.purchaseUsd : undefined);
    const months = spec.amortisation_months ?? base?.amortisationMonths;
    const rent =
      spec.rent_usd_per_month ?? (spec.purchase_usd === undefined ? base?.rentUsdPerMonth : undefined);
    if (purchase !== undefined && rent !== undefined)
      throw source.errorAt(path, `hardware '${spec.name}' gives both a purchase price and a rent; give one`);
    if (purchase === undefined && rent === undefined)
      throw source.errorAt(
        path,
        `hardware '${spec.name}' has no cost: expected purchase_usd with amortisation_months, rent_usd_per_month, or a catalogue entry`,
      );
    if (purchase !== undefined && months === undefined)
      throw source.errorAt(path, `hardware '${spec.name}' has purchase_usd but no amortisation_months`);
    const memory = spec.gpu_memory_gb ?? base?.gpuMemoryGb;
    if (memory === undefined)
      throw source.errorAt(path, `hardware '${spec.name}' has no gpu_memory_gb (or a catalogue entry)`);
    const overridden = Object.keys(spec).some(
      (k) => !['name', 'catalogue', 'count', 'hours_on_per_day'].includes(k),
    );
    return {
      name: spec.name,
      description: spec.description ?? base?.description ?? spec.name,
      usdPerMonth: rent ?? purchase! / months!,
      count: spec.count,
      gpuMemoryGb: memory,
      idleWatts: spec.idle_watts ?? base?.idleWatts ?? 0,
      busyWatts: spec.busy_watts ?? base?.busyWatts ?? raw.local_costs.default_watts,
      hoursOnPerDay: spec.hours_on_per_day,
      models: [],
      source: base
        ? `catalogue ${spec.catalogue} (${CATALOGUE_DATE}; ${base.source})${overridden ? `, overridden in ${source.file}` : ''}`
        : `given in ${source.file}`,
    };
  });
  const byName = new Map(hardware.map((h) => [h.name, h]));
  raw.models.forEach((model, index) => {
    if (model.hardware === undefined) return;
    const path = ['models', index, 'hardware'];
    if (!isLocalTier(model.tier))
      throw source.errorAt(path, `'${model.name}' is an API model; only local models are placed on hardware`);
    const item = byName.get(model.hardware);
    if (!item)
      throw source.errorAt(
        path,
        `no hardware named '${model.hardware}' under local_costs.hardware${hardware.length ? ` (there are: ${hardware.map((h) => h.name).join(', ')})` : ''}`,
      );
    if (!model.enabled) return;
    if (model.size_gb === undefined)
      throw source.errorAt(
        ['models', index],
        `'${model.name}' is placed on hardware but has no size_gb to check it fits`,
      );
    const perToken = model.kv_cache_mb_per_token ?? KV_CACHE_MB_PER_TOKEN[model.model ?? model.name];
    if (perToken === undefined)
      throw source.errorAt(
        ['models', index],
        `'${model.name}' is placed on hardware but its KV cache size is unknown; set kv_cache_mb_per_token (layers × KV heads × head size × 4 bytes ÷ 1,048,576)`,
      );
    const kvGb = (perToken * model.context_window) / 1024;
    item.models.push({ name: model.name, weightsGb: model.size_gb, kvGb, residentGb: model.size_gb + kvGb });
    const resident = item.models.reduce((sum, m) => sum + m.residentGb, 0);
    if (resident > item.gpuMemoryGb)
      throw source.errorAt(
        path,
        `the models placed on '${item.name}' do not fit: ${item.models
          .map(
            (m) =>
              `${m.name} ${m.residentGb.toFixed(1)} GB (${m.weightsGb} weights + ${m.kvGb.toFixed(1)} KV cache)`,
          )
          .join(
            ', ',
          )} need ${resident.toFixed(1)} GB, and it has ${item.gpuMemoryGb} GB. Place some on another item, or choose one with more memory`,
      );
  });
  const costs = raw.local_costs;
  const items: CostItem[] = hardware.map((h) => ({
    name: h.name,
    kind: 'hardware',
    usdPerMonth: h.usdPerMonth * h.count,
    detail: `${h.count > 1 ? `${h.count} × ` : ''}${h.description}`,
    source: h.source,
  }));
  if (costs.ops_hours_per_month > 0)
    items.push({
      name: 'operations',
      kind: 'ops',
      usdPerMonth: costs.ops_hours_per_month * costs.ops_usd_per_hour,
      detail: `${costs.ops_hours_per_month} h a month at $${costs.ops_usd_per_hour}/h`,
      source: `given in ${source.file}`,
    });
  if (costs.fixed_usd_per_month > 0)
    items.push({
      name: 'fixed',
      kind: 'fixed',
      usdPerMonth: costs.fixed_usd_per_month,
      detail: 'fixed_usd_per_month (a bare monthly figure)',
      source: `given in ${source.file}`,
    });
  return {
    usdPerKwh: costs.usd_per_kwh,
    fixedUsdPerMonth: items.reduce((sum, i) => sum + i.usdPerMonth, 0),
    items,
    hardware,
    idleKwhPerDay: hardware.reduce((sum, h) => sum + (h.idleWatts * h.hoursOnPerDay * h.count) / 1000, 0),
  };
}
