import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { runServe, type ServeOptions } from '../server/serve.ts';
import { parseAddress } from '../server/listen.ts';
import { UsageError } from './exit.ts';

/**
 * `vigil serve`: parse the options, hand them to the server (src/server/serve.ts). Other doors
 * of the same command (an HTTP API) add their options here and theirs to ServeOptions.
 */
interface ServeCliOptions {
  milter?: string;
  rspamd?: string;
  spamd?: string;
  config?: string;
  intel?: string[];
  builtinIntel?: boolean;
  dns?: string;
  trustedAuthserv?: string[];
  onError?: string;
  timeout?: string;
  maxSize?: string;
  log?: string;
}

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, not ${v}`);
  return n;
}

export function serveOptions(o: ServeCliOptions): ServeOptions {
  if (!o.milter && !o.rspamd && !o.spamd)
    throw new UsageError('give at least one listener: --milter, --rspamd or --spamd ADDR');
  for (const a of [o.milter, o.rspamd, o.spamd])
    if (a)
      try {
        parseAddress(a);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
  if (o.onError && o.onError !== 'accept' && o.onError !== 'tempfail')
    throw new UsageError(`--on-error must be accept or tempfail, not ${o.onError}`);
  for (const f of [...(o.config ? [o.config] : []), ...(o.intel ?? [])])
    if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
  const timeoutMs = positive('--timeout', o.timeout);
  const maxSize = positive('--max-size', o.maxSize);
  return {
    ...(o.milter ? { milter: o.milter } : {}),
    ...(o.rspamd ? { rspamd: o.rspamd } : {}),
    ...(o.spamd ? { spamd: o.spamd } : {}),
    ...(o.config ? { config: o.config } : {}),
    ...(o.intel ? { intel: o.intel } : {}),
    builtinIntel: o.builtinIntel !== false,
    ...(o.dns ? { dns: o.dns } : {}),
    ...(o.trustedAuthserv ? { trustedAuthserv: o.trustedAuthserv } : {}),
    ...(o.onError ? { onError: o.onError as 'accept' | 'tempfail' } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(maxSize ? { maxSize } : {}),
    ...(o.log ? { log: o.log } : {}),
  };
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .summary('mail-flow verdicts for MTAs: milter (Postfix), Rspamd protocol, spamd protocol')
    .description(
      `Serve Vigil's mail verdicts where mail servers ask for them, before delivery. Each listener
is HOST:PORT or unix:/path; any subset runs in one process, and each prints "vigil: <door>
listening on <addr>" on standard error when it is ready. Every door gives the same verdict as
vigil mail scan on the message as it will be delivered. SIGTERM stops accepting, finishes the
messages in flight and exits 0; SIGHUP reloads the scoring file and intel feeds without dropping
connections. One JSON line per message (queue id, message-id, action, score, top signals, ms) goes
to standard error or --log FILE.`,
    )
    .option('--milter <addr>', 'Sendmail/Postfix milter protocol v6 (smtpd_milters = inet:HOST:PORT)')
    .option('--rspamd <addr>', "Rspamd's HTTP protocol: POST /checkv2, GET /ping (rspamc, Haraka)")
    .option('--spamd <addr>', "SpamAssassin's SPAMC/SPAMD 1.5 protocol (spamc, Exim, amavis)")
    .option('--config <file>', 'scoring file: signal weights and action thresholds (reloaded on SIGHUP)')
    .option('--intel <feed...>', 'STIX 2.1 / MISP / CSV indicator feeds (reloaded on SIGHUP)')
    .option('--no-builtin-intel', 'do not load the built-in HAFNIUM, NOBELIUM and SUNBURST packs')
    .option('--dns <mode>', 'SPF/DKIM/DMARC: none (default), live, or a zone file')
    .option('--trusted-authserv <id...>', 'believe Authentication-Results written by these authserv-ids')
    .option(
      '--on-error <policy>',
      'internal error, oversize or late verdict: accept (default: fail open, logged) or tempfail (4xx)',
    )
    .option('--timeout <ms>', 'a verdict slower than this gets the --on-error policy (default 10000)')
    .option('--max-size <bytes>', 'larger messages are not scanned; --on-error applies (default 26214400)')
    .option('--log <file>', 'append the JSON log lines to this file instead of standard error')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil serve --milter 127.0.0.1:11332 --rspamd 127.0.0.1:11333 --spamd 127.0.0.1:783
  $ vigil serve --milter unix:/run/vigil/milter.sock --on-error tempfail --log /var/log/vigil.jsonl

Postfix (main.cf):
  smtpd_milters = inet:127.0.0.1:11332
  non_smtpd_milters = $smtpd_milters
  milter_protocol = 6
  milter_default_action = accept`,
    )
    .action(async (o: ServeCliOptions) => {
      try {
        await runServe(serveOptions(o));
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError((e as Error).message);
      }
    });
}
