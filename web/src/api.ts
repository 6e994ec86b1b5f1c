// The JSON API of `vigil serve --api` (see /api/openapi.json), as the dashboard reads it.
import { clearToken, getToken } from './session.ts';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Worst first: the order the organisation list is sorted in. */
export const VERDICTS = ['compromised', 'attempted', 'vulnerable', 'probed', 'clean', 'unknown'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const STATUSES = ['open', 'triaged', 'false_positive', 'remediated'] as const;
export type Status = (typeof STATUSES)[number];

export type Counts = Record<Severity, number>;

export interface OrgRow {
  org: string;
  verdict: Verdict;
  hosts: number;
  findings: Counts;
  sunburst: { victims: number };
  mail: { campaigns: number; malicious: number; maliciousCampaigns?: number };
  lastImport: string | null;
}

export interface Summary {
  orgs: number;
  byVerdict: Partial<Record<Verdict, number>>;
  sunburstVictims: number;
  maliciousCampaigns: number;
}

export interface SourceRef {
  path: string;
  line?: number;
  offset?: number;
}

/** A finding as vigil writes it (DESIGN.md), with the store's id and current status beside it. */
export interface Finding {
  id: number;
  rule: string;
  title: string;
  severity: Severity;
  status: Status;
  cve?: string[];
  attack?: string[];
  time?: string | null;
  host?: string | null;
  source?: SourceRef | null;
  evidence?: Record<string, unknown> | null;
  remediation?: string | null;
}

/** One row of GET /api/orgs/:org/findings: the store's columns and the finding as imported. */
interface FindingItem {
  id: number;
  rule: string;
  severity: Severity;
  time: string | null;
  host: string | null;
  title: string;
  status: Status;
  finding: Record<string, unknown> | null;
}

export interface FindingsPage {
  findings: Finding[];
  next: string | null;
}

export interface StatusEntry {
  status: Status;
  actor: string;
  reason: string;
  at: string;
}

export interface FindingDetail {
  id: number;
  status: Status;
  history: StatusEntry[];
}

export interface HostView {
  name: string;
  verdict: Verdict;
  firstActivity: string | null;
  build: {
    now: string | null;
    nowVerdict: string | null;
    label: string | null;
    atFirstActivity: string | null;
    exposedAtFirstActivity: boolean | null;
  };
  fix: string | null;
  attackerIps: string[];
}

export interface Campaign {
  findingId: number;
  campaign: string;
  action: string;
  size: number;
  orgs: number;
  firstSeen: string | null;
  lastSeen: string | null;
  subjects: string[];
  senders: string[];
  status: Status;
}

export interface Victim {
  findingId: number;
  uid: string;
  domain: string | null;
  stage: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  status: Status;
}

export interface RuleCount {
  rule: string;
  count: number;
  worst: Severity;
  first: string | null;
  last: string | null;
}

export interface OrgDetail extends Omit<OrgRow, 'hosts'> {
  hosts: HostView[];
  hostCount: number;
  campaigns: Campaign[];
  victims: Victim[];
  rules: RuleCount[];
}

export type TimelineDay = { day: string } & Counts;

export interface Me {
  role: 'admin' | 'analyst' | 'org';
  org: string | null;
  label: string;
}

export interface FindingsQuery {
  severity?: string;
  rule?: string;
  host?: string;
  status?: string;
  q?: string;
  limit?: number;
  cursor?: string | null;
}

/** An API answer other than 2xx (401 never reaches callers: it ends the session). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized: () => void = () => {};

/** The app sets this: a 401 anywhere sends the analyst back to the login form. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  accept: 'json' | 'text' = 'json',
): Promise<T> {
  const token = getToken();
  const headers: Record<string, string> = { accept: accept === 'json' ? 'application/json' : '*/*' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached.');
  }
  if (res.status === 401) {
    clearToken();
    onUnauthorized();
    throw new ApiError(401, 'The token was not accepted.');
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const j = (await res.json()) as { message?: unknown; error?: unknown };
      if (typeof j.message === 'string') message = j.message;
      else if (typeof j.error === 'string') message = j.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(res.status, message);
  }
  if (res.status === 204) return undefined as T;
  return (accept === 'json' ? await res.json() : await res.text()) as T;
}

/** Organisation names are kept as given (Unicode, spaces, slashes): always percent-encoded in paths. */
export const orgPath = (org: string) => `api/orgs/${encodeURIComponent(org)}`;

const query = (q: Record<string, string | number | null | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v != null && v !== '') p.set(k, String(v));
  const qs = p.toString();
  return qs ? `?${qs}` : '';
};

/** The list row and the finding as imported, as one object (the store's id and status win). */
function toFinding(i: FindingItem): Finding {
  return {
    ...(i.finding ?? {}),
    id: i.id,
    rule: i.rule,
    severity: i.severity,
    time: i.time,
    host: i.host,
    title: i.title,
    status: i.status,
  };
}

export const api = {
  /** Checks a token before keeping it (does not end a session on 401: the form shows the error). */
  async check(token: string): Promise<boolean> {
    const res = await fetch('api/me', {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status === 401 || res.status === 403) return false;
    if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
    return true;
  },
  me: () => call<Me>('GET', 'api/me'),
  summary: () => call<Summary>('GET', 'api/summary'),
  orgs: () => call<OrgRow[]>('GET', 'api/orgs'),
  org: (org: string) => call<OrgDetail>('GET', orgPath(org)),
  async findings(org: string, q: FindingsQuery): Promise<FindingsPage> {
    const page = await call<{ findings: FindingItem[]; next: string | null }>(
      'GET',
      `${orgPath(org)}/findings${query({ ...q })}`,
    );
    return { findings: page.findings.map(toFinding), next: page.next };
  },
  timeline: (org: string, q: Pick<FindingsQuery, 'severity' | 'rule' | 'host' | 'q'> = {}) =>
    call<{ days: TimelineDay[] }>('GET', `${orgPath(org)}/timeline${query(q)}`).then((r) => r.days),
  /** Every finding matching the filters, streamed by the server as CSV or JSON Lines. */
  export: (org: string, format: 'csv' | 'jsonl', q: Omit<FindingsQuery, 'limit' | 'cursor'>) =>
    call<string>('GET', `${orgPath(org)}/export${query({ ...q, format })}`, undefined, 'text'),
  finding: (id: number) => call<FindingDetail>('GET', `api/findings/${id}`),
  setStatus: (id: number, status: Status, reason?: string) =>
    call<FindingDetail>('PATCH', `api/findings/${id}`, { status, ...(reason ? { reason } : {}) }),
};

/** Findings that count: every status but false positive. */
export const LIVE = 'open,triaged,remediated';
