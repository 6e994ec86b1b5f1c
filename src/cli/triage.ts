import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import type { Command } from 'commander';
import { compareFindings, type Finding } from '../model/finding.ts';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../model/severity.ts';
import type { Problem, Skipped } from '../model/problem.ts';
import { DEFAULT_RECORD_BUDGET_MS } from '../triage/budget.ts';
import { printable, where, type Report } from '../report/report.ts';
import type { HtmlSection } from '../report/html.ts';
import { chooseFormat, FORMATS, Output } from './output.ts';
import { Progress } from './progress.ts';
import { exitCode, UsageError } from './exit.ts';
import { VERSION } from './version.ts';
import { renderTimeline } from '../report/timeline.ts';
import { ruleSetFor, type SigmaConfig } from '../rules/sigma/detector.ts';
import type { SigmaLevel } from '../rules/sigma/rule.ts';
import type { MailConfig } from '../mail/detector.ts';
import { EngineOptionError, loadEngine, type Engine } from '../engine/engine.ts';
import { openScan } from '../engine/session.ts';
import type { ProfileName } from '../engine/profiles.ts';
import type { InventoryEntry } from '../exchange/inventory-input.ts';
import { checkOrgName } from '../store/org-name.ts';

const SIGMA_LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

export interface CommonOptions {
  format?: string;
  out?: string;
  failOn: string;
  quiet?: boolean;
  progress: boolean;
  intel?: string[];
  builtinIntel: boolean;
  yara?: string[];
  jobs?: string;
  timeline?: boolean;
  sigma?: string[];
  sigmaPlaceholder?: string[];
  sigmaMinLevel?: string;
  recordBudget?: string;
  /** Set by `mail scan`: scoring options for the mail.verdict detector. */
  mailConfig?: MailConfig;
  /** Also write the findings to the case store, under this organisation. */
  org?: string;
  db?: string;
}

/** Options every scanning command shares. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option(
      '-f, --format <format>',
      `report format: ${FORMATS.join(', ')} (default: from --out's extension, else text)`,
    )
    .option('-o, --out <file>', 'write the report to this file instead of standard output')
    .option(
      '--fail-on <severity>',
      `exit 1 when a finding is at or above this severity (${SEVERITIES.join(', ')})`,
      'high',
    )
    .option(
      '-q, --quiet',
      'no progress display and no problem messages on stderr (the report still lists them)',
    )
    .option('--no-progress', 'no progress display')
    .option('--timeline', 'text report as a timeline: one line per finding in time order')
    .option(
      '--intel <feed...>',
      'also match the indicators in these feeds (STIX 2.1, MISP JSON, CISA CHIRP YAML, CSV, plain lists)',
    )
    .option('--no-builtin-intel', 'do not load the built-in HAFNIUM, NOBELIUM and SUNBURST packs')
    .option(
      '--record-budget <ms>',
      `milliseconds a detector may spend on one record before it is reported and, for Sigma, stopped for that record; 0 = no budget (default ${DEFAULT_RECORD_BUDGET_MS})`,
    )
    .option('--org <name>', 'also write the findings to the case store, under this organisation')
    .option(
      '--db <url>',
      'the case store for --org: SQLite file (default ./vigil.db), sqlite:PATH, postgres://…',
    );
}

/** `--record-budget MS` as a number of milliseconds (whole, 0 to 60000), or undefined for the default. */
export function recordBudgetOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !(n >= 0 && n <= 60_000))
    throw new UsageError(
      `--record-budget must be a whole number of milliseconds from 0 to 60000 (got "${raw}")`,
    );
  return n;
}

/** Options for running Sigma rules over Windows events and IIS logs. */
export function addSigmaOptions(cmd: Command, withRules = true): Command {
  if (withRules)
    cmd.option(
      '--sigma <rules...>',
      'also run these Sigma rule files or folders over Windows events (EVTX, XML, CSV) and IIS logs',
    );
  return cmd
    .option(
      '--sigma-placeholder <name=value...>',
      'a value for a %name% placeholder in Sigma rules (|expand); repeat a name for several values',
    )
    .option(
      '--sigma-min-level <level>',
      `load only Sigma rules at or above this level (${SIGMA_LEVELS.join(', ')})`,
    );
}

/** Checks the Sigma options and loads the rules once (the scan's detectors reuse the compiled set). */
export function sigmaConfig(opts: CommonOptions): SigmaConfig | undefined {
  if (!opts.sigma?.length) return undefined;
  const placeholders: Record<string, string[]> = {};
  for (const p of opts.sigmaPlaceholder ?? []) {
    const m = /^([^=]+)=(.*)$/s.exec(p);
    if (!m) throw new UsageError(`--sigma-placeholder must be name=value (got "${p}")`);
    (placeholders[m[1]!.replace(/^%|%$/g, '')] ??= []).push(m[2]!);
  }
  const level = opts.sigmaMinLevel;
  if (level !== undefined && !(SIGMA_LEVELS as readonly string[]).includes(level))
    throw new UsageError(`--sigma-min-level must be one of ${SIGMA_LEVELS.join(', ')} (got "${level}")`);
  for (const p of opts.sigma)
    if (!existsSync(p)) throw new UsageError(`no such Sigma rule file or folder: ${p}`);
  const cfg: SigmaConfig = {
    paths: opts.sigma,
    ...(Object.keys(placeholders).length ? { placeholders } : {}),
    ...(level ? { minLevel: level as SigmaLevel } : {}),
  };
  const rs = ruleSetFor(cfg); // compiled once; the engine lists the rules it could not load
  if (!opts.quiet) {
    const s = rs.summary();
    process.stderr.write(
      `vigil: sigma: ${s.loaded} rules loaded${s.unsupported ? `, ${s.unsupported} not evaluable on these log kinds` : ''}${s.errors ? `, ${s.errors} invalid (listed in the report)` : ''}${s.skipped ? `, ${s.skipped} left out by level or status` : ''} — details: vigil sigma --check ${opts.sigma.join(' ')}\n`,
    );
  }
  if (rs.rules.length === 0)
    throw new UsageError(`no Sigma rule could be loaded from ${opts.sigma.join(', ')}`);
  return cfg;
}

export function triageCommand(program: Command): void {
  const cmd = program
    .command('triage')
    .summary('walk files, folders and archives and run every detector on what they hold')
    .description(
      `Walk files, folders and .zip/.gz archives, recognise each file by its content
(mail messages and mbox, Exchange HttpProxy / ECP / OAB logs, IIS W3C logs, DNS logs,
web pages), run every registered detector on the records and write one report.

Files of no known kind are still hashed and checked against the built-in indicator packs,
and are listed as "not parsed" with the reason. A corrupt or unreadable file is reported
with its path (and line) and the run goes on.`,
    )
    .argument('<path...>', 'files, folders or archives to examine');
  addSigmaOptions(addCommonOptions(cmd))
    .addHelpText(
      'after',
      `
Examples:
  $ vigil triage examples/incident
  $ vigil triage /cases/ex01-collection.zip --format html --out ex01.html
  $ vigil triage /mnt/evidence --format jsonl | jq 'select(.severity=="critical")'

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
2 usage error, or an input could not be fully read (and no finding reached --fail-on).`,
    )
    .action(async (paths: string[], opts: CommonOptions) => {
      process.exitCode = await runTriage(paths, opts);
    });
}

export async function runTriage(paths: string[], opts: CommonOptions): Promise<number> {
  return runScan(paths, opts, { command: 'triage', profile: 'triage' });
}

export interface ScanCommand {
  readonly command: string;
  /** What the engine runs (readers, detectors, conclusions): see src/engine/profiles.ts. */
  readonly profile: ProfileName;
  /** Exchange servers' builds as probed (exchange hunt --inventory), for the profile's verdicts. */
  readonly inventory?: readonly InventoryEntry[];
  /** A text report of the command's own, instead of the generic one. */
  readonly text?: (report: Report, color: boolean) => string;
  /** Sections of the command's own at the top of the HTML report. */
  readonly htmlSections?: (report: Report) => readonly HtmlSection[];
  /** Report formats of the command's own beside the common ones (e.g. `stix` for intel match). */
  readonly formats?: Readonly<Record<string, (report: Report) => string>>;
}

/** Scan paths with the given readers and detectors, report, and return the exit code. */
export async function runScan(paths: string[], opts: CommonOptions, cmd: ScanCommand): Promise<number> {
  if (!isSeverity(opts.failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${opts.failOn}")`);
  const failOn: Severity = opts.failOn;
  const recordBudgetMs = recordBudgetOption(opts.recordBudget);
  const own = opts.format !== undefined ? cmd.formats?.[opts.format] : undefined;
  const format = own ? 'text' : chooseFormat(opts.format, opts.out);
  if (opts.db !== undefined && opts.org === undefined) throw new UsageError('--db needs --org ORG');
  const orgProblem = opts.org !== undefined ? checkOrgName(opts.org) : null;
  if (orgProblem) throw new UsageError(`--org: ${orgProblem}`);
  for (const p of paths) {
    try {
      await stat(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
  }
  for (const f of opts.intel ?? []) {
    try {
      await stat(f);
    } catch {
      throw new UsageError(`no such intel feed: ${f}`);
    }
  }
  for (const f of opts.yara ?? []) {
    try {
      await stat(f);
    } catch {
      throw new UsageError(`no such YARA rule file: ${f}`);
    }
  }
  const jobs = opts.jobs === undefined ? undefined : Number(opts.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64))
    throw new UsageError(`--jobs must be a whole number from 1 to 64 (got "${opts.jobs}")`);
  const sigma = sigmaConfig(opts);
  let engine: Engine;
  try {
    engine = loadEngine({
      intel: opts.intel ?? [],
      builtinIntel: opts.builtinIntel,
      ...(opts.yara?.length ? { yara: opts.yara } : {}),
      ...(sigma ? { sigma } : {}),
      ...(opts.mailConfig ? { mail: opts.mailConfig } : {}),
    });
  } catch (e) {
    if (e instanceof EngineOptionError) throw new UsageError(e.message);
    throw e;
  }
  const text = own
    ? (r: Report) => own(r)
    : opts.timeline
      ? (r: Report, color: boolean) => renderTimeline(r, { color })
      : cmd.text;
  const output = new Output(format, opts.out, process.stdout, text, cmd.htmlSections);
  const progress = new Progress(process.stderr, !opts.quiet && opts.progress);
  progress.countInBackground(paths);

  const findings: Finding[] = [];
  const problems: Problem[] = [...engine.problems];
  const skipped: Skipped[] = [];
  const startedAt = new Date().toISOString();
  for (const r of engine.feeds) {
    if (!opts.quiet && (opts.intel ?? []).includes(r.file)) {
      process.stderr.write(
        `vigil: intel ${r.file}: ${r.loaded} indicators (${r.format})${r.rejected.length ? `, ${r.rejected.length} rejected` : ''}${r.unsupported.length ? `, ${r.unsupported.length} not evaluable` : ''} — details: vigil intel import ${r.file}\n`,
      );
    }
  }
  const session = openScan(engine, {
    profile: cmd.profile,
    ...(jobs !== undefined ? { jobs } : {}),
    ...(recordBudgetMs !== undefined ? { recordBudgetMs } : {}),
    ...(cmd.inventory ? { inventory: cmd.inventory } : {}),
    onEvent(e) {
      if (e.type === 'finding') {
        findings.push(e.finding);
        output.finding(e.finding);
        progress.finding();
      } else if (e.type === 'problem') {
        const p = e.problem;
        problems.push(p);
        if (!opts.quiet && p.level === 'error') {
          progress.done();
          process.stderr.write(`vigil: ${printable(`${where(p)}: ${p.message}`)}\n`);
        }
      } else skipped.push(e.skipped);
    },
    onBytes: (n) => progress.addBytes(n),
    onFileDone: (path) => progress.fileDone(path),
  });
  await session.add(paths);
  progress.done();
  const { stats, rules } = await session.close();

  findings.sort(compareFindings);
  if (opts.org !== undefined) {
    try {
      const { storeFindings } = await import('../store/sink.ts');
      const r = await storeFindings(opts.db, opts.org, findings, `vigil ${cmd.command} ${paths.join(' ')}`);
      if (!opts.quiet)
        process.stderr.write(
          `vigil: ${printable(`case store ${r.where}: ${r.added} findings added to ${opts.org}, ${r.duplicates} already there`)}\n`,
        );
    } catch (e) {
      problems.push({
        level: 'error',
        source: { path: opts.db ?? 'vigil.db' },
        message: `case store: ${(e as Error).message}`,
      });
      if (!opts.quiet) process.stderr.write(`vigil: ${printable(`case store: ${(e as Error).message}`)}\n`);
    }
  }
  const base = paths.length === 1 ? await baseDir(paths[0]!) : undefined;
  const report: Report = {
    tool: { name: 'vigil', version: VERSION },
    command: cmd.command,
    roots: paths,
    ...(base !== undefined ? { base } : {}),
    startedAt,
    finishedAt: new Date().toISOString(),
    findings,
    problems,
    skipped,
    rules,
    stats,
  };
  await output.finish(report);
  return exitCode(
    findings.some((f) => atLeast(f.severity, failOn)),
    problems.some((p) => p.level === 'error'),
  );
}

async function baseDir(root: string): Promise<string> {
  const st = await stat(root);
  return st.isDirectory() ? resolve(root) : dirname(resolve(root));
}
