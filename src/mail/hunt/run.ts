import type { ImapFlow } from 'imapflow';
import type { Problem } from '../../model/problem.ts';
import { defineDetector } from '../../model/detector.ts';
import type { MailRecord } from '../../model/records.ts';
import type { IntelIndex } from '../../intel/index.ts';
import { Scanner } from '../../triage/scan.ts';
import { READERS } from '../../triage/registry.ts';
import { DEFAULT_LIMITS } from '../../triage/limits.ts';
import type { AnalyzeOptions } from '../analyze.ts';
import { parseMail } from '../parse.ts';
import { CampaignEngine, type Campaign, type Judged } from '../campaign/engine.ts';
import type { Scoring } from '../signals.ts';
import type { Account } from '../imap/accounts.ts';
import { closeSession, openSession, sessionError } from '../imap/session.ts';
import { readAccount } from '../imap/read.ts';
import type { ImapServer } from '../imap/url.ts';
import { judgeMessage } from './verdict.ts';

/**
 * The retro-hunt: every message of the given files and of every account on the given IMAP
 * servers gets its verdict, all of them go through one campaign engine, and members of malicious
 * campaigns take the campaign's action. Accounts are read concurrently (a bounded pool); an
 * account that fails is reported and the others go on.
 */
export interface HuntConfig {
  readonly paths: readonly string[];
  readonly servers: readonly ImapServer[];
  readonly accounts: readonly Account[];
  readonly analyze: AnalyzeOptions;
  readonly intel: IntelIndex;
  readonly scoring: Scoring;
  readonly since?: Date;
  readonly skipJunkTrash?: boolean;
  readonly insecure?: boolean;
  readonly concurrency: number;
  readonly maxMessageBytes: number;
  readonly socketTimeout?: number;
}

export interface AccountTask {
  readonly account: Account;
  readonly server: ImapServer;
}

export interface HuntResult {
  readonly judged: Judged[];
  readonly campaigns: Campaign[];
  readonly problems: Problem[];
  readonly tasks: readonly AccountTask[];
  readonly stats: {
    files: number;
    bytes: number;
    messages: number;
    accounts: number;
    failedAccounts: number;
  };
}

export interface HuntProgress {
  message?(): void;
  problem?(p: Problem): void;
}

/** Which server each account is searched on: its own `url`, else every IMAP source given. */
export function accountTasks(accounts: readonly Account[], servers: readonly ImapServer[]): AccountTask[] {
  return accounts.flatMap((account) =>
    account.server ? [{ account, server: account.server }] : servers.map((server) => ({ account, server })),
  );
}

export function accountLabel(t: AccountTask): string {
  return `${t.account.org ? `${t.account.org}/` : ''}${t.account.user} at ${t.server.secure ? 'imaps' : 'imap'}://${t.server.host}:${t.server.port}`;
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

export async function hunt(cfg: HuntConfig, progress: HuntProgress = {}): Promise<HuntResult> {
  const engine = new CampaignEngine(cfg.scoring);
  const problems: Problem[] = [];
  const problem = (p: Problem) => {
    problems.push(p);
    progress.problem?.(p);
  };
  const stats = { files: 0, bytes: 0, messages: 0, accounts: 0, failedAccounts: 0 };

  if (cfg.paths.length) {
    const analyze = cfg.analyze;
    const since = cfg.since
      ? Date.UTC(cfg.since.getUTCFullYear(), cfg.since.getUTCMonth(), cfg.since.getUTCDate())
      : undefined;
    const detector = defineDetector({
      id: 'mail.hunt',
      description: 'verdict and campaign features of every message',
      kinds: ['mail'],
      rules: [],
      create: () => ({
        async onRecord(rec: MailRecord) {
          const { verdict, features } = await judgeMessage(rec.raw, analyze, undefined, parseMail(rec));
          // Files have no INTERNALDATE: --since goes by the Date header (undated messages are kept).
          if (since !== undefined && features.time && Date.parse(features.time) < since) return;
          engine.add(
            {
              path: rec.source.path,
              ...(rec.source.line ? { line: rec.source.line } : {}),
              org: features.recipientOrg,
            },
            features,
            verdict,
          );
          progress.message?.();
        },
      }),
    });
    const scanner = new Scanner(
      {
        detectors: [detector],
        readers: { 'mail.message': READERS['mail.message']!, 'mail.mbox': READERS['mail.mbox']! },
        limits: DEFAULT_LIMITS,
        context: { intel: cfg.intel },
      },
      { finding: () => {}, problem, skipped: () => {} },
    );
    const s = await scanner.scan([...cfg.paths]);
    stats.files = s.files;
    stats.bytes += s.bytes;
  }

  const tasks = accountTasks(cfg.accounts, cfg.servers);
  await pool(tasks, cfg.concurrency, async (t) => {
    const label = accountLabel(t);
    let read = 0;
    let inFolder = '';
    let client: ImapFlow | undefined;
    try {
      client = await openSession(t.server, t.account.user, t.account.password, {
        ...(cfg.insecure ? { insecure: true } : {}),
        ...(cfg.socketTimeout ? { socketTimeout: cfg.socketTimeout } : {}),
      });
      for await (const m of readAccount(
        client,
        t.server,
        t.account.user,
        {
          ...(cfg.since ? { since: cfg.since } : {}),
          skipJunkTrash: !!cfg.skipJunkTrash,
          maxMessageBytes: cfg.maxMessageBytes,
          onFolder: (p) => (inFolder = p),
        },
        (mailbox, message) =>
          problem({ level: 'error', source: { path: label }, message: `${mailbox}: ${message}` }),
      )) {
        read++;
        stats.bytes += m.raw.length;
        if (m.truncated)
          problem({
            level: 'warning',
            source: { path: m.url },
            message: `message of ${m.size} bytes; analysed the first ${cfg.maxMessageBytes}`,
          });
        let judged;
        try {
          judged = await judgeMessage(m.raw, cfg.analyze, m.internalDate);
        } catch (e) {
          // One hostile message must not end the account's hunt.
          problem({
            level: 'error',
            source: { path: m.url },
            message: `not judged: ${(e as Error).message}`,
          });
          continue;
        }
        const { verdict, features } = judged;
        engine.add(
          {
            path: m.url,
            org: t.account.org,
            user: t.account.user,
            mailbox: m.mailbox,
            uid: m.uid,
            uidValidity: m.uidValidity,
          },
          features,
          verdict,
        );
        progress.message?.();
      }
      stats.accounts++;
    } catch (e) {
      stats.failedAccounts++;
      problem({
        level: 'error',
        source: { path: label },
        message: `${sessionError(e)}${inFolder ? ` (in ${inFolder}, after ${read} messages; the rest of this account was not read)` : ''}`,
      });
    } finally {
      await closeSession(client);
    }
  });
  const { judged, campaigns } = engine.finish();
  stats.messages = judged.length;
  return { judged, campaigns, problems, tasks, stats };
}
