import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { assessBuild, type BuildAssessment } from './builds.ts';

/**
 * Learn an Exchange server's build from outside, without exploiting anything (reference §4.4):
 * the `X-OWA-Version` header, the `/owa/auth/<build>/` resource paths of the login page (CU level
 * only), and the ECP export tool's ClickOnce manifest. Self-signed certificates are accepted (the
 * norm on Exchange) and their facts recorded. Opt-in active checks reproduce the well-known
 * harmless probes for CVE-2021-26855 and CVE-2021-34473; they leave lines in the target's logs.
 */
export type ProbeVerdict = 'vulnerable' | 'patched' | 'likely_vulnerable' | 'not_exchange' | 'unreachable';
export type BuildSource = 'x-owa-version' | 'exporttool' | 'owa-path';

export interface CertFacts {
  readonly subject: string;
  readonly san: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly selfSigned: boolean;
}

export interface ProbeResult {
  readonly target: string;
  readonly url: string;
  readonly verdict: ProbeVerdict;
  readonly build?: string;
  readonly buildSource?: BuildSource;
  readonly exact?: boolean;
  readonly assessment?: BuildAssessment;
  readonly cert?: CertFacts;
  readonly error?: string;
  readonly active?: {
    readonly proxyLogon?: 'vulnerable' | 'not_vulnerable' | 'inconclusive';
    readonly proxyShell?: 'vulnerable' | 'not_vulnerable' | 'inconclusive';
  };
  readonly requests: number;
  readonly ms: number;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly active: boolean;
  readonly maxBodyBytes: number;
  readonly maxRedirects: number;
  /** Called before each request (the global rate limit). */
  readonly beforeRequest?: () => Promise<void>;
  readonly userAgent: string;
}

export const DEFAULT_PROBE: ProbeOptions = {
  timeoutMs: 10_000,
  retries: 2,
  active: false,
  maxBodyBytes: 1024 * 1024,
  maxRedirects: 5,
  userAgent: 'Vigil-Exposure-Probe/0.1 (+passive build check)',
};

// One agent per scheme: proxies from HTTP(S)_PROXY / NO_PROXY (Node's built-in support), any certificate.
const agents = {
  'https:': new https.Agent({
    keepAlive: false,
    rejectUnauthorized: false,
    proxyEnv: process.env,
  } as https.AgentOptions),
  'http:': new http.Agent({ keepAlive: false, proxyEnv: process.env } as http.AgentOptions),
};

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  cert?: CertFacts;
  url: string;
}

class ProbeError extends Error {
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.transient = transient;
  }
}

function request(url: URL, opts: ProbeOptions, extraHeaders: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        agent: agents[url.protocol as 'https:' | 'http:'],
        timeout: opts.timeoutMs,
        headers: { 'User-Agent': opts.userAgent, Accept: '*/*', ...extraHeaders },
        ...(isIP(url.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: url.hostname }),
      } as https.RequestOptions,
      (res) => {
        let cert: CertFacts | undefined;
        const sock = res.socket as TLSSocket;
        if (typeof sock.getPeerCertificate === 'function') {
          const c = sock.getPeerCertificate();
          if (c && Object.keys(c).length) {
            const dn = (o: Record<string, string | string[]> | undefined) =>
              o
                ? Object.entries(o)
                    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
                    .join(', ')
                : '';
            const subject = dn(c.subject as unknown as Record<string, string>);
            const issuer = dn(c.issuer as unknown as Record<string, string>);
            cert = {
              subject,
              issuer,
              san: c.subjectaltname ?? '',
              validTo: c.valid_to ? new Date(c.valid_to).toISOString() : '',
              selfSigned: subject === issuer,
            };
          }
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          if (size >= opts.maxBodyBytes) return;
          size += d.length;
          chunks.push(d);
          if (size >= opts.maxBodyBytes) res.destroy(); // enough to find the build; drop the rest
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, opts.maxBodyBytes).toString('latin1'),
            ...(cert ? { cert } : {}),
            url: url.href,
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      },
    );
    req.on('timeout', () => req.destroy(new ProbeError(`no answer within ${opts.timeoutMs} ms`, true)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e instanceof ProbeError
          ? e
          : new ProbeError(
              `${e.code ?? 'error'}: ${e.message}`,
              ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNREFUSED'].includes(e.code ?? ''),
            ),
      ),
    );
    req.end();
  });
}

/** GET with bounded redirects (loops detected) and retries with backoff on transient errors. */
async function get(
  url: URL,
  opts: ProbeOptions,
  counter: { n: number },
  follow = true,
  headers: Record<string, string> = {},
): Promise<Response & { chain: Response[] }> {
  const chain: Response[] = [];
  const seen = new Set<string>();
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      await opts.beforeRequest?.();
      counter.n++;
      try {
        res = await request(current, opts, headers);
        break;
      } catch (e) {
        if (!(e instanceof ProbeError) || !e.transient || attempt >= opts.retries) throw e;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt + Math.random() * 100));
      }
    }
    chain.push(res);
    const loc = res.headers.location;
    if (!follow || res.status < 300 || res.status > 399 || !loc) return { ...res, chain };
    if (hop >= opts.maxRedirects) throw new ProbeError(`more than ${opts.maxRedirects} redirects`, false);
    let next: URL;
    try {
      next = new URL(loc, current);
    } catch {
      return { ...res, chain };
    }
    if (seen.has(next.href)) throw new ProbeError(`redirect loop at ${next.href}`, false);
    seen.add(current.href);
    // Follow only within the target: a scanner must not wander to other hosts.
    if (next.host !== url.host) return { ...res, chain };
    current = next;
  }
}

const OWA_PATH = /\/owa\/(?:auth\/)?(\d{1,2}\.\d{1,2}\.\d{1,5}(?:\.\d{1,5})?)\//i;
const EXPORT_TOOL = /<assemblyIdentity[^>]{0,300}?version="(\d+\.\d+\.\d+\.\d+)"/i;
const EXCHANGE_MARKERS = /Outlook|X-OWA|owa\/auth|Exchange/i;

export function baseUrl(target: string): URL {
  const t = target.trim();
  const withScheme = /^https?:\/\//i.test(t) ? t : `https://${t}`;
  const u = new URL(withScheme);
  return new URL(`${u.protocol}//${u.host}/`);
}

export async function probe(target: string, opts: ProbeOptions = DEFAULT_PROBE): Promise<ProbeResult> {
  const started = Date.now();
  const counter = { n: 0 };
  let base: URL;
  try {
    base = baseUrl(target);
  } catch {
    return {
      target,
      url: target,
      verdict: 'unreachable',
      error: 'not a host name or URL',
      requests: 0,
      ms: 0,
    };
  }
  const finish = (r: Omit<ProbeResult, 'requests' | 'ms' | 'target' | 'url'>): ProbeResult => ({
    target,
    url: base.href,
    ...r,
    requests: counter.n,
    ms: Date.now() - started,
  });
  let owa: Response & { chain: Response[] };
  try {
    owa = await get(new URL('/owa/', base), opts, counter);
  } catch (e) {
    return finish({ verdict: 'unreachable', error: (e as Error).message });
  }
  const cert = owa.chain.find((r) => r.cert)?.cert;
  let build: string | undefined;
  let source: BuildSource | undefined;
  const header = owa.chain
    .map((r) => r.headers['x-owa-version'])
    .find((h) => typeof h === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(h.trim()));
  if (typeof header === 'string') {
    build = header.trim();
    source = 'x-owa-version';
  }
  let looksExchange =
    !!header ||
    owa.chain.some(
      (r) =>
        EXCHANGE_MARKERS.test(r.body.slice(0, 200_000)) || /\/owa\//i.test(String(r.headers.location ?? '')),
    );
  let cuLevel: string | undefined;
  for (const r of owa.chain) {
    const m = OWA_PATH.exec(r.body);
    if (m) {
      cuLevel = m[1];
      looksExchange = true;
      break;
    }
  }
  if (!build) {
    try {
      const et = await get(
        new URL('/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application', base),
        opts,
        counter,
      );
      const m = et.status === 200 ? EXPORT_TOOL.exec(et.body) : null;
      if (m) {
        build = m[1];
        source = 'exporttool';
        looksExchange = true;
      }
    } catch {
      /* the ECP path is often blocked from outside: not an error */
    }
  }
  if (!build && cuLevel) {
    build = cuLevel;
    source = 'owa-path';
  }
  let active: ProbeResult['active'];
  if (opts.active && looksExchange) active = await activeChecks(base, opts, counter);
  if (!build) {
    if (!looksExchange) return finish({ verdict: 'not_exchange', ...(cert ? { cert } : {}) });
    return finish({
      verdict:
        active?.proxyLogon === 'vulnerable' || active?.proxyShell === 'vulnerable'
          ? 'vulnerable'
          : 'likely_vulnerable',
      ...(cert ? { cert } : {}),
      ...(active ? { active } : {}),
      error: 'Exchange, but no build could be read (header stripped, ECP blocked)',
    });
  }
  const exact = build.split('.').length === 4 && source !== 'owa-path';
  const assessment = assessBuild(build);
  let verdict: ProbeVerdict = assessment.verdict === 'unknown' ? 'likely_vulnerable' : assessment.verdict;
  // The resource folder names the CU only: a 4-part folder name is still not an exact SU level.
  if (!exact && verdict === 'vulnerable' && assessment.cu && assessment.reason.includes('CU level'))
    verdict = 'likely_vulnerable';
  if (!exact && source === 'owa-path' && verdict === 'vulnerable' && build.split('.').length === 4)
    verdict = 'likely_vulnerable';
  if (active?.proxyLogon === 'vulnerable' || active?.proxyShell === 'vulnerable') verdict = 'vulnerable';
  return finish({
    verdict,
    build,
    buildSource: source!,
    exact,
    assessment,
    ...(cert ? { cert } : {}),
    ...(active ? { active } : {}),
  });
}

/** The well-known harmless checks (nmap / Metasploit / nuclei); they leave lines in the target's logs. */
async function activeChecks(
  base: URL,
  opts: ProbeOptions,
  counter: { n: number },
): Promise<NonNullable<ProbeResult['active']>> {
  const out: {
    proxyLogon?: 'vulnerable' | 'not_vulnerable' | 'inconclusive';
    proxyShell?: 'vulnerable' | 'not_vulnerable' | 'inconclusive';
  } = {};
  try {
    const r = await get(new URL('/owa/auth/x.js', base), opts, counter, false, {
      Cookie:
        'X-AnonResource=true; X-AnonResource-Backend=localhost/ecp/default.flt?~3; X-BEResource=localhost/owa/auth/logon.aspx?~3;',
    });
    const be = String(r.headers['x-calculatedbetarget'] ?? '');
    out.proxyLogon =
      be.toLowerCase().includes('localhost') || r.status === 500
        ? 'vulnerable'
        : r.status > 0
          ? 'not_vulnerable'
          : 'inconclusive';
  } catch {
    out.proxyLogon = 'inconclusive';
  }
  try {
    const r = await get(
      new URL(
        '/autodiscover/autodiscover.json?@test.com/owa/?&Email=autodiscover/autodiscover.json%3F@test.com',
        base,
      ),
      opts,
      counter,
      false,
    );
    out.proxyShell =
      r.status === 302
        ? 'vulnerable'
        : r.status === 400 || r.status === 404 || r.status === 401 || r.status === 403
          ? 'not_vulnerable'
          : 'inconclusive';
  } catch {
    out.proxyShell = 'inconclusive';
  }
  return out;
}
