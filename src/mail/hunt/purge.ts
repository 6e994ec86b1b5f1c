import type { Judged } from '../campaign/engine.ts';

/**
 * The purge list: one CSV row per message whose final action is quarantine or reject, with the
 * columns `org,user,mailbox,uid,message_id,campaign,action,reason` (for a file source, `mailbox`
 * holds the file's path and `uid` is empty). Values are attacker-written (Message-IDs, subjects
 * in reasons): quoted per RFC 4180, and a value that a spreadsheet would run as a formula is
 * prefixed with a quote.
 */
export const PURGE_HEADER = 'org,user,mailbox,uid,message_id,campaign,action,reason';

export function csvField(v: string): string {
  let s = v.replace(/[\r\n]+/g, ' ');
  if (/^[=+\-@\t]/.test(s)) s = `'${s}`;
  return /[",]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function purgeReason(j: Judged): string {
  const c = j.verdict.signals.find((s) => s.name.startsWith('CAMPAIGN_'));
  const own = j.verdict.signals
    .filter((s) => s.weight > 0 && !s.name.startsWith('CAMPAIGN_'))
    .slice(0, 4)
    .map((s) => s.name);
  return [c ? `${c.name}: ${c.description}` : '', own.length ? `own: ${own.join(' ')}` : '']
    .filter(Boolean)
    .join('; ');
}

export function toPurge(judged: readonly Judged[]): Judged[] {
  return judged.filter((j) => j.verdict.action === 'quarantine' || j.verdict.action === 'reject');
}

export function purgeCsv(judged: readonly Judged[]): string {
  const rows = toPurge(judged).map((j) =>
    [
      j.ref.org ?? '',
      j.ref.user ?? '',
      j.ref.mailbox ?? (j.ref.uid === undefined ? j.ref.path : ''),
      j.ref.uid !== undefined ? String(j.ref.uid) : '',
      j.verdict.messageId,
      j.campaign ?? '',
      j.verdict.action,
      purgeReason(j),
    ]
      .map(csvField)
      .join(','),
  );
  return `${[PURGE_HEADER, ...rows].join('\n')}\n`;
}
