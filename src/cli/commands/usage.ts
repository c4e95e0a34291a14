import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadConfigFile } from '../../config/load-config.js';
import { existsSync } from 'node:fs';
import { openLedgerReader } from '../../ledger/ledger-reader.js';
import { redactUrl, resolveLedgerUrl } from '../../ledger/pg/ledger-url.js';
import { parseWhen, type UsageGrouping } from '../../ledger/usage-query.js';
import { formatCurrency, formatDuration, formatInteger, formatPercent } from '../../report/format-numbers.js';
import { configOption, configSets, resolveConfigPath } from '../options.js';
import { UsageError } from '../report-error.js';

interface UsageArgs {
  since: string;
  until?: string;
  by: UsageGrouping;
  json: boolean;
  export?: string;
  import?: string;
  'migrate-from'?: string;
  ledger?: string;
  config?: string;
}

export const usageCommand: CommandModule<object, UsageArgs> = {
  command: 'usage',
  describe:
    'Review real usage from the ledger: spend per day against budget, tiers, models, quality; export it',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm usage [--since 7d|DATE] [--until DATE] [--by day|model|tier|action] [--json]
hybridllm usage --export FILE.csv|FILE.jsonl [--since …]
hybridllm usage --import FILE.fallback.jsonl|SPOOL.jsonl
hybridllm usage --migrate-from FILE.db

The design document's weekly review from the usage ledger: spend per day against the daily budget, calls and cost per tier / model / action / instance, local share, fallback rate, pass rate, average confidence, latency p50/p95. The ledger is the fleet's PostgreSQL when ledger.url or $HYBRIDLLM_LEDGER_URL is set, else the SQLite file (--ledger, $HYBRIDLLM_LEDGER, the config's ledger.path, or ~/.hybridllm/usage.db). --migrate-from copies a SQLite ledger into PostgreSQL, every row (run it again and nothing is added twice).`,
      )
      .option('since', {
        type: 'string',
        default: '7d',
        describe: 'Start: a duration back from now (7d, 24h) or a date',
      })
      .option('until', { type: 'string', describe: 'End (exclusive): a date or date-time; default now' })
      .option('by', {
        choices: ['day', 'model', 'tier', 'action', 'instance'] as const,
        default: 'tier' as UsageGrouping,
        describe: 'Grouping of the breakdown table',
      })
      .option('json', { type: 'boolean', default: false })
      .option('export', {
        type: 'string',
        describe: 'Write every attempt in the window to FILE.csv or FILE.jsonl (streamed)',
      })
      .option('import', {
        type: 'string',
        describe:
          "Load rows written to a fallback JSONL while the ledger was unusable, or a fleet instance's spool",
      })
      .option('migrate-from', {
        type: 'string',
        describe:
          'Copy a SQLite ledger (FILE.db) into the PostgreSQL ledger (ledger.url / $HYBRIDLLM_LEDGER_URL)',
      })
      .option('ledger', {
        type: 'string',
        describe: 'A SQLite ledger file (instead of the configured ledger)',
      })
      .option('config', configOption)
      .example('$0 usage --since 7d --by day', "the last week's spend per day against the budget")
      .example(
        '$0 usage --export usage.csv --since 2026-11-01',
        'every attempt since a date, as CSV',
      ) as unknown as Argv<UsageArgs>,
  handler: async (args: ArgumentsCamelCase<UsageArgs>) => {
    const config = loadConfigFile(resolveConfigPath(args.config), undefined, configSets(args));
    if (args['migrate-from']) {
      const url = resolveLedgerUrl(config);
      if (!url)
        throw new UsageError(
          '--migrate-from copies a SQLite ledger into PostgreSQL: set ledger.url or $HYBRIDLLM_LEDGER_URL to the database first',
        );
      const source = args['migrate-from'];
      if (!existsSync(source)) throw new UsageError(`--migrate-from ${source}: no such file`);
      const { migrateToFleet } = await import('../../ledger/pg/migrate-from-sqlite.js');
      const count = await migrateToFleet(url, source, (done, total) => {
        if (process.stderr.isTTY)
          process.stderr.write(`\r  ${formatInteger(done)} / ${formatInteger(total)} requests`);
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        args.json
          ? `${JSON.stringify(count)}\n`
          : `migrated ${formatInteger(count.requests)} request(s) and ${formatInteger(count.attempts)} attempt(s) from ${source} into ${redactUrl(url)} (${formatInteger(count.attemptsAdded)} attempt(s) new; the rest were there already)\n`,
      );
      return;
    }
    const ledger = await openLedgerReader(config, {
      ...(args.ledger ? { file: args.ledger } : {}),
      write: Boolean(args.import),
    });
    try {
      if (args.import) {
        process.stdout.write(
          `imported ${formatInteger(await ledger.importFile(args.import))} request(s) into ${ledger.path}\n`,
        );
        return;
      }
      const now = Date.now();
      const window = {
        sinceMs: parseWhen(args.since, now),
        untilMs: args.until ? parseWhen(args.until, now, '--until') : now + 1,
      };
      if (window.untilMs <= window.sinceMs) throw new UsageError('--until must be after --since');
      if (args.export) {
        const rows = await ledger.exportTo(window, args.export);
        process.stdout.write(`exported ${formatInteger(rows)} attempt(s) to ${args.export}\n`);
        return;
      }
      const report = await ledger.report(window, args.by, config.dailyBudgetUsd, config.budgetTimezone);
      if (args.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const path = ledger.path;
      const lines = [
        `USAGE ${report.window.since.slice(0, 16).replace('T', ' ')} → ${report.window.until.slice(0, 16).replace('T', ' ')} UTC (${path})`,
        `${formatInteger(report.requests)} requests, ${formatInteger(report.attempts)} calls, ${formatCurrency(report.costUsd)} spent`,
        `local share ${formatPercent(report.localSharePct)}   fallback rate ${formatPercent(report.fallbackRatePct)}   pass rate ${formatPercent(report.passRatePct)}   avg confidence ${report.averageConfidence.toFixed(3)}   latency p50 ${formatDuration(report.latencyMs.p50)}, p95 ${formatDuration(report.latencyMs.p95)}`,
        '',
        `SPEND PER DAY (budget ${formatCurrency(report.dailyBudgetUsd)})`,
        ...report.perDay.map(
          (d) =>
            `  ${d.day}  ${formatInteger(d.requests).padStart(7)} requests  ${formatCurrency(d.costUsd).padStart(10)}  ${'█'.repeat(Math.min(40, Math.round((d.costUsd / (d.budgetUsd || 1)) * 40)))}${d.overBudget ? '  OVER BUDGET' : ''}`,
        ),
        '',
        `BY ${args.by.toUpperCase()}`.padEnd(34) + 'calls   requests        cost   pass rate',
        ...report.groups.rows.map(
          (r) =>
            `  ${r.key.padEnd(30)} ${formatInteger(r.calls).padStart(7)} ${formatInteger(r.requests).padStart(10)} ${formatCurrency(r.costUsd).padStart(11)} ${formatPercent(r.passRatePct).padStart(11)}`,
        ),
      ];
      if (report.requests === 0)
        lines.push(
          '',
          'No usage in this window: route requests with --backend real (or through the library with the ledger sink) first.',
        );
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await ledger.close();
    }
  },
};
