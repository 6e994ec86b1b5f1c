import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ImportResult } from '../store/import.ts';
import { checkOrgName } from '../store/org-name.ts';
import { printable } from '../report/report.ts';
import { EXIT_USAGE_OR_INPUT, UsageError } from './exit.ts';

interface ImportCliOptions {
  org: string;
  db?: string;
  strict?: boolean;
  quiet?: boolean;
}

/** JSONL files named on the command line, and those inside named folders (recursively). */
async function jsonlFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (st.isFile()) out.push(p);
    else if (st.isDirectory()) {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      for (const e of entries)
        if (e.isFile() && /\.(jsonl|ndjson)$/i.test(e.name)) out.push(join(e.parentPath, e.name));
    }
  }
  return out.sort();
}

export function caseCommand(program: Command): void {
  const c = program.command('case').summary('the case store: findings of many organisations in one place');
  c.command('import')
    .summary('import findings written by vigil … --format jsonl into the case store')
    .description(
      `Import JSON Lines findings (from any vigil command run with --format jsonl) into the case
store, under one organisation. Each file is imported in one transaction: interrupted at any
moment, the store holds all of it or none of it. Findings already in the store (same rule,
host, source, time and evidence) are not added again, so importing twice changes nothing.

A malformed line is reported with its line number and skipped; with --strict the whole file
is refused instead.`,
    )
    .argument('<path...>', 'JSONL files, or folders holding *.jsonl files')
    .requiredOption('--org <name>', 'the organisation the findings belong to (Unicode allowed)')
    .option('--db <url>', 'the store: a SQLite file (default ./vigil.db), sqlite:PATH or postgres://…')
    .option('--strict', 'refuse a file whole if any line is malformed')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil triage /cases/acme --format jsonl --out acme.jsonl
  $ vigil case import --org "ACME Corp" acme.jsonl
  $ vigil case import --org "Ville de Québec" --db postgres://vigil@db/vigil reports/

Exit codes: 0 every file imported; 2 a file or line could not be imported (the rest were).`,
    )
    .action(async (paths: string[], opts: ImportCliOptions) => {
      process.exitCode = await runCaseImport(paths, opts);
    });
}

export async function runCaseImport(paths: readonly string[], opts: ImportCliOptions): Promise<number> {
  const bad = checkOrgName(opts.org);
  if (bad) throw new UsageError(`--org: ${bad}`);
  const files = await jsonlFiles(paths);
  if (!files.length) throw new UsageError(`no .jsonl files in ${paths.join(', ')}`);
  // Loaded on use, so that other commands start without the database drivers.
  const { openStore } = await import('../store/open.ts');
  const { importFile, StrictImportError } = await import('../store/import.ts');
  let store;
  try {
    store = await openStore(opts.db);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let failed = false;
  const say = (s: string) => process.stderr.write(`vigil: ${printable(s)}\n`);
  try {
    for (const file of files) {
      let r: ImportResult;
      try {
        r = await importFile(store, file, { org: opts.org, source: file, actor: 'cli', strict: opts.strict });
      } catch (e) {
        failed = true;
        say(e instanceof StrictImportError ? e.message : `${file}: ${(e as Error).message}`);
        continue;
      }
      for (const p of r.problems) say(`${file}:${p.line}: skipped: ${p.message}`);
      if (r.malformed > r.problems.length)
        say(`${file}: ${r.malformed - r.problems.length} more malformed lines skipped`);
      if (r.malformed) failed = true;
      if (!opts.quiet)
        process.stdout.write(
          `${printable(file)}: ${r.added} added, ${r.duplicates} already stored${r.malformed ? `, ${r.malformed} malformed lines skipped` : ''} (org ${printable(opts.org)}, ${store.where})\n`,
        );
    }
  } finally {
    await store.close();
  }
  return failed ? EXIT_USAGE_OR_INPUT : 0;
}
