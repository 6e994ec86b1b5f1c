/**
 * Links in a message body, and the targets hidden in redirector and rewriter links (Microsoft
 * Safe Links, Proofpoint URL Defense, Google and generic `?url=` redirects), so indicators match
 * where the click really goes. Bounded: at most `MAX_URLS` per message, 2,048 characters each.
 */
export const MAX_URLS = 500;
const URL_RE = /\bhttps?:\/\/[^\s"'<>()\\\]]{1,2048}/gi;
const HREF_RE = /\bhref\s*=\s*["']?([^"'\s>]{1,2048})/gi;

export function extractUrls(text: string, html: string): string[] {
  const out = new Set<string>();
  for (const src of [text, html]) {
    for (const m of src.matchAll(URL_RE)) {
      out.add(clean(m[0]));
      if (out.size >= MAX_URLS) return [...out];
    }
  }
  for (const m of html.matchAll(HREF_RE)) {
    const u = decodeEntities(m[1]!);
    if (/^https?:\/\//i.test(u)) out.add(clean(u));
    if (out.size >= MAX_URLS) break;
  }
  return [...out];
}

/** The URL and every target it wraps (nested up to 3 levels). */
export function unwrap(url: string, depth = 0): string[] {
  const out = [url];
  if (depth >= 3) return out;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return out;
  }
  const host = u.hostname.toLowerCase();
  const candidates: string[] = [];
  if (host.endsWith('safelinks.protection.outlook.com')) candidates.push(u.searchParams.get('url') ?? '');
  else if (host === 'urldefense.com' || host === 'urldefense.proofpoint.com') {
    // `/v3/__…__;` by literal search (`/\/v3\/__(.+?)__;/` is quadratic on V8).
    const a = url.indexOf('/v3/__');
    const b = a < 0 ? -1 : url.indexOf('__;', a + 7);
    if (b >= 0 && !/[\n\r\u2028\u2029]/.test(url.slice(a + 6, b))) candidates.push(url.slice(a + 6, b));
    const v2 = u.searchParams.get('u');
    if (v2) candidates.push(v2.replace(/-/g, '%').replace(/_/g, '/'));
  } else {
    for (const k of [
      'url',
      'u',
      'q',
      'redirect',
      'redirect_uri',
      'target',
      'dest',
      'destination',
      'link',
      'r',
    ]) {
      const v = u.searchParams.get(k);
      if (v && /^https?:(\/|%2f)/i.test(v)) candidates.push(v);
    }
  }
  for (const c of candidates) {
    let t = c;
    try {
      if (/^https?%3a/i.test(t)) t = decodeURIComponent(t);
    } catch {
      /* keep as is */
    }
    if (/^https?:\/\//i.test(t)) out.push(...unwrap(t, depth + 1));
  }
  return out;
}

function clean(u: string): string {
  // A loop, not `/[.,;:!?]+$/` (quadratic on V8 in a run of those that does not end the URL).
  let e = u.length;
  while (e > 0 && '.,;:!?'.includes(u[e - 1]!)) e--;
  return u.slice(0, e);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)));
}
