import { existsSync, writeFileSync } from 'node:fs';
import { compareFindings, makeFinding, type Finding } from '../model/finding.ts';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../model/severity.ts';
import type { Problem } from '../model/problem.ts';
import type { MailConfig } from '../mail/detector.ts';
import { EngineOptionError, loadEngine, type Engine } from '../engine/engine.ts';
import { loadAccounts, AccountsError, type Account } from '../mail/imap/accounts.ts';
import { parseServer, type ImapServer } from '../mail/imap/url.ts';
import { hunt } from '../mail/hunt/run.ts';
import { purgeCsv } from '../mail/hunt/purge.ts';
import { applyMoves, planMoves, planSummary, type AppliedMove } from '../mail/hunt/apply.ts';
import { campaignFinding, judgedFinding } from '../mail/campaign/findings.ts';
import { MAX_MESSAGE_BYTES } from '../mail/read.ts';
import { printable, where, type Report } from '../report/report.ts';
import { renderMailText } from '../report/mail-text.ts';
import { chooseFormat, Output } from './output.ts';
import { exitCode, UsageError } from './exit.ts';
import { VERSION } from './version.ts';
import type { CommonOptions } from './triage.ts';

/** `vigil mail hunt`: options checked here, the hunt itself in src/mail/hunt/. */
export interface HuntCliOptions extends CommonOptions {
  accounts?: string;
  since?: string;
  purgeList?: string;
  apply?: string;
  insecure?: boolean;
  skipJunkTrash?: boolean;
  concurrency?: string;
  all?: boolean;
}

function checkFolder(apply: string | undefined): string | undefined {
  if (apply === undefined) return undefined;
  const m = /^move:(.+)$/.exec(apply);
  if (!m || /[*%\r\n\0"\\]/.test(m[1]!) || /^[./]/.test(m[1]!))
    throw new UsageError(`--apply must be move:FOLDER with a plain folder name (got "${apply}")`);
  return m[1]!;
}

export async function runHunt(sources: string[], opts: HuntCliOptions, mail: MailConfig): Promise<number> {
  if (!isSeverity(opts.failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${opts.failOn}")`);
  const failOn: Severity = opts.failOn;
  const format = chooseFormat(opts.format, opts.out);
  const servers: ImapServer[] = [];
  const paths: string[] = [];
  for (const s of sources) {
    if (/^imaps?:/i.test(s)) {
      const srv = parseServer(s);
      if (!srv) throw new UsageError(`not an IMAP server URL (imap://HOST:PORT or imaps://HOST:PORT): ${s}`);
      servers.push(srv);
    } else if (!existsSync(s)) throw new UsageError(`no such file or folder: ${s}`);
    else paths.push(s);
  }
  let accounts: Account[] = [];
  if (opts.accounts) {
    try {
      accounts = loadAccounts(opts.accounts);
    } catch (e) {
      if (e instanceof AccountsError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (servers.length && !opts.accounts) throw new UsageError('an IMAP source needs --accounts FILE');
  let since: Date | undefined;
  if (opts.since !== undefined) {
    const t = Date.parse(opts.since);
    if (Number.isNaN(t))
      throw new UsageError(`--since must be a date such as 2021-05-25 (got "${opts.since}")`);
    since = new Date(t);
  }
  const concurrency = opts.concurrency === undefined ? 4 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError(`--concurrency must be a whole number from 1 to 64 (got "${opts.concurrency}")`);
  const folder = checkFolder(opts.apply);
  for (const f of opts.intel ?? []) if (!existsSync(f)) throw new UsageError(`no such intel feed: ${f}`);

  const startedAt = new Date().toISOString();
  const quiet = !!opts.quiet;
  const say = (s: string) => {
    if (!quiet) process.stderr.write(`vigil: ${printable(s)}\n`);
  };
  // The one engine every front end uses: the same indicators and scoring as mail scan and the doors.
  let engine: Engine;
  try {
    engine = loadEngine({ intel: opts.intel ?? [], builtinIntel: opts.builtinIntel, mail });
  } catch (e) {
    if (e instanceof EngineOptionError) throw new UsageError(e.message);
    throw e;
  }
  const reports = engine.feeds;
  const problems: Problem[] = [];
  for (const r of reports) {
    for (const x of r.rejected)
      problems.push({
        level: 'warning',
        source: { path: r.file },
        message: `indicator not loaded (${x.where}): ${x.reason}`,
      });
    if ((opts.intel ?? []).includes(r.file)) say(`intel ${r.file}: ${r.loaded} indicators (${r.format})`);
  }
  const analyze = engine.mailOptions();
  const output = new Output(format, opts.out, process.stdout, (r, color) => renderMailText(r, { color }));

  const result = await hunt(
    {
      paths,
      servers,
      accounts,
      analyze,
      intel: engine.intel,
      scoring: analyze.scoring,
      ...(since ? { since } : {}),
      skipJunkTrash: !!opts.skipJunkTrash,
      insecure: !!opts.insecure,
      concurrency,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    },
    { problem: (p) => p.level === 'error' && say(`${where(p)}: ${p.message}`) },
  );
  problems.push(...result.problems);

  const all = !!opts.all || format === 'jsonl';
  const findings: Finding[] = [
    ...result.judged.filter((j) => all || j.verdict.action !== 'no_action').map(judgedFinding),
    ...result.campaigns.filter((c) => all || c.judgement.action !== 'no_action').map(campaignFinding),
  ];
  if (opts.purgeList) {
    try {
      writeFileSync(opts.purgeList, purgeCsv(result.judged));
    } catch (e) {
      throw new UsageError(`cannot write --purge-list ${opts.purgeList}: ${(e as Error).message}`);
    }
  }
  if (folder) {
    const plans = planMoves(result.judged, result.tasks);
    process.stderr.write(`vigil: ${printable(planSummary(plans, folder))}\n`);
    await applyMoves(
      plans,
      folder,
      { ...(opts.insecure ? { insecure: true } : {}), concurrency },
      (m) => {
        findings.push(movedFinding(m));
        const line = `${m.org}/${m.user} ${m.mailbox} UID ${m.uid} ${m.outcome === 'moved' ? `moved to ${m.folder}${m.newUid !== undefined ? ` (UID ${m.newUid})` : ''}` : `skipped: ${m.reason}`}`;
        process.stderr.write(`vigil: ${printable(line)}\n`);
        if (m.outcome === 'skipped')
          problems.push({
            level: 'warning',
            source: { path: `${m.org}/${m.user} ${m.mailbox}` },
            message: line,
          });
      },
      (account, message) =>
        problems.push({ level: 'error', source: { path: account }, message: `--apply: ${message}` }),
    );
  }
  findings.sort(compareFindings);
  for (const f of findings) output.finding(f);
  const report: Report = {
    tool: { name: 'vigil', version: VERSION },
    command: 'mail hunt',
    roots: sources,
    startedAt,
    finishedAt: new Date().toISOString(),
    findings,
    problems,
    skipped: [],
    rules: [
      { id: 'mail.verdict', title: 'Mail verdict (score, action and the signals behind it)' },
      { id: 'mail.campaign', title: 'A campaign: copies of one mailing, judged as a whole' },
      { id: 'mail.hunt.moved', title: 'A message moved (or not) by --apply' },
    ],
    stats: {
      files: result.stats.files,
      bytes: result.stats.bytes,
      records: result.stats.messages,
      archives: 0,
    },
  };
  await output.finish(report);
  say(
    `mail hunt: ${result.stats.messages} messages from ${result.stats.files} files and ${result.stats.accounts} accounts` +
      `${result.stats.failedAccounts ? ` (${result.stats.failedAccounts} accounts failed)` : ''}; ${result.campaigns.length} campaigns`,
  );
  return exitCode(
    findings.some((f) => atLeast(f.severity, failOn)),
    problems.some((p) => p.level === 'error'),
  );
}

function movedFinding(m: AppliedMove): Finding {
  return makeFinding({
    rule: 'mail.hunt.moved',
    title: `${m.outcome === 'moved' ? 'moved' : 'not moved'}: ${m.org}/${m.user} ${m.mailbox} UID ${m.uid}${m.outcome === 'moved' ? ` → ${m.folder}` : ` (${m.reason})`}`,
    severity: 'info',
    source: { path: `${m.org}/${m.user}/${m.mailbox}` },
    evidence: {
      org: m.org,
      user: m.user,
      mailbox: m.mailbox,
      uid: m.uid,
      folder: m.folder,
      outcome: m.outcome,
      messageId: m.messageId,
      ...(m.newUid !== undefined ? { newUid: m.newUid } : {}),
      ...(m.reason ? { reason: m.reason } : {}),
      ...(m.campaign ? { campaign: m.campaign } : {}),
    },
  });
}
