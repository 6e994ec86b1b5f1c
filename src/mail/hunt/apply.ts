import type { ImapFlow } from 'imapflow';
import type { Judged } from '../campaign/engine.ts';
import { closeSession, openSession, sessionError } from '../imap/session.ts';
import { moveMessages, type MoveEvent } from '../imap/move.ts';
import { accountLabel, pool, type AccountTask } from './run.ts';
import { toPurge } from './purge.ts';

/**
 * `--apply move:FOLDER` over the purge list: per account, the messages to pull (IMAP sources
 * only: files are listed, never changed), a dry-run summary first, then the moves, each one
 * reported. An account that fails is reported and the others go on.
 */
export interface MovePlan {
  readonly task: AccountTask;
  readonly items: readonly Judged[];
}

export function planMoves(judged: readonly Judged[], tasks: readonly AccountTask[]): MovePlan[] {
  const byKey = new Map<string, Judged[]>();
  for (const j of toPurge(judged)) {
    if (j.ref.uid === undefined || j.ref.uidValidity === undefined || j.ref.mailbox === undefined) continue;
    const k = `${j.ref.org ?? ''}\0${j.ref.user ?? ''}\0${serverOf(j.ref.path)}`;
    let l = byKey.get(k);
    if (!l) byKey.set(k, (l = []));
    l.push(j);
  }
  const plans: MovePlan[] = [];
  for (const task of tasks) {
    const k = `${task.account.org}\0${task.account.user}\0${task.server.host}:${task.server.port}`;
    const items = byKey.get(k);
    if (items?.length) plans.push({ task, items });
  }
  return plans;
}

function serverOf(url: string): string {
  const m = /^imaps?:\/\/[^@/]*@(\[[^\]]+\]|[^:/]+):(\d+)\//.exec(url);
  return m ? `${m[1]!.replace(/^\[|\]$/g, '')}:${m[2]}` : '';
}

export function planSummary(plans: readonly MovePlan[], folder: string): string {
  const n = plans.reduce((t, p) => t + p.items.length, 0);
  const boxes = new Set(plans.flatMap((p) => p.items.map((j) => `${accountLabel(p.task)}\0${j.ref.mailbox}`)))
    .size;
  const lines = [
    `--apply move:${folder}: ${n} message${n === 1 ? '' : 's'} in ${boxes} mailbox${boxes === 1 ? '' : 'es'} of ${plans.length} account${plans.length === 1 ? '' : 's'} will be moved`,
    ...plans.map((p) => `  ${accountLabel(p.task)}: ${p.items.length}`),
  ];
  return lines.join('\n');
}

export interface AppliedMove extends MoveEvent {
  readonly org: string;
  readonly user: string;
  readonly messageId: string;
  readonly campaign?: string;
}

export async function applyMoves(
  plans: readonly MovePlan[],
  folder: string,
  o: { insecure?: boolean; concurrency: number },
  log: (m: AppliedMove) => void,
  fail: (account: string, message: string) => void,
): Promise<void> {
  await pool(plans, o.concurrency, async (p) => {
    const { account, server } = p.task;
    let client: ImapFlow | undefined;
    try {
      client = await openSession(
        server,
        account.user,
        account.password,
        o.insecure ? { insecure: true } : {},
      );
      const byKey = new Map(p.items.map((j) => [`${j.ref.mailbox}\0${j.ref.uid}`, j]));
      await moveMessages(
        client,
        folder,
        p.items.map((j) => ({ mailbox: j.ref.mailbox!, uid: j.ref.uid!, uidValidity: j.ref.uidValidity! })),
        (e) => {
          const j = byKey.get(`${e.mailbox}\0${e.uid}`);
          log({
            ...e,
            org: account.org,
            user: account.user,
            messageId: j?.verdict.messageId ?? '',
            ...(j?.campaign ? { campaign: j.campaign } : {}),
          });
        },
      );
    } catch (e) {
      fail(accountLabel(p.task), sessionError(e));
    } finally {
      await closeSession(client);
    }
  });
}
