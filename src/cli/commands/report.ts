import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { renderReportFromDirs } from '../../report/render-report.js';

interface ReportArgs {
  runs: string[];
  out?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe: 'Render the HTML savings report from saved run folders (several give one comparative report)',
  builder: (yargs: Argv) =>
    yargs
      .usage(
        `hybridllm report RUN_DIR [RUN_DIR…] [--out FILE]

Renders one self-contained HTML file (inline CSS and SVG charts, no script, no network; prints on A4/Letter)
from run folders written by \`hybridllm simulate\`: executive summary and scorecard, 12-month projection, tier
distribution, latency, cost vs quality, quality checks, fallback chains, model matrix, assumptions. The report
is a pure function of the folders: rendering again gives the same bytes.`,
      )
      .positional('runs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Run folders (reports/<run-id>)',
      })
      .option('out', {
        type: 'string',
        describe: 'Output file (default: RUN_DIR/report.html for one run, ./report.html for several)',
      })
      .example('$0 report reports/20261124-221346-heavy-s33', 'writes report.html into the run folder')
      .example(
        '$0 report reports/*-light-* reports/*-medium-* reports/*-heavy-* --out comparison.html',
        'one comparative report',
      ) as unknown as Argv<ReportArgs>,
  handler: async (args: ArgumentsCamelCase<ReportArgs>) => {
    const html = await renderReportFromDirs(args.runs);
    const out = args.out ?? (args.runs.length === 1 ? join(args.runs[0]!, 'report.html') : 'report.html');
    writeFileSync(out, html);
    process.stdout.write(`${out}\n`);
  },
};
