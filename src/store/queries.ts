import { sql } from 'kysely';
import type { Store } from './open.ts';
import { SEVERITIES, type Severity } from '../model/severity.ts';
import { MALICIOUS_ACTIONS, VERDICTS, type OrgVerdict } from './verdicts.ts';

/** The read side of the API: every answer is an indexed query over the store, nothing cached. */

const FP = 'false_positive';

export interface SeverityCounts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
}

export interface OrgSummary {
  org: string;
  verdict: OrgVerdict;
  hosts: number;
  findings: SeverityCounts;
  sunburst: { victims: number };
  mail: { campaigns: number; malicious: number; maliciousCampaigns: number };
  lastImport: string | null;
}

type OrgRow = {
  name: string;
  verdict: string;
  hosts: number;
  n_critical: number;
  n_high: number;
  n_medium: number;
  n_low: number;
  n_info: number;
  victims: number;
  campaigns: number;
  malicious_campaigns: number;
  malicious: number;
  last_import: string | null;
};

const ORG_COLUMNS = [
  'name',
  'verdict',
  'hosts',
  'n_critical',
  'n_high',
  'n_medium',
  'n_low',
  'n_info',
  'victims',
  'campaigns',
  'malicious_campaigns',
  'malicious',
  'last_import',
] as const;

function orgSummary(r: OrgRow): OrgSummary {
  return {
    org: r.name,
    verdict: r.verdict as OrgVerdict,
    hosts: Number(r.hosts),
    findings: {
      critical: Number(r.n_critical),
      high: Number(r.n_high),
      medium: Number(r.n_medium),
      low: Number(r.n_low),
      info: Number(r.n_info),
    },
    sunburst: { victims: Number(r.victims) },
    mail: {
      campaigns: Number(r.campaigns),
      malicious: Number(r.malicious),
      maliciousCampaigns: Number(r.malicious_campaigns),
    },
    lastImport: r.last_import,
  };
}

/** Organisations worst verdict first, then by name; `only` limits to one (an org token's). */
export async function listOrgs(store: Store, only?: string): Promise<OrgSummary[]> {
  let q = store.db.selectFrom('orgs').select(ORG_COLUMNS);
  if (only !== undefined) q = q.where('name', '=', only);
  const rows = await q.orderBy('verdict_rank', 'desc').orderBy('name').execute();
  return rows.map(orgSummary);
}

export async function orgId(store: Store, name: string): Promise<number | null> {
  const r = await store.db.selectFrom('orgs').select('id').where('name', '=', name).executeTakeFirst();
  return r ? Number(r.id) : null;
}

export interface HostView {
  name: string;
  verdict: OrgVerdict;
  verdictFindingId: number | null;
  firstActivity: string | null;
  build: {
    now: string | null;
    nowVerdict: string | null;
    label: string | null;
    atFirstActivity: string | null;
    exposedAtFirstActivity: boolean | null;
  };
  /** The exact update to install, from the Exchange build findings. */
  fix: string | null;
  attackerIps: string[];
}

export async function orgDetail(store: Store, name: string) {
  const o = await store.db
    .selectFrom('orgs')
    .select(['id', ...ORG_COLUMNS])
    .where('name', '=', name)
    .executeTakeFirst();
  if (!o) return null;
  const id = Number(o.id);
  const hosts = await store.db
    .selectFrom('hosts')
    .selectAll()
    .where('org_id', '=', id)
    .orderBy('verdict_rank', 'desc')
    .orderBy('name')
    .limit(10_000)
    .execute();
  const campaigns = await store.db
    .selectFrom('campaigns as c')
    .innerJoin('findings as f', 'f.id', 'c.finding_id')
    .select([
      'c.finding_id',
      'c.campaign',
      'c.action',
      'c.size',
      'c.orgs',
      'c.first_seen',
      'c.last_seen',
      'c.subjects',
      'c.senders',
      'f.status',
    ])
    .where('c.org_id', '=', id)
    .orderBy('c.first_seen', 'desc')
    .limit(1000)
    .execute();
  const victims = await store.db
    .selectFrom('sunburst_victims as v')
    .innerJoin('findings as f', 'f.id', 'v.finding_id')
    .select(['v.finding_id', 'v.uid', 'v.domain', 'v.stage', 'v.first_seen', 'v.last_seen', 'f.status'])
    .where('v.org_id', '=', id)
    .orderBy('v.first_seen')
    .limit(1000)
    .execute();
  const rules = await store.db
    .selectFrom('findings')
    .select([
      'rule',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.max('sev_rank').as('worst'),
      (eb) => eb.fn.min(eb.fn('nullif', ['time', sql.lit('')])).as('first'),
      (eb) => eb.fn.max('time').as('last'),
    ])
    .where('org_id', '=', id)
    .where('status', '<>', FP)
    .groupBy('rule')
    .orderBy('worst', 'desc')
    .orderBy('rule')
    .execute();
  const imports = await store.db
    .selectFrom('imports')
    .select(['id', 'source', 'actor', 'finished_at', 'lines', 'added', 'duplicates', 'malformed'])
    .where('org_id', '=', id)
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  const json = (s: string | null): string[] => {
    try {
      const v: unknown = JSON.parse(s ?? '[]');
      return Array.isArray(v) ? v.map(String) : [];
    } catch {
      return [];
    }
  };
  return {
    ...orgSummary(o),
    hosts: hosts.map((h): HostView => ({
      name: h.name,
      verdict: (h.verdict ?? 'unknown') as OrgVerdict,
      verdictFindingId: h.verdict_finding_id === null ? null : Number(h.verdict_finding_id),
      firstActivity: h.first_activity,
      build: {
        now: h.build_now,
        nowVerdict: h.build_now_verdict,
        label: h.build_label,
        atFirstActivity: h.build_then,
        exposedAtFirstActivity: h.exposed_then === null ? null : Number(h.exposed_then) === 1,
      },
      fix: h.fix,
      attackerIps: json(h.attacker_ips),
    })),
    hostCount: Number(o.hosts),
    campaigns: campaigns.map((c) => ({
      findingId: Number(c.finding_id),
      campaign: c.campaign,
      action: c.action,
      size: Number(c.size),
      orgs: Number(c.orgs),
      firstSeen: c.first_seen,
      lastSeen: c.last_seen,
      subjects: json(c.subjects),
      senders: json(c.senders),
      status: c.status,
    })),
    victims: victims.map((v) => ({
      findingId: Number(v.finding_id),
      uid: v.uid,
      domain: v.domain,
      stage: v.stage,
      firstSeen: v.first_seen,
      lastSeen: v.last_seen,
      status: v.status,
    })),
    rules: rules.map((r) => ({
      rule: r.rule,
      count: Number(r.n),
      worst: SEVERITIES[Number(r.worst)] ?? 'info',
      first: (r.first as string | null) || null,
      last: (r.last as string | null) || null,
    })),
    imports: imports.map((i) => ({
      id: Number(i.id),
      source: i.source,
      actor: i.actor,
      at: i.finished_at,
      lines: Number(i.lines),
      added: Number(i.added),
      duplicates: Number(i.duplicates),
      malformed: Number(i.malformed),
    })),
  };
}

export interface FindingFilter {
  severity?: readonly Severity[];
  rule?: string;
  host?: string;
  status?: readonly string[];
  /** Case-insensitive substring of the title. */
  q?: string;
  since?: string;
  until?: string;
}

export interface FindingItem {
  id: number;
  org: string;
  rule: string;
  severity: string;
  time: string | null;
  host: string | null;
  title: string;
  status: string;
  finding: unknown;
}

/** An opaque cursor: the sort key of the last finding of a page. */
type Cursor = [rank: number, time: string, id: number];

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(s: string): Cursor | null {
  if (s.length > 200 || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      Number.isInteger(v[0]) &&
      typeof v[1] === 'string' &&
      v[1].length <= 40 &&
      Number.isSafeInteger(v[2])
    )
      return v as Cursor;
  } catch {
    /* not a cursor */
  }
  return null;
}

function filtered(store: Store, orgIdValue: number, f: FindingFilter) {
  let q = store.db.selectFrom('findings').where('org_id', '=', orgIdValue);
  if (f.severity?.length)
    q = q.where(
      'sev_rank',
      'in',
      f.severity.map((s) => SEVERITIES.indexOf(s)),
    );
  if (f.rule !== undefined) {
    if (f.rule.endsWith('*')) {
      const prefix = f.rule.slice(0, -1);
      // A prefix range instead of LIKE: no wildcard characters to escape, and the index is used.
      q = q.where('rule', '>=', prefix).where('rule', '<', `${prefix}\u{10FFFF}`);
    } else q = q.where('rule', '=', f.rule);
  }
  if (f.host !== undefined) q = q.where('host', '=', f.host);
  if (f.status?.length) q = q.where('status', 'in', [...f.status]);
  if (f.since !== undefined) q = q.where('time', '>=', f.since);
  if (f.until !== undefined) q = q.where('time', '<', f.until).where('time', '<>', '');
  if (f.q !== undefined && f.q !== '') {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
  }
  return q;
}

/** A page of findings: most severe first, then newest; `next` is null on the last page. */
export async function findingsPage(
  store: Store,
  org: { id: number; name: string },
  f: FindingFilter,
  limit: number,
  cursor: Cursor | null,
): Promise<{ findings: FindingItem[]; next: string | null }> {
  let q = filtered(store, org.id, f).select([
    'id',
    'rule',
    'severity',
    'sev_rank',
    'time',
    'host',
    'title',
    'status',
    'data',
  ]);
  if (cursor) {
    const [r, t, i] = cursor;
    q = q.where((eb) =>
      eb.or([
        eb('sev_rank', '<', r),
        eb.and([eb('sev_rank', '=', r), eb('time', '<', t)]),
        eb.and([eb('sev_rank', '=', r), eb('time', '=', t), eb('id', '<', i)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('sev_rank', 'desc')
    .orderBy('time', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    findings: page.map((r) => ({
      id: Number(r.id),
      org: org.name,
      rule: r.rule,
      severity: r.severity,
      time: r.time || null,
      host: r.host,
      title: r.title,
      status: r.status,
      finding: JSON.parse(r.data) as unknown,
    })),
    next:
      rows.length > limit && last ? encodeCursor([Number(last.sev_rank), last.time, Number(last.id)]) : null,
  };
}

/** Findings per day and severity (false positives left out), for the timeline chart. */
export async function timeline(store: Store, orgIdValue: number, f: FindingFilter) {
  const day = sql<string>`substr(time, 1, 10)`;
  const rows = await filtered(store, orgIdValue, {
    ...f,
    status: f.status ?? ['open', 'triaged', 'remediated'],
  })
    .select([day.as('day'), 'sev_rank', (eb) => eb.fn.countAll<number>().as('n')])
    .where('time', '<>', '')
    .groupBy([day, 'sev_rank'])
    .orderBy('day')
    .execute();
  const days = new Map<string, SeverityCounts & { day: string }>();
  for (const r of rows) {
    const d = days.get(r.day) ?? { day: r.day, critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    d[SEVERITIES[Number(r.sev_rank)] ?? 'info'] += Number(r.n);
    days.set(r.day, d);
  }
  return [...days.values()];
}

export async function getFinding(store: Store, id: number) {
  const r = await store.db
    .selectFrom('findings as f')
    .innerJoin('orgs as o', 'o.id', 'f.org_id')
    .select([
      'f.id',
      'o.name as org',
      'f.rule',
      'f.severity',
      'f.time',
      'f.host',
      'f.title',
      'f.status',
      'f.data',
      'f.import_id',
    ])
    .where('f.id', '=', id)
    .executeTakeFirst();
  if (!r) return null;
  const history = await store.db
    .selectFrom('finding_status')
    .select(['status', 'actor', 'reason', 'at'])
    .where('finding_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    id: Number(r.id),
    org: r.org,
    rule: r.rule,
    severity: r.severity,
    time: r.time || null,
    host: r.host,
    title: r.title,
    status: r.status,
    importId: r.import_id === null ? null : Number(r.import_id),
    finding: JSON.parse(r.data) as unknown,
    history: history.map((h) => ({ ...h })),
  };
}

/** The finding's organisation name (for the role check before anything else is read). */
export async function findingOrg(store: Store, id: number): Promise<string | null> {
  const r = await store.db
    .selectFrom('findings as f')
    .innerJoin('orgs as o', 'o.id', 'f.org_id')
    .select('o.name')
    .where('f.id', '=', id)
    .executeTakeFirst();
  return r ? r.name : null;
}

export async function summary(store: Store, only?: string) {
  let q = store.db
    .selectFrom('orgs')
    .select([
      'verdict',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('victims').as('victims'),
      (eb) => eb.fn.sum<number>('n_critical').as('critical'),
      (eb) => eb.fn.sum<number>('n_high').as('high'),
      (eb) => eb.fn.sum<number>('n_medium').as('medium'),
      (eb) => eb.fn.sum<number>('n_low').as('low'),
      (eb) => eb.fn.sum<number>('n_info').as('info'),
    ])
    .groupBy('verdict');
  if (only !== undefined) q = q.where('name', '=', only);
  const rows = await q.execute();
  const byVerdict = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<OrgVerdict, number>;
  const findings: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let orgs = 0;
  let victims = 0;
  for (const r of rows) {
    byVerdict[r.verdict as OrgVerdict] = Number(r.n);
    orgs += Number(r.n);
    victims += Number(r.victims ?? 0);
    for (const s of SEVERITIES) findings[s] += Number(r[s] ?? 0);
  }
  let c = store.db
    .selectFrom('campaigns as c')
    .innerJoin('findings as f', 'f.id', 'c.finding_id')
    .select((eb) => eb.fn.count<number>('c.campaign').distinct().as('n'))
    .where('c.action', 'in', [...MALICIOUS_ACTIONS])
    .where('f.status', '<>', FP);
  if (only !== undefined) c = c.innerJoin('orgs as o', 'o.id', 'c.org_id').where('o.name', '=', only);
  const mc = await c.executeTakeFirstOrThrow();
  return { orgs, byVerdict, sunburstVictims: victims, maliciousCampaigns: Number(mc.n), findings };
}

/** The store's version: it changes with every committed import and status change. */
export async function storeVersion(store: Store): Promise<number> {
  const r = await store.db
    .selectFrom('store_version')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(r?.version ?? 0);
}
