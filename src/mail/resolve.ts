import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * `--resolve-links`: follow a link's redirects to where it lands, with tight limits — at most
 * `maxHops` redirects, `timeoutMs` per request, HEAD first (GET when HEAD is refused), never more
 * than the response headers read (bodies are discarded unread), a cap on links per message, and
 * never into private or loopback addresses unless asked.
 * Click trackers (rs6.net, list-manage.com…) hide the landing page offline; this is how
 * NOBELIUM's usaid.theyardservice.com shows itself.
 */
export interface ResolveOptions {
  readonly maxHops?: number;
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /**
   * Follow links into loopback, private, link-local and cloud-metadata addresses. Off by default:
   * a link in hostile mail must not make the analyst's machine probe its own network.
   */
  readonly allowPrivate?: boolean;
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');
const isPrivate = (addr: string) => {
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  const t = isIP(v4);
  return t !== 0 && PRIVATE.check(v4, t === 4 ? 'ipv4' : 'ipv6');
};

/** DNS lookup that refuses private answers, checked on the address actually connected to (no rebinding). */
function publicLookup(
  hostname: string,
  options: object,
  cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addrs) => {
    if (err) {
      cb(err, '');
      return;
    }
    const list = (addrs as LookupAddress[]).filter((a) => !isPrivate(a.address));
    if (!list.length) {
      cb(
        Object.assign(new Error(`${hostname} resolves only to private addresses: not followed`), {
          code: 'EPRIVATE',
        }),
        '',
      );
      return;
    }
    if ((options as { all?: boolean }).all) cb(null, list);
    else cb(null, list[0]!.address, list[0]!.family);
  });
}

export interface Resolved {
  readonly url: string;
  readonly chain: readonly string[];
  readonly status?: number;
  readonly contentType?: string;
  readonly error?: string;
}

function once(
  url: URL,
  method: 'HEAD' | 'GET',
  timeoutMs: number,
  ua: string,
  allowPrivate: boolean,
): Promise<{ status: number; location?: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && isPrivate(host)) {
      reject(new Error(`${host} is a private address: not followed`));
      return;
    }
    // Loaded at the first fetch: importing node:http loads its whole client stack (~0.1 CPU-s).
    const { request } = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http');
    const req = request(
      url,
      {
        method,
        timeout: timeoutMs,
        headers: { 'User-Agent': ua, Accept: '*/*' },
        rejectUnauthorized: false,
        ...(allowPrivate ? {} : { lookup: publicLookup }),
      },
      (res) => {
        const location = res.headers.location;
        const contentType = res.headers['content-type'];
        res.destroy(); // no body is ever read
        resolve({
          status: res.statusCode ?? 0,
          ...(location ? { location } : {}),
          ...(contentType ? { contentType } : {}),
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function resolveLink(start: string, opts: ResolveOptions = {}): Promise<Resolved> {
  const maxHops = opts.maxHops ?? 5;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const ua = opts.userAgent ?? 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) vigil-link-check';
  const chain: string[] = [start];
  let url: URL;
  try {
    url = new URL(start);
  } catch {
    return { url: start, chain, error: 'not a URL' };
  }
  for (let hop = 0; hop <= maxHops; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { url: url.href, chain, error: `stopped at a ${url.protocol} link` };
    let r;
    try {
      r = await once(url, 'HEAD', timeoutMs, ua, !!opts.allowPrivate);
      if (r.status === 405 || r.status === 403 || r.status === 501)
        r = await once(url, 'GET', timeoutMs, ua, !!opts.allowPrivate);
    } catch (e) {
      return { url: url.href, chain, error: (e as Error).message };
    }
    if (r.status >= 300 && r.status < 400 && r.location) {
      try {
        url = new URL(r.location, url);
      } catch {
        return { url: url.href, chain, status: r.status, error: 'bad Location' };
      }
      if (chain.includes(url.href)) return { url: url.href, chain, status: r.status, error: 'redirect loop' };
      chain.push(url.href);
      continue;
    }
    return {
      url: url.href,
      chain,
      status: r.status,
      ...(r.contentType ? { contentType: r.contentType } : {}),
    };
  }
  return { url: url.href, chain, error: `more than ${maxHops} redirects` };
}
