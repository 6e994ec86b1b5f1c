import { IntelIndex } from '../intel/index.ts';
import { buildIndex } from '../intel/builtin.ts';
import type { LoadReport } from '../intel/load/index.ts';
import { reloadRuleSet, ruleSetFor, SIGMA_OPTIONS, type SigmaConfig } from '../rules/sigma/detector.ts';
import { compileRules, YARA_FILES } from '../exchange/checks/yara.ts';
import { analyzeOptions, MAIL_OPTIONS, type MailConfig } from '../mail/detector.ts';
import { INTEL, OBSERVERS } from '../intel/context.ts';
import { OBSERVER_TABLE } from '../triage/registry.ts';
import type { AnalyzeOptions } from '../mail/analyze.ts';
import type { DetectorContext } from '../model/detector.ts';
import type { Problem } from '../model/problem.ts';

/**
 * What an engine is built from: plain data (worker threads and a reload rebuild the engine from
 * it). Everything is optional: `loadEngine()` gives the built-in indicator packs and the shipped
 * mail scoring.
 */
export interface EngineOptions {
  /** Indicator feed files to load besides the built-in packs (STIX 2.1, MISP JSON, CHIRP YAML, CSV, lists). */
  readonly intel?: readonly string[];
  /** Load the built-in HAFNIUM, NOBELIUM and SUNBURST packs (default true). */
  readonly builtinIntel?: boolean;
  /** Sigma rule files and folders to run over Windows events and IIS logs, with their options. */
  readonly sigma?: SigmaConfig;
  /** Extra YARA rule files run over collected files (Exchange hunt, triage). */
  readonly yara?: readonly string[];
  /** Mail scoring: scoring file, trusted authserv-ids, DNS mode, link resolution, default envelope. */
  readonly mail?: MailConfig;
}

/**
 * A loaded engine: the indicator index, the compiled Sigma rules and YARA rules and the mail
 * scoring, built once. Scans and messages share it; it is never changed after loading (a reload
 * builds a new one, so scans in flight finish on the old one).
 */
export interface Engine {
  readonly options: EngineOptions;
  /** The indicator index (built-in packs plus the feeds). */
  readonly intel: IntelIndex;
  /** One report per feed file loaded (built-in pack files first): counts, rejected and unsupported entries. */
  readonly feeds: readonly LoadReport[];
  /** What loading found wrong but could go on without: rejected indicators, Sigma rules not loaded. */
  readonly problems: readonly Problem[];
  /** The context every detector of a scan is created with. */
  readonly context: DetectorContext;
  /** When it was loaded (ISO 8601). */
  readonly loadedAt: string;
  /** Mail analysis options (scoring, YARA, resolver), built on first use and kept. */
  mailOptions(): AnalyzeOptions;
}

/** Raised by `loadEngine` when an option cannot work (a missing file, YARA rules that do not compile). */
export class EngineOptionError extends Error {
  override readonly name = 'EngineOptionError';
}

/**
 * Build an engine: load the indicator feeds into one index, compile the Sigma and YARA rules and
 * read the mail scoring, once. A feed entry that cannot be loaded is a problem in
 * `engine.problems`, not an error; YARA rules that do not compile and an empty Sigma rule set throw
 * `EngineOptionError`.
 */
export function loadEngine(options: EngineOptions = {}): Engine {
  return build(options, false);
}

/**
 * Build a fresh engine from the same options as `engine` (or new ones): feeds, rules and the
 * scoring file are read again. For a server's SIGHUP: swap the engine it hands new work to.
 */
export function reload(engine: Engine, options: EngineOptions = engine.options): Engine {
  return build(options, true);
}

function build(options: EngineOptions, fresh: boolean): Engine {
  const problems: Problem[] = [];
  const { index, reports } = buildIndex(options.intel ?? [], options.builtinIntel ?? true);
  for (const r of reports)
    for (const x of r.rejected)
      problems.push({
        level: 'warning',
        source: { path: r.file },
        message: `indicator not loaded (${x.where}): ${x.reason}${x.value ? `: ${x.value.slice(0, 80)}` : ''}`,
      });
  if (options.yara?.length) {
    try {
      compileRules(options.yara);
    } catch (e) {
      throw new EngineOptionError(
        `YARA rules do not compile: ${(e as Error).message.split('\n').slice(0, 6).join(' ')}`,
      );
    }
  }
  if (options.sigma) {
    const rs = fresh ? reloadRuleSet(options.sigma) : ruleSetFor(options.sigma);
    for (const e of rs.errors)
      problems.push({
        level: 'warning',
        source: { path: e.file },
        message: `Sigma rule not loaded${e.title ? ` (${e.title})` : ''}: ${e.reason}`,
      });
    if (rs.rules.length === 0)
      throw new EngineOptionError(`no Sigma rule could be loaded from ${options.sigma.paths.join(', ')}`);
  }
  const context: DetectorContext = {
    [INTEL.name]: index,
    [OBSERVERS.name]: OBSERVER_TABLE,
    ...(options.yara?.length ? { [YARA_FILES.name]: options.yara } : {}),
    ...(options.sigma ? { [SIGMA_OPTIONS.name]: options.sigma } : {}),
    ...(options.mail ? { [MAIL_OPTIONS.name]: options.mail } : {}),
  };
  let mail: AnalyzeOptions | undefined;
  return {
    options,
    intel: index,
    feeds: reports,
    problems,
    context,
    loadedAt: new Date().toISOString(),
    mailOptions: () => (mail ??= analyzeOptions(options.mail ?? {}, index)),
  };
}

/** An engine from options, or the engine given. */
export function engineOf(e: Engine | EngineOptions | undefined): Engine {
  if (e && isEngine(e)) return e;
  return loadEngine((e as EngineOptions | undefined) ?? {});
}

function isEngine(e: Engine | EngineOptions): e is Engine {
  return 'context' in e && e.intel instanceof IntelIndex;
}
