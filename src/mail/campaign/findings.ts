import { makeFinding, type Finding } from '../../model/finding.ts';
import type { Severity } from '../../model/severity.ts';
import type { Action } from '../signals.ts';
import { verdictFinding } from '../detector.ts';
import type { Campaign, Judged } from './engine.ts';

/** `mail.verdict` and `mail.campaign` findings from the campaign engine's results. */
const SEVERITY: Record<Action, Severity> = {
  no_action: 'info',
  add_header: 'medium',
  quarantine: 'high',
  reject: 'critical',
};

/** A verdict with where the message is (org, account, mailbox, UID) and its campaign in the evidence. */
export function judgedFinding(j: Judged): Finding {
  const f = verdictFinding(j.verdict, {
    source: { path: j.ref.path, ...(j.ref.line ? { line: j.ref.line } : {}) },
  });
  const r = j.ref;
  return {
    ...f,
    evidence: {
      ...f.evidence,
      ...(r.org !== undefined ? { org: r.org } : {}),
      ...(r.user !== undefined ? { user: r.user } : {}),
      ...(r.mailbox !== undefined ? { mailbox: r.mailbox } : {}),
      ...(r.uid !== undefined ? { uid: r.uid } : {}),
      ...(r.uidValidity !== undefined ? { uidValidity: r.uidValidity } : {}),
      ...(j.campaign ? { campaign: j.campaign } : {}),
    },
  };
}

export function campaignFinding(c: Campaign): Finding {
  const j = c.judgement;
  return makeFinding({
    rule: 'mail.campaign',
    title: `campaign ${j.id}: ${j.size} messages to ${j.orgs.length} organisations — ${j.action}${j.signal ? ` (${j.signal.name})` : ''}: ${(j.subjects[0] ?? '').slice(0, 80)}`,
    severity: SEVERITY[j.action],
    attack: j.action === 'quarantine' || j.action === 'reject' ? ['T1566'] : [],
    ...(j.firstSeen ? { time: j.firstSeen } : {}),
    source: { path: c.members[0]?.ref.path ?? '' },
    evidence: {
      campaign: j.id,
      size: j.size,
      orgs: [...j.orgs],
      recipients: j.recipients,
      senders: [...j.senders],
      subjects: [...j.subjects],
      ...(j.firstSeen ? { firstSeen: j.firstSeen } : {}),
      ...(j.lastSeen ? { lastSeen: j.lastSeen } : {}),
      broad: j.broad,
      shared: Object.fromEntries(Object.entries(j.shared).map(([k, v]) => [k, [...v]])),
      action: j.action,
      ...(j.signal ? { reason: j.signal.why, signal: j.signal.name } : {}),
      messages: c.members.map((m) => ({
        org: m.ref.org ?? '',
        user: m.ref.user ?? '',
        mailbox: m.ref.mailbox ?? '',
        uid: m.ref.uid ?? null,
        messageId: m.messageId,
        path: m.ref.path,
      })),
    },
    ...(j.action === 'quarantine' || j.action === 'reject'
      ? {
          remediation:
            'Pull every copy (vigil mail hunt … --purge-list FILE, then --apply move:FOLDER); block the shared senders, link templates and attachment hashes.',
        }
      : {}),
  });
}
