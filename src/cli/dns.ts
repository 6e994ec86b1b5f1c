import type { Command } from 'commander';
import { renderSunburstText, sunburstHtmlSections } from '../report/sunburst.ts';
import { addCommonOptions, runScan, type CommonOptions } from './triage.ts';

export function dnsCommand(program: Command): void {
  const dns = program
    .command('dns')
    .summary('DNS log analysis (SUNBURST beacon decoding)')
    .description('Commands that read DNS logs.');
  const cmd = dns
    .command('sunburst')
    .summary('decode SUNBURST DNS beacons into victim hosts and domains')
    .description(
      `Decode SUNBURST (SolarWinds Orion backdoor) DGA queries under avsvmcloud.com: per query the
host id, domain chunk, beacon time, STAGE2 flag and security products; per host the reassembled
Active Directory domain (or the part seen, with a status), first and last seen, products and
the stage reached (from DNS answers when the log has them: kill switch, stage 2, targeted).

Reads BIND query logs, Windows DNS debug logs, Zeek dns.log (TSV/JSON), dnsmasq logs, CSV exports
with a question column, passive-DNS JSON and plain lists of names, recognised by content.`,
    )
    .argument('<path...>', 'DNS logs, lists or folders of them');
  addCommonOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  $ vigil dns sunburst /var/log/named/queries.log
  $ vigil dns sunburst pdns-export.json --format jsonl > decoded.jsonl
  $ vigil dns sunburst dns-logs/ --format html --out sunburst.html

JSON Lines: one "sunburst.query" finding per name under avsvmcloud.com (evidence fqdn, kind =
domain|ping|services|invalid, uid, reason for invalid ones, and the decoded fields) and one
"sunburst.victim" finding per host id (uid, domain, status, firstSeen, lastSeen, products, stage).`,
    )
    .action(async (paths: string[], opts: CommonOptions) => {
      process.exitCode = await runScan(paths, opts, {
        command: 'dns sunburst',
        profile: 'dns-sunburst',
        text: renderSunburstText,
        htmlSections: sunburstHtmlSections,
      });
    });
}
