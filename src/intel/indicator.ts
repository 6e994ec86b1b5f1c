import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { whyNot } from '../rules/safe-regex.ts';

/**
 * One indicator, whatever feed it came from, normalised so the index can match it exactly:
 * hashes lower-case hex, domains lower-case ASCII (punycode) without trailing dot, URLs
 * canonicalised, IPs in their canonical text, paths with forward slashes and no drive letter.
 */
export const INDICATOR_TYPES = [
  'sha256',
  'sha1',
  'md5',
  'domain',
  'url',
  'ipv4',
  'ipv6',
  'cidr',
  'email',
  'filename',
  'path',
  'user-agent',
  'email-subject',
  'registry-key',
  'user-account',
  'log-string',
  'log-regex',
  'path-regex',
  'stix-pattern',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** Which raw log lines a `log-string` / `log-regex` indicator applies to (CHIRP scopes by log family). */
export type LogScope = 'iis.w3c' | 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab' | 'any-log';

export interface Indicator {
  readonly type: IndicatorType;
  /** Normalised value (what the index matches on). */
  readonly value: string;
  /** As the feed wrote it (defanged, mixed case, …), for the report. */
  readonly raw: string;
  /** The STIX indicator id, or the feed's own value when it has no id (evidence key `indicator`). */
  readonly id: string;
  /** Feed or pack name (evidence key `feed`). */
  readonly feed: string;
  readonly source?: string;
  readonly date?: string;
  readonly note?: string;
  /** 0–100 (STIX scale); CHIRP's 0–10 is scaled. */
  readonly confidence?: number;
  readonly scope?: LogScope;
  /** Where in the feed file it was defined. */
  readonly where?: string;
}

/** `hxxp://evil[.]com` → `http://evil.com`: the usual defanging conventions, undone. */
export function refang(s: string): string {
  return s
    .trim()
    .replace(/^hxxp(s?):\/\//i, 'http$1://')
    .replace(/^fxp:\/\//i, 'ftp://')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]|\[:\/\/\]/g, (m) => (m === '[:]' ? ':' : '://'))
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@');
}

const HEX = /^[0-9a-f]+$/;
const DOMAIN =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Lower-case ASCII form of a domain (IDN → punycode), or null when it is not a domain name. */
export function normalizeDomain(raw: string): string | null {
  let d = refang(raw).toLowerCase().replace(/\.$/, '');
  if (d.startsWith('*.')) d = d.slice(2); // a wildcard means the domain and its subdomains: what we match anyway
  if (/[^ -~]/.test(d)) d = domainToASCII(d); // any non-printable-ASCII character: an IDN (or junk)
  return d && DOMAIN.test(d) ? d : null;
}

/** Scheme and host lower-cased, default port and fragment dropped, host in punycode. */
export function normalizeUrl(raw: string): string | null {
  let s = refang(raw);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = `http://${s}`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  if (!u.hostname) return null;
  u.hash = '';
  return u.href;
}

export function normalizePath(raw: string): string {
  return raw
    .trim()
    .replace(/\\/g, '/')
    .replace(/^[a-z]:/i, '')
    .replace(/\/+/g, '/')
    .toLowerCase();
}

/** Infer the type of a bare value (plain lists, CSV without a type column). */
export function inferType(raw: string): IndicatorType | null {
  const v = refang(raw);
  const lower = v.toLowerCase();
  if (HEX.test(lower))
    return lower.length === 64 ? 'sha256' : lower.length === 40 ? 'sha1' : lower.length === 32 ? 'md5' : null;
  if (isIP(v) === 4) return 'ipv4';
  if (isIP(v) === 6) return 'ipv6';
  if (/^[0-9a-f.:]+\/\d{1,3}$/i.test(v)) return 'cidr';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return 'url';
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v)) return 'email';
  if (/^[a-z]:\\|^\\\\|^\/(?:[^/]+\/)+/i.test(v)) return 'path';
  if (normalizeDomain(v)) return v.includes('/') ? 'url' : 'domain';
  return null;
}

/** Normalise a value of a known type; returns a reason when the value is not of that type. */
export function normalize(type: IndicatorType, raw: string): { value: string } | { error: string } {
  const v = refang(raw);
  switch (type) {
    case 'sha256':
    case 'sha1':
    case 'md5': {
      const h = v.toLowerCase();
      const len = { sha256: 64, sha1: 40, md5: 32 }[type];
      return HEX.test(h) && h.length === len ? { value: h } : { error: `not a ${type} (${len} hex digits)` };
    }
    case 'domain': {
      const d = normalizeDomain(v);
      return d ? { value: d } : { error: 'not a domain name' };
    }
    case 'url': {
      const u = normalizeUrl(v);
      return u ? { value: u } : { error: 'not a URL' };
    }
    case 'ipv4':
      return isIP(v) === 4 ? { value: v } : { error: 'not an IPv4 address' };
    case 'ipv6':
      return isIP(v) === 6 ? { value: canonicalIpv6(v) } : { error: 'not an IPv6 address' };
    case 'cidr': {
      const [ip, bits] = v.split('/');
      const n = Number(bits);
      const fam = isIP(ip ?? '');
      if (fam === 4 && n >= 0 && n <= 32) return n === 32 ? { value: ip! } : { value: `${ip}/${n}` };
      if (fam === 6 && n >= 0 && n <= 128) return { value: `${canonicalIpv6(ip!)}/${n}` };
      return { error: 'not a CIDR range' };
    }
    case 'email':
      return /^[^@\s]+@[^@\s]+$/.test(v) ? { value: v.toLowerCase() } : { error: 'not an e-mail address' };
    case 'filename':
      return v && !/[\\/]/.test(v) ? { value: v.toLowerCase() } : { error: 'not a file name' };
    case 'path':
      return v ? { value: normalizePath(v) } : { error: 'empty path' };
    case 'user-agent':
      return v ? { value: normalizeUserAgent(v) } : { error: 'empty user agent' };
    case 'log-regex':
    case 'path-regex': {
      if (raw.length > 2000) return { error: 'regular expression longer than 2000 characters' };
      // Refused here (with the reason) when the linear-time engine cannot run it, e.g. a backreference.
      const why = whyNot(raw, 'i');
      return why ? { error: why } : { value: raw };
    }
    default:
      return raw.trim() ? { value: raw.trim() } : { error: 'empty value' };
  }
}

/** IIS logs write spaces in user agents as `+`; compare in that one form. */
export function normalizeUserAgent(ua: string): string {
  return ua.trim().replace(/ /g, '+');
}

export function canonicalIpv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}
