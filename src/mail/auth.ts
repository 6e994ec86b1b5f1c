import type { authenticate as Authenticate } from 'mailauth';
import type { Resolver } from './zone.ts';

/**
 * SPF, DKIM, DMARC and ARC for one message. Two sources, in this order: the Authentication-Results
 * header written by a receiving server the user trusts (`--trusted-authserv mx.example.org`:
 * the only way to judge old mail, whose DKIM keys have long rotated), else mailauth with a
 * resolver — live DNS, an offline zone file, or none at all (then nothing can be verified and
 * the summary says `none`). The connecting IP, HELO and envelope sender come from the options or
 * from the topmost Received header. A pass is recorded, never trusted by itself.
 */
export type AuthResult =
  'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

export interface AuthSummary {
  readonly spf: AuthResult;
  readonly dkim: AuthResult;
  readonly dmarc: AuthResult;
  readonly arc: AuthResult;
  readonly dmarcPolicy?: string;
  /** Where the results come from: `authserv:<id>`, `mailauth (zone file)`, `mailauth (dns)`, or `not checked`. */
  readonly source: string;
  /** DKIM signing domains that verified (or, unverified, that signed). */
  readonly dkimDomains: readonly string[];
}

export interface AuthOptions {
  /** authserv-ids whose Authentication-Results are believed. */
  readonly trustedAuthserv?: readonly string[];
  /** How mailauth resolves; without a resolver no verification is attempted. */
  readonly resolver?: Resolver;
  readonly resolverName?: string;
  readonly ip?: string;
  readonly helo?: string;
  readonly sender?: string;
}

const RESULTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);
const norm = (v: string | undefined): AuthResult => {
  const x = (v ?? 'none').toLowerCase();
  return (x === 'hardfail' ? 'fail' : RESULTS.has(x) ? x : 'none') as AuthResult;
};

/** Parses one Authentication-Results value: authserv-id and the method results. */
export function parseAuthResults(value: string): {
  authserv: string;
  results: Map<string, { result: AuthResult; props: string }>;
} {
  const v = value.replace(/\([^()]*\)/g, ' ');
  const semi = v.indexOf(';');
  const authserv = (semi < 0 ? v : v.slice(0, semi)).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results = new Map<string, { result: AuthResult; props: string }>();
  for (const part of (semi < 0 ? '' : v.slice(semi + 1)).split(';')) {
    const m = /^\s*([a-z-]+)\s*=\s*([a-z]+)\b(.*)$/is.exec(part);
    if (m && !results.has(m[1]!.toLowerCase()))
      results.set(m[1]!.toLowerCase(), { result: norm(m[2]), props: m[3]!.trim() });
  }
  return { authserv, results };
}

export async function authenticateMessage(
  raw: Uint8Array,
  arHeaders: readonly string[],
  opts: AuthOptions,
): Promise<AuthSummary> {
  const trusted = (opts.trustedAuthserv ?? []).map((x) => x.toLowerCase());
  if (trusted.length) {
    // The topmost header from a trusted server: anything below it may have been written by the sender.
    for (const h of arHeaders) {
      const ar = parseAuthResults(h);
      if (!trusted.includes(ar.authserv)) continue;
      const r = (k: string) => ar.results.get(k)?.result ?? 'none';
      const dkim = ar.results.get('dkim');
      const dom = dkim ? /header\.(?:d|i)=@?([^\s;]+)/i.exec(dkim.props)?.[1] : undefined;
      const policy =
        /policy\.(?:published-domain-policy|dmarc)=([a-z]+)/i.exec(
          ar.results.get('dmarc')?.props ?? '',
        )?.[1] ?? /\bp=([a-z]+)/i.exec(ar.results.get('dmarc')?.props ?? '')?.[1];
      return {
        spf: r('spf'),
        dkim: r('dkim'),
        dmarc: r('dmarc'),
        arc: r('arc'),
        ...(policy ? { dmarcPolicy: policy.toLowerCase() } : {}),
        source: `authserv:${ar.authserv}`,
        dkimDomains: dom ? [dom.replace(/^.*@/, '').toLowerCase()] : [],
      };
    }
  }
  if (!opts.resolver)
    return { spf: 'none', dkim: 'none', dmarc: 'none', arc: 'none', source: 'not checked', dkimDomains: [] };
  try {
    // mailauth (and the HTTP client it pulls in) costs ~0.3 CPU-s to load: only when a mail is checked.
    const { authenticate } = await loadMailauth();
    const res = (await authenticate(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
      resolver: opts.resolver,
      trustReceived: !opts.ip,
      disableBimi: true,
      mta: 'vigil',
      ...(opts.ip ? { ip: opts.ip } : {}),
      ...(opts.helo ? { helo: opts.helo } : {}),
      ...(opts.sender ? { sender: opts.sender } : {}),
    } as Parameters<typeof Authenticate>[1])) as unknown as MailauthResult;
    const dkims = res.dkim?.results ?? [];
    const dkim: AuthResult = dkims.some((d) => d.status?.result === 'pass')
      ? 'pass'
      : dkims.length
        ? norm(dkims[0]!.status?.result)
        : 'none';
    return {
      spf: norm(res.spf ? res.spf.status?.result : 'none'),
      dkim,
      dmarc: norm(res.dmarc ? res.dmarc.status?.result : 'none'),
      arc: norm(res.arc ? res.arc.status?.result : 'none'),
      ...(res.dmarc && res.dmarc.policy ? { dmarcPolicy: String(res.dmarc.policy) } : {}),
      source: `mailauth (${opts.resolverName ?? 'resolver'})`,
      dkimDomains: dkims
        .filter((d) => d.status?.result === 'pass')
        .map((d) => String(d.signingDomain ?? '').toLowerCase())
        .filter(Boolean),
    };
  } catch {
    return {
      spf: 'temperror',
      dkim: 'temperror',
      dmarc: 'temperror',
      arc: 'temperror',
      source: `mailauth (${opts.resolverName ?? 'resolver'}): failed`,
      dkimDomains: [],
    };
  }
}

interface MailauthResult {
  dkim?: { results?: { signingDomain?: string; status?: { result?: string } }[] };
  spf?: { status?: { result?: string } } | false;
  dmarc?: { status?: { result?: string }; policy?: string } | false;
  arc?: { status?: { result?: string } } | false;
}

let mailauth: Promise<{ authenticate: typeof Authenticate }> | undefined;
function loadMailauth(): Promise<{ authenticate: typeof Authenticate }> {
  return (mailauth ??= import('mailauth'));
}
