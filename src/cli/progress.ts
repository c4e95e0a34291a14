import cliProgress from 'cli-progress';

/** Progress bars on stderr when it is a terminal; silent otherwise (CI logs, pipes, --json). */
export function createProgress(enabled: boolean): {
  update(label: string, done: number, total: number | undefined): void;
  stop(): void;
} {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {label} [{bar}] {percentage}% | {value}/{total} requests | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_grey,
  );
  const known = new Map<string, cliProgress.SingleBar>();
  return {
    update(label, done, total) {
      let bar = known.get(label);
      if (!bar) {
        // A streamed workload's length is not known until it ends: count what is done, with no percentage
        // or bar that would claim to know how much is left.
        const options =
          total === undefined ? { format: ' {label} {value} requests so far | {duration_formatted}' } : {};
        bar = bars.create(total ?? Number.MAX_SAFE_INTEGER, 0, { label: label.padEnd(16) }, options);
        known.set(label, bar);
      }
      bar.update(done);
    },
    stop() {
      bars.stop();
    },
  };
}
