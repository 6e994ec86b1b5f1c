import type { Command } from 'commander';
import { addCommonOptions, runScan, type CommonOptions } from './triage.ts';

export function orionCommand(program: Command): void {
  const orion = program
    .command('orion')
    .summary('SolarWinds Orion checks (SUNBURST builds, SUPERNOVA, TEARDROP)')
    .description('Checks of SolarWinds Orion installations.');
  const cmd = orion
    .command('check')
    .summary('flag trojanized Orion builds and known SUNBURST-campaign files')
    .description(
      `Check collected files or file listings for SolarWinds.Orion.Core.BusinessLayer.dll builds that
carry SUNBURST (by hash; by file version in listings), the attacker's tampered 2019 test build,
and the SUNBURST, SUPERNOVA, TEARDROP and SUNSPOT hashes of the built-in pack.

A listing is a CSV with a path column and a hash column, e.g. the output of
  Get-ChildItem -Recurse 'C:\\Program Files (x86)\\SolarWinds' | Get-FileHash | Export-Csv hashes.csv
(with an optional FileVersion column).`,
    )
    .argument('<path...>', 'collected folders, archives or listing CSVs');
  addCommonOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ vigil orion check /cases/orion01/
  $ vigil orion check hashes.csv --format jsonl`,
    )
    .action(async (paths: string[], opts: CommonOptions) => {
      process.exitCode = await runScan(paths, opts, {
        command: 'orion check',
        profile: 'orion',
      });
    });
}
