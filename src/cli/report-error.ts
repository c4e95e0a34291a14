import { BackendError, BudgetExhaustedError } from '../backends/errors.js';
import { ConfigError } from '../config/config-error.js';
import { LedgerError } from '../ledger/ledger-db.js';

/** Exit codes: 0 ok, 1 failure at run time, 2 bad input (config, scenario, workload, flags), 3 budget exhausted. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, budget: 3 } as const;

/**
 * The one place error classes become exit codes and one-paragraph messages. Stack traces only with
 * HYBRIDLLM_DEBUG=1.
 */
export function reportError(
  error: unknown,
  write: (line: string) => void = (l) => process.stderr.write(l),
): number {
  if (process.env['HYBRIDLLM_DEBUG'] && error instanceof Error) write(`${error.stack}\n`);
  if (ConfigError.isInstance(error)) {
    write(`error: ${error.message}\n`);
    return EXIT.badInput;
  }
  if (error instanceof UsageError) {
    write(`error: ${error.message}\n`);
    return EXIT.badInput;
  }
  if (error instanceof LedgerError) {
    write(`error: ${error.message}\n`);
    return error.badFile ? EXIT.badInput : EXIT.failure;
  }
  if (error instanceof BudgetExhaustedError) {
    write(`error: ${error.message}\n`);
    return EXIT.budget;
  }
  if (BackendError.isInstance(error)) {
    write(`error: ${error.name} from model ${error.model}: ${error.message}\n`);
    return EXIT.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${message}\n`);
  return EXIT.failure;
}

/** A bad combination of command-line flags. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
