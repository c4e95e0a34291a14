/**
 * A problem in a file the user wrote (config, scenario, workload). The CLI prints `message` as one paragraph
 * and exits with code 2; no stack trace.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is ConfigError {
    return error instanceof Error && error.name === 'ConfigError';
  }
}
