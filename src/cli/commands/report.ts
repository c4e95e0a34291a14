import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadConfigFile } from '../../config/load-config.js';
import { openLedgerReader } from '../../ledger/ledger-reader.js';
import { summaryFromLedger } from '../../ledger/ledger-summary.js';
import { parseWhen } from '../../ledger/usage-query.js';
import { PAPERS, printPdf, type Paper } from '../../report/print-pdf.js';
import { loadRun, renderReport, renderReportFromDirs } from '../../report/render-report.js';
import type { LoadedRun } from '../../report/report-model.js';
import { configOption, configSets, resolveConfigPath } from '../options.js';
import { UsageError } from '../report-error.js';

interface ReportArgs {
  runs?: string[];
  out?: string;
  'from-ledger': boolean;
  since: string;
  until?: string;
  ledger?: string;
  against?: string;
  config?: string;
  pdf?: string;
  paper: Paper;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report [runs..]',
  describe: 'Render the HTML savings report from saved run folders (several give one comparative report)',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm report RUN_DIR [RUN_DIR…] [--out FILE] [--pdf [FILE]]
       hybridllm report --from-ledger [--ledger FILE] [--since 7d] [--against RUN_DIR] [--out FILE]

Renders one self-contained HTML file (inline CSS and SVG charts, no script, no network) from run folders written by \`hybridllm simulate\`. It leads with the verdict: the hybrid's all-in yearly cost against the cheapest API-only alternative, and the volume where the hardware pays for itself. Then: how sure (a tornado of the assumptions, and where each would flip the verdict), what to deploy (hardware, models used, utilisation, risks), costs (against volume, item by item, twelve months), success metrics, tiers, latency, cost vs quality, quality, escalations, models used, glossary and assumptions. Several folders give one comparison (one chart, one table, shared scales) with each scenario's detail collapsed below. It reads on a phone and prints on A4 or Letter with its tables; --pdf prints it through Chromium when one is installed. The HTML is a pure function of the folders: rendering again gives the same bytes.`,
      )
      .positional('runs', { type: 'string', array: true, describe: 'Run folders (reports/<run-id>)' })
      .option('from-ledger', {
        type: 'boolean',
        default: false,
        describe:
          "Render from real usage in the ledger (the SQLite file, or the fleet's PostgreSQL with ledger.url / $HYBRIDLLM_LEDGER_URL): what it cost vs pure API for the same tokens",
      })
      .option('since', {
        type: 'string',
        default: '30d',
        describe: 'With --from-ledger: start (7d, 24h, or a date)',
      })
      .option('until', { type: 'string', describe: 'With --from-ledger: end (exclusive)' })
      .option('ledger', {
        type: 'string',
        describe: 'With --from-ledger: a SQLite ledger file (instead of the configured ledger)',
      })
      .option('against', {
        type: 'string',
        describe:
          "With --from-ledger: a simulation's run folder, to set its predictions beside what happened",
      })
      .option('config', configOption)
      .option('out', {
        type: 'string',
        describe: 'Output file (default: RUN_DIR/report.html for one run, ./report.html for several)',
      })
      .option('pdf', {
        type: 'string',
        describe:
          'Also print it to PDF through Chromium (apt-get install -y chromium; or $HYBRIDLLM_CHROMIUM). Default file: the HTML path with .pdf',
      })
      .option('paper', {
        choices: PAPERS,
        default: 'a4' as Paper,
        describe: 'With --pdf: paper size',
      })
      .example('$0 report reports/20261124-221346-heavy-s33', 'writes report.html into the run folder')
      .example('$0 report reports/20261124-221346-heavy-s33 --pdf', 'and report.pdf beside it')
      .example(
        '$0 report reports/*-light-* reports/*-medium-* reports/*-heavy-* --out comparison.html',
        'one comparative report',
      )
      .example(
        '$0 report --from-ledger --since 7d --against reports/20261124-221346-heavy-s33',
        'last week as it happened, beside the prediction',
      ) as unknown as Argv<ReportArgs>,
  handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
    const runs = args.runs ?? [];
    let html: string;
    if (args['from-ledger']) {
      if (runs.length === 1 && statSync(runs[0]!, { throwIfNoEntry: false })?.isDirectory() !== true)
        // `--from-ledger FILE` reads as a run folder; say where the file goes.
        throw new UsageError(
          `--from-ledger takes no value: to read the SQLite ledger ${runs[0]}, pass it as --ledger ${runs[0]}`,
        );
      if (runs.length)
        throw new UsageError(
          'give run folders or --from-ledger (with --against RUN_DIR to compare), not both',
        );
      const config = loadConfigFile(resolveConfigPath(args.config), undefined, configSets(args));
      const ledger = await openLedgerReader(config, args.ledger ? { file: args.ledger } : {});
      try {
        const now = Date.now();
        const window = {
          sinceMs: parseWhen(args.since, now),
          untilMs: args.until ? parseWhen(args.until, now, '--until') : now + 1,
        };
        const actual: LoadedRun = {
          dir: 'ledger',
          name: 'usage ledger',
          summary: await summaryFromLedger(
            ledger.rows,
            window,
            config,
            `hybridllm ${process.argv.slice(2).join(' ')}`,
          ),
        };
        html = await renderReport(args.against ? [actual, loadRun(args.against)] : [actual]);
      } finally {
        await ledger.close();
      }
    } else {
      if (!runs.length) throw new UsageError('name at least one run folder, or use --from-ledger');
      if (args.against) throw new UsageError('--against applies to --from-ledger');
      html = await renderReportFromDirs(runs);
    }
    const out = args.out ?? (runs.length === 1 ? join(runs[0]!, 'report.html') : 'report.html');
    writeFileSync(out, html);
    process.stdout.write(`${out}\n`);
    if (args.pdf !== undefined) {
      const pdfOut = args.pdf || out.replace(/\.html?$/i, '') + '.pdf';
      try {
        const { pages } = await printPdf(html, pdfOut, { paper: args.paper });
        process.stdout.write(`${pdfOut} (${pages} ${args.paper === 'letter' ? 'Letter' : 'A4'} pages)\n`);
      } catch (error) {
        if (error instanceof Error) error.message = `${error.message} The HTML report is at ${out}.`;
        throw error;
      }
    }
  },
};
