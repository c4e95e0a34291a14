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
      if (!bar) known.set(label, (bar = bars.create(total ?? done, 0, { label: label.padEnd(16) })));
      if (total === undefined && done > bar.getTotal()) bar.setTotal(done * 2);
      bar.update(done);
    },
    stop() {
      bars.stop();
    },
  };
}
