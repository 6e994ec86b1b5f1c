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
  mail: { campaigns: number; malicious: number };
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

export interface StatusChange {
  status: Status;
  by?: string | null;
  at?: string | null;
  note?: string | null;
}

export interface Finding {
  id: string | number;
  rule: string;
  title: string;
  severity: Severity;
  cve?: string[];
  attack?: string[];
  time?: string | null;
  host?: string | null;
  source?: SourceRef | null;
  evidence?: Record<string, unknown> | null;
  remediation?: string | null;
  status?: Status | StatusChange | null;
}

export interface FindingsPage {
  findings: Finding[];
  next: string | null;
}

export interface HostRow {
  host: string;
  verdict: Verdict;
  build?: string | null;
  buildThen?: string | null;
  product?: string | null;
  fix?: string | null;
  [k: string]: unknown;
}

export interface OrgDetail {
  org: string;
  verdict: Verdict;
  hosts: HostRow[];
  campaigns: Record<string, unknown>[];
  victims: Record<string, unknown>[];
  [k: string]: unknown;
}

export interface FindingsQuery {
  severity?: string;
  rule?: string;
  host?: string;
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

async function call<T>(method: string, path: string, body?: unknown, token = getToken()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
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
  return (await res.json()) as T;
}

/** Organisation names are kept as given (Unicode, spaces, slashes): always percent-encoded in paths. */
export const orgPath = (org: string) => `api/orgs/${encodeURIComponent(org)}`;

export const api = {
  /** Checks a token before keeping it (does not end a session on 401: the form shows the error). */
  async check(token: string): Promise<boolean> {
    const res = await fetch('api/summary', {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status === 401 || res.status === 403) return false;
    if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
    return true;
  },
  summary: () => call<Summary>('GET', 'api/summary'),
  orgs: () => call<OrgRow[]>('GET', 'api/orgs'),
  org: (org: string) => call<OrgDetail>('GET', orgPath(org)),
  findings(org: string, q: FindingsQuery): Promise<FindingsPage> {
    const p = new URLSearchParams();
    if (q.severity) p.set('severity', q.severity);
    if (q.rule) p.set('rule', q.rule);
    if (q.host) p.set('host', q.host);
    if (q.limit) p.set('limit', String(q.limit));
    if (q.cursor) p.set('cursor', q.cursor);
    const qs = p.toString();
    return call<FindingsPage>('GET', `${orgPath(org)}/findings${qs ? `?${qs}` : ''}`);
  },
  setStatus: (id: Finding['id'], status: Status, note?: string) =>
    call<unknown>('PATCH', `api/findings/${encodeURIComponent(String(id))}`, {
      status,
      ...(note ? { note } : {}),
    }),
};

/** Every finding matching `q`, page by page through the cursor, up to `cap` (for charts and exports). */
export async function allFindings(
  org: string,
  q: Omit<FindingsQuery, 'cursor' | 'limit'>,
  cap: number,
  onProgress?: (n: number) => void,
): Promise<{ findings: Finding[]; complete: boolean }> {
  const out: Finding[] = [];
  let cursor: string | null = null;
  do {
    const page: FindingsPage = await api.findings(org, { ...q, limit: 500, cursor });
    out.push(...page.findings);
    onProgress?.(out.length);
    cursor = page.next;
  } while (cursor && out.length < cap);
  return { findings: out, complete: cursor == null };
}

export function statusOf(f: Finding): Status {
  const s = f.status;
  if (!s) return 'open';
  return typeof s === 'string' ? s : s.status;
}
