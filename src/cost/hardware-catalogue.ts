/**
 * A small, dated catalogue of hardware to run local models on. Every figure is an assumption with its
 * source and date: list prices change and a buyer pays what a vendor quotes. A config names an entry
 * (`catalogue: consumer-24gb`) and overrides any field.
 */
export interface HardwareSpec {
  description: string;
  /** Purchase price, USD, with its amortisation; or a rent per month (then energy is in the rent). */
  purchaseUsd?: number;
  amortisationMonths?: number;
  rentUsdPerMonth?: number;
  /** Memory the models and their KV caches can use, GB. */
  gpuMemoryGb: number;
  /** Whole machine at idle and under load, W (0 for rented machines: the rent pays the power). */
  idleWatts: number;
  busyWatts: number;
  /** Where the figures come from, and when. */
  source: string;
}

/** The catalogue's date: when its prices were last checked. */
export const CATALOGUE_DATE = '2026-11';

const HOURS_PER_MONTH = (365 / 12) * 24;

export const HARDWARE_CATALOGUE: Readonly<Record<string, HardwareSpec>> = {
  'consumer-24gb': {
    description: 'Desktop with one NVIDIA GeForce RTX 4090 (24 GB)',
    purchaseUsd: 2_800,
    amortisationMonths: 36,
    gpuMemoryGb: 24,
    idleWatts: 60,
    busyWatts: 550,
    source:
      'assumed: RTX 4090 launch price $1,599 (NVIDIA, Oct 2022) plus a $1,200 host PC; 450 W board power plus ~100 W for the host',
  },
  'workstation-48gb': {
    description: 'Workstation with one NVIDIA RTX 6000 Ada (48 GB)',
    purchaseUsd: 8_300,
    amortisationMonths: 36,
    gpuMemoryGb: 48,
    idleWatts: 80,
    busyWatts: 420,
    source:
      'assumed: RTX 6000 Ada launch price $6,800 (NVIDIA, Dec 2022) plus a $1,500 host; 300 W board power plus the host',
  },
  'apple-96gb': {
    description: 'Apple Mac Studio, M3 Ultra, 96 GB unified memory (72 GB usable by the GPU)',
    purchaseUsd: 3_999,
    amortisationMonths: 36,
    gpuMemoryGb: 72,
    idleWatts: 15,
    busyWatts: 270,
    source:
      "assumed: $3,999 standard configuration (Apple, Mar 2025, as reported by Macworld); macOS lets the GPU wire ~75% of memory by default; watts from Apple's power figures rounded",
  },
  'cloud-48gb': {
    description: 'Rented cloud GPU with 48 GB (L40S class), on all month',
    rentUsdPerMonth: Math.round(0.9 * HOURS_PER_MONTH),
    gpuMemoryGb: 48,
    idleWatts: 0,
    busyWatts: 0,
    source: 'assumed: ~$0.90 an hour on demand (typical L40S rates, 2025); check your provider',
  },
  'cloud-80gb': {
    description: 'Rented cloud GPU with 80 GB (A100/H100 class), on all month',
    rentUsdPerMonth: Math.round(2.5 * HOURS_PER_MONTH),
    gpuMemoryGb: 80,
    idleWatts: 0,
    busyWatts: 0,
    source: 'assumed: ~$2.50 an hour on demand (typical H100 PCIe rates, 2025); check your provider',
  },
};

/**
 * KV cache per token of context, MB, for the shipped local models: layers × KV heads × head size × 2 (K and
 * V) × 2 bytes (fp16), from each model's published config.json. Unknown models need
 * `kv_cache_mb_per_token` in config.
 */
export const KV_CACHE_MB_PER_TOKEN: Readonly<Record<string, number>> = {
  // 32 layers × 32 heads × 96 × 2 × 2 bytes (no grouped-query attention)
  'phi3:mini': (32 * 32 * 96 * 4) / 1_048_576,
  // 32 layers × 8 KV heads × 128 × 2 × 2
  'llama3:8b': (32 * 8 * 128 * 4) / 1_048_576,
  'mixtral:8x7b': (32 * 8 * 128 * 4) / 1_048_576,
  // 56 layers × 8 KV heads × 128 × 2 × 2
  'codestral:22b': (56 * 8 * 128 * 4) / 1_048_576,
  // 80 layers × 8 KV heads × 128 × 2 × 2
  'llama3:70b': (80 * 8 * 128 * 4) / 1_048_576,
};
