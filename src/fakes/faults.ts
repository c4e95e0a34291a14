import { createRng, type Rng } from '../core/rng.js';

/** Faults the mock server can inject, per model, by script or by rate. */
export const FAULT_KINDS = [
  'ok',
  'rate_limit',
  'server_error',
  'overloaded',
  'not_found',
  'auth',
  'reset',
  'hang',
  'cut',
  'malformed',
  'stream_error',
  'slow_first_token',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  /** Consumed one per request, in order; after the script, `rates` apply. */
  script?: FaultKind[];
  /** Probability of each fault per request. */
  rates?: Partial<Record<FaultKind, number>>;
}

/** Decides the fault of each request per model: the script first, then seeded draws from the rates. */
export class FaultInjector {
  private readonly scripts = new Map<string, FaultKind[]>();
  private readonly rng: Rng;

  constructor(
    private readonly plans: Record<string, FaultPlan> = {},
    seed = 1,
  ) {
    for (const [model, plan] of Object.entries(plans))
      if (plan.script) this.scripts.set(model, [...plan.script]);
    this.rng = createRng(seed);
  }

  next(model: string): FaultKind {
    const script = this.scripts.get(model);
    if (script?.length) return script.shift()!;
    const rates = this.plans[model]?.rates;
    if (!rates) return 'ok';
    let x = this.rng();
    for (const kind of FAULT_KINDS) {
      const rate = rates[kind] ?? 0;
      if (x < rate) return kind;
      x -= rate;
    }
    return 'ok';
  }

  /** Adds to a model's script (tests and the CLI). */
  script(model: string, ...faults: FaultKind[]): void {
    const list = this.scripts.get(model) ?? [];
    list.push(...faults);
    this.scripts.set(model, list);
  }
}

/** Parses `MODEL=KIND[,KIND…]` (script) or `MODEL=KIND:RATE` (rate) from the command line. */
export function parseFaultOption(entry: string, plans: Record<string, FaultPlan>): void {
  const at = entry.lastIndexOf('=');
  if (at <= 0) throw new Error(`--fault ${entry}: expected MODEL=KIND[,KIND…] or MODEL=KIND:RATE`);
  const model = entry.slice(0, at);
  const plan = (plans[model] ??= {});
  for (const part of entry.slice(at + 1).split(',')) {
    const [kind, rate] = part.split(':') as [string, string | undefined];
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new Error(`--fault ${entry}: unknown fault '${kind}'; expected one of ${FAULT_KINDS.join(', ')}`);
    if (rate === undefined) (plan.script ??= []).push(kind as FaultKind);
    else {
      const value = Number(rate);
      if (!(value >= 0 && value <= 1)) throw new Error(`--fault ${entry}: rate must be between 0 and 1`);
      (plan.rates ??= {})[kind as FaultKind] = value;
    }
  }
}
