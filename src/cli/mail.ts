import type { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailConfig } from '../mail/detector.ts';
import { loadEngine } from '../engine/engine.ts';
import { analyzeMessage } from '../engine/message.ts';
import { addCommonOptions, runScan, type CommonOptions } from './triage.ts';
import { UsageError } from './exit.ts';
import { renderMailText } from '../report/mail-text.ts';
import { renderMailExplain } from '../report/mail-explain.ts';
import { runHunt, type HuntCliOptions } from './mail-hunt.ts';

/**
 * `vigil mail scan PATH…` scores every message in .eml files, mbox files, Maildir folders and
 * directories of them (or `-` for standard input); `vigil mail explain FILE` walks through one
 * message's verdict signal by signal.
 */
interface MailCliOptions extends CommonOptions {
  config?: string;
  trustedAuthserv?: string[];
  dns?: string;
  ip?: string;
  helo?: string;
  sender?: string;
  all?: boolean;
  resolveLinks?: string | boolean;
  /** False with --no-campaigns: each message judged alone, as the mail-flow doors judge it. */
  campaigns?: boolean;
}

function addMailOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'scoring file: signal weights and action thresholds (default: the shipped src/mail/scoring.yaml)',
    )
    .option(
      '--trusted-authserv <id...>',
      'believe Authentication-Results written by these authserv-ids (your own MX)',
    )
    .option(
      '--dns <mode>',
      'how to verify SPF/DKIM/DMARC: none (default), live, or a zone file / JSON DNS cache for offline checks',
      'none',
    )
    .option('--ip <address>', 'connecting IP for SPF (default: the topmost Received header)')
    .option('--helo <name>', 'HELO name for SPF')
    .option('--sender <address>', 'envelope sender (MAIL FROM) for SPF')
    .option(
      '--resolve-links [n]',
      'follow up to n links per message online to where they land (HEAD/GET, 5 redirects, 5 s, no bodies, no private addresses; default n 5)',
    );
}

function config(opts: MailCliOptions, all: boolean): MailConfig {
  if (opts.config && !existsSync(opts.config)) throw new UsageError(`no such scoring file: ${opts.config}`);
  if (opts.dns && !['none', 'live'].includes(opts.dns) && !existsSync(opts.dns))
    throw new UsageError(`--dns must be none, live or a zone file (no such file: ${opts.dns})`);
  return {
    ...(opts.config ? { scoring: opts.config } : {}),
    ...(opts.trustedAuthserv ? { trustedAuthserv: opts.trustedAuthserv } : {}),
    ...(opts.resolveLinks
      ? {
          resolveLinks:
            opts.resolveLinks === true ? 5 : Math.max(1, Math.min(50, Number(opts.resolveLinks) || 5)),
        }
      : {}),
    ...(opts.dns ? { dns: opts.dns } : {}),
    ...(opts.ip ? { ip: opts.ip } : {}),
    ...(opts.helo ? { helo: opts.helo } : {}),
    ...(opts.sender ? { sender: opts.sender } : {}),
    all,
  };
}

/** `-` reads one message or mbox from standard input into a private temporary file (removed when the command ends). */
const temporary: string[] = [];
process.on('exit', () => {
  for (const d of temporary) rmSync(d, { recursive: true, force: true });
});
function stdinPaths(paths: string[]): string[] {
  return paths.map((p) => {
    if (p !== '-') return p;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-stdin-'));
    temporary.push(dir);
    const file = join(dir, 'stdin.eml');
    writeFileSync(file, readFileSync(0), { mode: 0o600 });
    return file;
  });
}

export function mailCommand(program: Command): void {
  const mail = program
    .command('mail')
    .summary('mail: score messages and explain verdicts')
    .description('Mail threat analysis.');
  const scan = mail
    .command('scan')
    .summary('score .eml / mbox / Maildir messages: impersonation, links, attachments, authentication')
    .description(
      `Score every message found in the paths (.eml files, mbox files, Maildir folders, folders of
these; - reads standard input). Each check raises named signals with a weight and its evidence
(sender impersonation and look-alike domains, Reply-To divergence, a high-value sender mailing through
a bulk-mail service, links — unwrapped from trackers and rewriters — to free hosting, IP addresses,
brand look-alikes, the recipient's address; attachments by content: disk images, shortcuts,
executables, HTML smuggling, macros, encrypted archives; the lure's wording); the weights add up to a
score and the score to an action: no_action, add_header, quarantine or reject (thresholds and weights
in one scoring file). Authentication (SPF, DKIM, DMARC, ARC) comes from a trusted
Authentication-Results header or from mailauth with live DNS or an offline zone file; a pass is
recorded, never trusted by itself.`,
    )
    .argument('<path...>', 'messages, mailboxes, Maildir folders; - for standard input');
  addMailOptions(addCommonOptions(scan))
    .option('--all', 'report messages with action no_action too (always in JSONL)')
    .option(
      '--no-campaigns',
      'judge each message alone (no campaign judgement across the messages given), as vigil serve does',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vigil mail scan ~/Maildir --format html --out mail.html
  $ vigil mail scan suspicious.eml --dns zone.txt --trusted-authserv mx.example.org
  $ vigil mail scan archive.mbox --format jsonl | jq 'select(.evidence.action != "no_action")'`,
    )
    .action(async (paths: string[], opts: MailCliOptions) => {
      const jsonl = opts.format === 'jsonl' || (!opts.format && /\.jsonl$/i.test(opts.out ?? ''));
      const mailConfig = config(opts, !!opts.all || jsonl);
      // Campaign judgement across the messages given (the engine's mail profile, as in mail hunt).
      const campaigns = opts.campaigns !== false;
      process.exitCode = await runScan(
        stdinPaths(paths),
        { ...opts, mailConfig: { ...mailConfig, campaigns } },
        { command: 'mail scan', profile: 'mail', text: (r, color) => renderMailText(r, { color }) },
      );
    });

  const hunt = mail
    .command('hunt')
    .summary(
      'retro-hunt: judge every message in files and IMAP accounts, group campaigns, list and pull copies',
    )
    .description(
      `Judge every message of the given files (.eml, mbox, Maildir, folders) and of every account in
--accounts on the given IMAP servers (all folders, read-only: EXAMINE and BODY.PEEK), group the
copies of each campaign across accounts and organisations, and judge each campaign as a whole: a
message in a malicious campaign takes the campaign's action (CAMPAIGN_* signal). --intel with
indicators published after delivery turns it into a retro-hunt. --purge-list writes the messages to
pull; --apply move:FOLDER moves exactly those (after a dry-run summary).`,
    )
    .argument('<source...>', 'files or folders of mail, or imap://HOST:PORT / imaps://HOST:PORT');
  addMailOptions(addCommonOptions(hunt))
    .option(
      '--accounts <file>',
      'CSV org,user,password[,url]; password may be env:VAR; user*master for a master login',
    )
    .option('--since <date>', 'only messages received on or after this date (IMAP SEARCH SINCE)')
    .option('--purge-list <file>', 'write the messages to quarantine or reject as CSV')
    .option('--apply <move:FOLDER>', "move the purge list's IMAP messages into FOLDER (created if missing)")
    .option('--insecure', 'accept TLS certificates that do not verify (self-signed)')
    .option('--skip-junk-trash', 'do not read Junk and Trash folders')
    .option('--concurrency <n>', 'accounts read at the same time (default 4)')
    .option('--all', 'report messages and campaigns with action no_action too (always in JSONL)')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil mail hunt imaps://mail.example.org:993 --accounts accounts.csv --intel mstic.csv \\
      --since 2021-05-20 --purge-list purge.csv --format jsonl --out hunt.jsonl
  $ vigil mail hunt imaps://mail.example.org:993 --accounts accounts.csv --intel mstic.csv \\
      --apply move:Quarantine`,
    )
    .action(async (sources: string[], opts: HuntCliOptions & MailCliOptions) => {
      process.exitCode = await runHunt(sources, opts, config(opts, true));
    });

  const explain = mail
    .command('explain')
    .summary("walk through one message's verdict, signal by signal")
    .argument('<file>', 'one message (.eml), or - for standard input');
  addMailOptions(explain)
    .option('--json', 'print the verdict object as JSON')
    .action(async (file: string, opts: MailCliOptions & { json?: boolean }) => {
      const path = stdinPaths([file])[0]!;
      if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
      if (statSync(path).isDirectory())
        throw new UsageError(
          `${file} is a folder: explain takes one message (vigil mail scan reads folders)`,
        );
      const engine = loadEngine({ mail: config(opts, true) });
      const v = await analyzeMessage(readFileSync(path), {}, engine);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
        return;
      }
      const color = process.stdout.isTTY && !process.env['NO_COLOR'];
      process.stdout.write(renderMailExplain(v, file, { color }));
      process.exitCode = v.action === 'no_action' ? 0 : 1;
    });
}
