import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * `--resolve-links`: follow a link's redirects to where it lands, with tight limits — at most
 * `maxHops` redirects, `timeoutMs` per request, HEAD first (GET when HEAD is refused), never more
 * than the response headers read (bodies are discarded unread), a cap on links per message.
 * Click trackers (rs6.net, list-manage.com…) hide the landing page offline; this is how
 * NOBELIUM's usaid.theyardservice.com shows itself.
 */
export interface ResolveOptions {
  readonly maxHops?: number;
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

export interface Resolved { readonly url: string; readonly chain: readonly string[]; readonly status?: number; readonly contentType?: string; readonly error?: string }

function once(url: URL, method: 'HEAD' | 'GET', timeoutMs: number, ua: string): Promise<{ status: number; location?: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, timeout: timeoutMs, headers: { 'User-Agent': ua, Accept: '*/*' }, rejectUnauthorized: false }, (res) => {
      const location = res.headers.location;
      const contentType = res.headers['content-type'];
      res.destroy(); // no body is ever read
      resolve({ status: res.statusCode ?? 0, ...(location ? { location } : {}), ...(contentType ? { contentType } : {}) });
    });
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
  try { url = new URL(start); } catch { return { url: start, chain, error: 'not a URL' }; }
  for (let hop = 0; hop <= maxHops; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { url: url.href, chain, error: `stopped at a ${url.protocol} link` };
    let r;
    try {
      r = await once(url, 'HEAD', timeoutMs, ua);
      if (r.status === 405 || r.status === 403 || r.status === 501) r = await once(url, 'GET', timeoutMs, ua);
    } catch (e) { return { url: url.href, chain, error: (e as Error).message }; }
    if (r.status >= 300 && r.status < 400 && r.location) {
      try { url = new URL(r.location, url); } catch { return { url: url.href, chain, status: r.status, error: 'bad Location' }; }
      if (chain.includes(url.href)) return { url: url.href, chain, status: r.status, error: 'redirect loop' };
      chain.push(url.href);
      continue;
    }
    return { url: url.href, chain, status: r.status, ...(r.contentType ? { contentType: r.contentType } : {}) };
  }
  return { url: url.href, chain, error: `more than ${maxHops} redirects` };
}
