import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { startServe, type ServeOptions } from '../server/serve.ts';
import { parseAddress } from '../server/listen.ts';
import { UsageError } from './exit.ts';

/**
 * `vigil serve`: parse the options, hand them to the servers — the mail-flow doors
 * (src/server/serve.ts) and the case store's API and dashboard (src/server/api/) — in one process.
 */
interface ServeCliOptions {
  api?: string;
  db?: string;
  web?: string;
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
    throw new UsageError('give at least one listener: --milter, --rspamd, --spamd or --api ADDR');
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
    .summary('mail-flow doors (milter, Rspamd, spamd protocols) and the case API with its dashboard')
    .description(
      `Serve Vigil's mail verdicts where mail servers ask for them, before delivery. Each listener
is HOST:PORT or unix:/path; any subset runs in one process, and each prints "vigil: <door>
listening on <addr>" on standard error when it is ready. Every door gives the same verdict as
vigil mail scan on the message as it will be delivered. SIGTERM stops accepting, finishes the
messages in flight and exits 0; SIGHUP reloads the scoring file and intel feeds without dropping
connections. One JSON line per message (queue id, message-id, action, score, top signals, ms) goes
to standard error or --log FILE.

--api ADDR serves the case store: the dashboard at /, the JSON API under /api/ (every route needs
Authorization: Bearer TOKEN from vigil token create), GET /healthz without auth, and the API's
description at /api/openapi.json.`,
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
    .option('--api <addr>', 'serve the case API and dashboard on HOST:PORT (or PORT, on 127.0.0.1)')
    .option(
      '--db <url>',
      'the store for --api: a SQLite file (default ./vigil.db), sqlite:PATH, postgres://…',
    )
    .option('--web <dir>', 'the built dashboard to serve (default: web/dist of this installation)')
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
  milter_default_action = accept

Case API and dashboard:
  $ vigil token create --role analyst --label "night shift"
  $ vigil serve --api 127.0.0.1:8080
  $ vigil serve --api 0.0.0.0:8080 --db postgres://vigil@db.internal/vigil`,
    )
    .action(async (o: ServeCliOptions) => {
      const doors = Boolean(o.milter || o.rspamd || o.spamd);
      if (!doors && !o.api) serveOptions(o); // names the missing listener
      const mailOpts = doors ? serveOptions(o) : undefined;
      let api: Awaited<ReturnType<typeof import('../server/api/start.ts').startApi>> | undefined;
      let mail: Awaited<ReturnType<typeof startServe>> | undefined;
      try {
        if (o.api) {
          // Loaded on use: the mail doors alone need not load the HTTP framework and the store.
          const { startApi } = await import('../server/api/start.ts');
          api = await startApi({
            addr: o.api,
            ...(o.db !== undefined ? { db: o.db } : {}),
            ...(o.web !== undefined ? { webRoot: o.web } : {}),
            logger: { level: 'info' },
          });
          process.stderr.write(`vigil: API on ${api.url} (store ${api.store.where})\n`);
        }
        if (mailOpts) mail = await startServe(mailOpts);
      } catch (e) {
        await api?.close();
        if (e instanceof UsageError) throw e;
        throw new UsageError((e as Error).message);
      }
      // SIGTERM/SIGINT: stop accepting, finish what is in flight, exit 0. SIGHUP: reload the doors.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void Promise.all([mail?.close(), api?.close()]).then(() => resolve());
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        if (mail) process.on('SIGHUP', () => void mail.reload());
      });
      process.exitCode = 0;
      process.exit(0);
    });
}
