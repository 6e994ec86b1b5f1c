import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { ruleSetFor } from '../rules/sigma/detector.ts';
import { addCommonOptions, addSigmaOptions, runScan, type CommonOptions } from './triage.ts';
import { UsageError } from './exit.ts';

/**
 * `vigil sigma RULES… -- PATH…`: Sigma rules over the Windows events and IIS logs found in the
 * paths (EVTX, wevtutil XML, Export-Csv, W3C), one finding per matching event and rule.
 */
let rawArgs: readonly string[] = [];
/** Commander drops the `--` that separates rules from paths; main() hands us the raw arguments. */
export function setRawArgs(argv: readonly string[]): void {
  rawArgs = argv;
}

interface SigmaCliOptions extends CommonOptions {
  check?: boolean;
}

export function sigmaCommand(program: Command): void {
  const cmd = program
    .command('sigma')
    .summary('run Sigma rules over Windows event logs (EVTX, XML, CSV) and IIS logs')
    .description(
      `Run Sigma rules — files or folders of them, e.g. a checkout of SigmaHQ — over the Windows
events and IIS logs in the given files, folders and archives. Rules are compiled once; each event
is offered only to the rules whose logsource maps to its channel and event id (Windows services to
channels, generic categories to Sysmon event ids, process_creation also to Security 4688 under
Sysmon's field names, webserver to IIS W3C logs). Every modifier of the Sigma specification is
supported; rules that cannot be evaluated (a log source Vigil does not read, a placeholder
without a value, an aggregation) are counted and, with --check, listed with the reason. Invalid
rules are reported with file and reason and skipped.`,
    )
    .argument(
      '<rules-and-paths...>',
      'rule files or folders, then --, then the evidence to scan (options go before the --)',
    );
  addSigmaOptions(addCommonOptions(cmd), false)
    .option(
      '--check',
      'only load the rules and list those that are invalid or cannot be evaluated, with the reason',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vigil sigma sigma/rules -- Security.evtx Sysmon.evtx
  $ vigil sigma sigma/rules/windows --sigma-min-level high --format html --out host01.html -- /cases/host01/
  $ vigil sigma sigma/rules --check`,
    )
    .action(async (args: string[], opts: SigmaCliOptions) => {
      const dash = rawArgs.indexOf('--');
      const after = dash < 0 ? 0 : rawArgs.length - dash - 1;
      const rules = args.slice(0, args.length - after);
      const paths = args.slice(args.length - after);
      if (opts.check) {
        process.exitCode = check(rules, opts);
        return;
      }
      if (dash < 0 || !paths.length || !rules.length)
        throw new UsageError('give the rules, then --, then what to scan: vigil sigma RULES… -- PATH…');
      process.exitCode = await runScan(
        paths,
        { ...opts, sigma: rules },
        { command: 'sigma', profile: 'sigma' },
      );
    });
}

function check(rules: readonly string[], opts: SigmaCliOptions): number {
  for (const p of rules) if (!existsSync(p)) throw new UsageError(`no such Sigma rule file or folder: ${p}`);
  if (
    opts.sigmaMinLevel !== undefined &&
    !['informational', 'low', 'medium', 'high', 'critical'].includes(opts.sigmaMinLevel)
  )
    throw new UsageError(
      `--sigma-min-level must be informational, low, medium, high or critical (got "${opts.sigmaMinLevel}")`,
    );
  const rs = ruleSetFor({
    paths: rules,
    ...(opts.sigmaMinLevel ? { minLevel: opts.sigmaMinLevel as 'low' } : {}),
  });
  const s = rs.summary();
  const out: string[] = [
    `${s.loaded} rules loaded, ${s.unsupported} not evaluable here, ${s.errors} invalid${s.skipped ? `, ${s.skipped} left out by level or status` : ''}`,
  ];
  if (rs.errors.length) out.push('', 'Invalid:', ...rs.errors.map((e) => `  ${e.file}: ${e.reason}`));
  if (s.unsupportedBySource.length)
    out.push(
      '',
      'Not evaluable, by reason:',
      ...s.unsupportedBySource.map(([why, n]) => `  ${String(n).padStart(5)}  ${why}`),
    );
  if (rs.unsupported.length)
    out.push('', 'Not evaluable, by rule:', ...rs.unsupported.map((u) => `  ${u.file}: ${u.reason}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return rs.errors.length ? 2 : 0;
}
