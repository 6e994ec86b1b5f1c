import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { IntelIndex } from '../intel/index.ts';
import { loadFeed, type LoadReport } from '../intel/load/index.ts';
import { loadBuiltin } from '../intel/builtin.ts';
import { addCommonOptions, runScan, type CommonOptions } from './triage.ts';
import { renderStixSightings } from '../report/stix.ts';
import { EXIT_CLEAN, EXIT_USAGE_OR_INPUT, UsageError } from './exit.ts';

function summary(r: LoadReport, verbose: boolean, limit: number): string[] {
  const types =
    Object.entries(r.byType)
      .map(([t, n]) => `${n} ${t}`)
      .join(', ') || 'none';
  const out = [
    `${r.file}: ${r.format}, ${r.loaded} indicators loaded (${types})${r.rejected.length ? `, ${r.rejected.length} rejected` : ''}${r.unsupported.length ? `, ${r.unsupported.length} not evaluable on single records` : ''}`,
  ];
  for (const x of r.rejected.slice(0, verbose ? Infinity : limit))
    out.push(`  rejected ${x.where}: ${x.reason}${x.value ? ` — ${x.value.slice(0, 120)}` : ''}`);
  if (!verbose && r.rejected.length > limit)
    out.push(`  … ${r.rejected.length - limit} more rejected (--verbose lists all)`);
  for (const x of r.unsupported.slice(0, verbose ? Infinity : limit))
    out.push(`  not evaluated ${x.where}: ${x.reason.slice(0, 300)}`);
  if (!verbose && r.unsupported.length > limit)
    out.push(`  … ${r.unsupported.length - limit} more not evaluated (--verbose lists all)`);
  return out;
}

export function intelCommand(program: Command): void {
  const intel = program
    .command('intel')
    .summary('indicator feeds: validate, list, match')
    .description('Threat-intelligence feeds and the built-in packs.');

  intel
    .command('import')
    .summary('validate feeds and say what each gives')
    .description(
      `Load each feed as Vigil would (STIX 2.1 bundles with a full pattern parser, MISP events and feed
manifests, CISA CHIRP YAML, CSV with a header, plain lists with inferred types) and report,
per feed, how many indicators of each type were loaded, which were rejected and why (with file
and line or object), and which are valid but cannot be evaluated on single records.
Exit code 2 when a feed has rejected indicators.`,
    )
    .argument('<feed...>', 'feed files')
    .option('-v, --verbose', 'list every rejected and unevaluated entry')
    .option('--json', 'print the load reports as JSON')
    .action(async (feeds: string[], opts: { verbose?: boolean; json?: boolean }) => {
      for (const f of feeds) {
        try {
          await stat(f);
        } catch {
          throw new UsageError(`no such feed: ${f}`);
        }
      }
      const index = new IntelIndex();
      const reports = feeds.map((f) => loadFeed(f, index));
      if (opts.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else
        process.stdout.write(
          `${reports.flatMap((r) => summary(r, !!opts.verbose, 20)).join('\n')}\n${index.size} indicators in all\n`,
        );
      process.exitCode = reports.some((r) => r.rejected.length) ? EXIT_USAGE_OR_INPUT : EXIT_CLEAN;
    });

  intel
    .command('list')
    .summary('list the built-in indicator packs')
    .description(
      'Summarise the built-in packs (HAFNIUM, NOBELIUM, SUNBURST): files, formats and indicator counts; with --all, every indicator.',
    )
    .option('--all', 'print every indicator (type, value, pack, date, note, source) as tab-separated lines')
    .action((opts: { all?: boolean }) => {
      const index = new IntelIndex();
      const reports = loadBuiltin(index);
      if (opts.all) {
        const rows: string[] = [];
        for (const ind of index.all())
          rows.push(
            [ind.type, ind.raw, ind.feed, ind.date ?? '', ind.note ?? '', ind.source ?? '']
              .map((x) => x.replace(/[\t\n]/g, ' '))
              .join('\t'),
          );
        process.stdout.write(`${rows.join('\n')}\n`);
        return;
      }
      process.stdout.write(
        `${reports.flatMap((r) => summary(r, false, 3)).join('\n')}\n${index.size} indicators: ${Object.entries(
          index.countsByType(),
        )
          .map(([t, n]) => `${n} ${t}`)
          .join(', ')}\nProvenance and licences: src/intel/packs/PROVENANCE.md\n`,
      );
    });

  const match = intel
    .command('match')
    .summary('match indicators against anything triage can read')
    .description(
      'Run only the indicator matcher (built-in packs plus --intel feeds) over files, folders and archives: files by hash and path, file listings, DNS logs, Exchange and IIS logs, mail.',
    )
    .argument('<path...>', 'files, folders or archives');
  addCommonOptions(match)
    .addHelpText(
      'after',
      `
--format stix writes the matches as a STIX 2.1 bundle of sighting objects, one per indicator
that matched (sighting_of_ref its STIX id; first_seen, last_seen, count), for MISP or OpenCTI.
Indicators from feeds without STIX ids come with an indicator object of their own.

Examples:
  $ vigil intel match /cases/ex01 --intel mine.json --format jsonl
  $ vigil intel match dns-logs/ --intel mine.json --format stix --out sightings.json`,
    )
    .action(async (paths: string[], opts: CommonOptions) => {
      process.exitCode = await runScan(paths, opts, {
        command: 'intel match',
        profile: 'intel',
        formats: { stix: renderStixSightings },
      });
    });
}
