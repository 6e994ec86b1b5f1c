import { createHash } from 'node:crypto';
import type { MailVerdict } from '../analyze.ts';
import { ACTIONS, type Action, type Scoring, type Signal } from '../signals.ts';
import type { CampaignFeatures } from './features.ts';

/**
 * A campaign judged as a whole. Being broad is not being bad: an agency's newsletter reaches
 * hundreds of organisations within the hour through the same kind of ESP as NOBELIUM's lure did.
 * What pulls a campaign is evidence on its members, shared by all of them through the cluster:
 *
 * 1. CAMPAIGN_IOC — a member matched a published indicator (sender, link, attachment hash):
 *    the campaign is rejected, every copy with it (the retro-hunt).
 * 2. CAMPAIGN_MALICIOUS_MEMBER — a member's own verdict is quarantine or reject because of its
 *    payload (disk image, shortcut, executable, HTML smuggling, a password form, YARA): every copy
 *    takes that action, including copies whose payload was stripped or hidden behind a tracker.
 * 3. CAMPAIGN_BROAD_TRUSTED_SENDER — broad (BROAD_ORGS or more unrelated organisations within
 *    BROAD_WINDOW_MS) AND most members are a high-value identity mailing through a bulk-mail
 *    service without aligned authentication (ESP_HIGH_VALUE_SENDER) AND most carry a lure or a
 *    deceptive-link or identity signal: quarantine. A genuine newsletter signs with its own
 *    domain (or writes from the ESP's), so its copies never raise ESP_HIGH_VALUE_SENDER.
 * 4. CAMPAIGN_MAJORITY — at least half the members are quarantined or rejected on their own.
 *
 * Otherwise the campaign's action is the most common member action, and nothing is applied.
 */
export const BROAD_ORGS = 3;
export const BROAD_WINDOW_MS = 72 * 3600 * 1000;

const IOC = new Set(['URL_IOC', 'FROM_IOC', 'ATTACH_IOC']);
const PAYLOAD = new Set([
  'ATTACH_DISK_IMAGE',
  'ATTACH_LNK',
  'ATTACH_EXECUTABLE',
  'ATTACH_MACRO',
  'ATTACH_HTML_SMUGGLING',
  'ATTACH_HTML_CREDENTIAL_FORM',
  'URL_SERVES_DISK_IMAGE',
  'HTML_FORM_PASSWORD',
  'YARA_MATCH',
]);
const DECEPTION = /^(?:LURE_|URL_OPEN_REDIRECT$|URL_FOREIGN_CTA$|URL_ANCHOR_MISMATCH$|FROM_BRAND|REPLYTO_)/;

export interface Member {
  readonly features: CampaignFeatures;
  /** The organisation (accounts file), else the first recipient's registered domain. */
  readonly org: string;
  readonly verdict: Pick<MailVerdict, 'action' | 'score' | 'signals' | 'messageId'>;
}

export interface CampaignJudgement {
  readonly id: string;
  readonly size: number;
  readonly orgs: readonly string[];
  readonly recipients: number;
  readonly senders: readonly string[];
  readonly subjects: readonly string[];
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly broad: boolean;
  /** Traits (`kind:value`) found in at least two members, by kind. */
  readonly shared: Readonly<Record<string, readonly string[]>>;
  readonly action: Action;
  /** Present when the campaign's action is quarantine or reject: what every member takes. */
  readonly signal?: {
    readonly name: string;
    readonly why: string;
    readonly evidence: Record<string, string>;
  };
}

const rank = (a: Action) => ACTIONS.indexOf(a);
const MAX_LISTED = 50;

function topBy<T>(items: Iterable<T>, cap: number): T[] {
  const counts = new Map<T, number>();
  for (const x of items) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1))
    .slice(0, cap)
    .map(([k]) => k);
}

export function judgeCampaign(members: readonly Member[]): CampaignJudgement {
  const times = members
    .map((m) => m.features.time)
    .filter((t): t is string => !!t)
    .sort();
  const firstSeen = times[0];
  const lastSeen = times[times.length - 1];
  const orgs = [...new Set(members.map((m) => m.org).filter(Boolean))].sort();
  const span = firstSeen && lastSeen ? Date.parse(lastSeen) - Date.parse(firstSeen) : 0;
  const broad = orgs.length >= BROAD_ORGS && span <= BROAD_WINDOW_MS;
  const recipients = new Set(members.flatMap((m) => m.features.recipients)).size;
  const senders = topBy(
    members.map((m) => m.features.sender),
    MAX_LISTED,
  );
  const subjects = topBy(
    members.map((m) => m.features.subject),
    20,
  );
  const traitCount = new Map<string, number>();
  for (const m of members) for (const t of m.features.traits) traitCount.set(t, (traitCount.get(t) ?? 0) + 1);
  const shared: Record<string, string[]> = {};
  for (const [t, n] of [...traitCount.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    if (n < 2) continue;
    const i = t.indexOf(':');
    const kind = t.slice(0, i);
    const list = (shared[kind] ??= []);
    if (list.length < 10) list.push(t.slice(i + 1));
  }
  // A stable id: from what the members share most, not from the order they were read in.
  const basis = [subjects[0] ?? '', senders[0] ?? '', ...(shared['esp-campaign'] ?? []).slice(0, 1)].join(
    '|',
  );
  const id = `C-${createHash('sha256').update(basis).digest('hex').slice(0, 12)}`;

  const has = (m: Member, pred: (s: Signal) => boolean) => m.verdict.signals.some(pred);
  const half = Math.ceil(members.length / 2);
  let action: Action = topBy(
    members.map((m) => m.verdict.action),
    1,
  )[0]!;
  let signal: CampaignJudgement['signal'];

  const iocMember = members.find((m) => has(m, (s) => IOC.has(s.name)));
  const payloadMember = members
    .filter((m) => rank(m.verdict.action) >= rank('quarantine') && has(m, (s) => PAYLOAD.has(s.name)))
    .sort((a, b) => rank(b.verdict.action) - rank(a.verdict.action) || b.verdict.score - a.verdict.score)[0];
  const trusted = members.filter((m) => has(m, (s) => s.name === 'ESP_HIGH_VALUE_SENDER')).length;
  const deceptive = members.filter((m) => has(m, (s) => DECEPTION.test(s.name) && s.weight > 0)).length;
  const bad = members.filter((m) => rank(m.verdict.action) >= rank('quarantine')).length;
  if (iocMember) {
    const s = iocMember.verdict.signals.find((x) => IOC.has(x.name))!;
    action = 'reject';
    signal = {
      name: 'CAMPAIGN_IOC',
      why: `a copy of this campaign matched a published indicator (${s.name})`,
      evidence: {
        messageId: iocMember.verdict.messageId,
        signal: s.name,
        indicator: String(s.evidence['indicator'] ?? ''),
        feed: String(s.evidence['feed'] ?? ''),
      },
    };
  } else if (payloadMember) {
    action = payloadMember.verdict.action;
    const s = payloadMember.verdict.signals.filter((x) => PAYLOAD.has(x.name)).map((x) => x.name);
    signal = {
      name: 'CAMPAIGN_MALICIOUS_MEMBER',
      why: `a copy of this campaign is ${action} on its own payload (${s.join(', ')})`,
      evidence: { messageId: payloadMember.verdict.messageId, signals: s.join(', ') },
    };
  } else if (broad && trusted >= half && deceptive >= half) {
    action = 'quarantine';
    signal = {
      name: 'CAMPAIGN_BROAD_TRUSTED_SENDER',
      why: `${members.length} copies to ${orgs.length} organisations within ${Math.round(span / 60000)} minutes from a high-value sender through a bulk-mail service without aligned authentication, with a lure`,
      evidence: {
        orgs: String(orgs.length),
        minutes: String(Math.round(span / 60000)),
        highValueViaEsp: `${trusted}/${members.length}`,
        lure: `${deceptive}/${members.length}`,
      },
    };
  } else if (bad >= half) {
    action = 'quarantine';
    signal = {
      name: 'CAMPAIGN_MAJORITY',
      why: `${bad} of ${members.length} copies are quarantined or rejected on their own`,
      evidence: { flagged: `${bad}/${members.length}` },
    };
  } else if (rank(action) >= rank('quarantine')) action = 'add_header';

  return {
    id,
    size: members.length,
    orgs,
    recipients,
    senders,
    subjects,
    ...(firstSeen ? { firstSeen } : {}),
    ...(lastSeen ? { lastSeen } : {}),
    broad,
    shared,
    action,
    ...(signal ? { signal } : {}),
  };
}

/**
 * A member of a malicious campaign takes the campaign's action: a CAMPAIGN_* signal naming the
 * campaign and why, weighing what lifts the score to the action's threshold (every point of a
 * score comes from a named signal). Other verdicts are returned unchanged.
 */
export function applyCampaign(v: MailVerdict, c: CampaignJudgement, scoring: Scoring): MailVerdict {
  if (!c.signal || (c.action !== 'quarantine' && c.action !== 'reject')) return v;
  const threshold = scoring.thresholds[c.action];
  const weight = Math.round(Math.max(0, threshold - v.score) * 100) / 100;
  const sig: Signal = {
    name: c.signal.name,
    weight,
    description: c.signal.why,
    evidence: {
      campaign: c.id,
      size: c.size,
      orgs: c.orgs.length,
      campaignAction: c.action,
      ...c.signal.evidence,
    },
  };
  const score = Math.round((v.score + weight) * 100) / 100;
  const action = rank(v.action) >= rank(c.action) ? v.action : c.action;
  return {
    ...v,
    score,
    action,
    signals: [...v.signals, sig].sort((a, b) => b.weight - a.weight),
  };
}
