import type { IntelIndex } from '../index.ts';
import { inferType, normalize, type Indicator, type IndicatorType, type LogScope } from '../indicator.ts';
import { count, type LoadReport } from './report.ts';

/** Feed type names (MISP, MSTIC, OTX, CSV exports, …) → our types. */
const TYPE_NAMES: Record<string, IndicatorType> = {
  sha256: 'sha256',
  'sha-256': 'sha256',
  'filehash-sha256': 'sha256',
  sha256hash: 'sha256',
  sha1: 'sha1',
  'sha-1': 'sha1',
  'filehash-sha1': 'sha1',
  sha1hash: 'sha1',
  md5: 'md5',
  'filehash-md5': 'md5',
  md5hash: 'md5',
  domain: 'domain',
  hostname: 'domain',
  fqdn: 'domain',
  'domain-name': 'domain',
  'malicious domain': 'domain',
  url: 'url',
  uri: 'url',
  link: 'url',
  'email url': 'url',
  ip: 'ipv4',
  ipv4: 'ipv4',
  'ipv4-addr': 'ipv4',
  'ip-src': 'ipv4',
  'ip-dst': 'ipv4',
  ipaddress: 'ipv4',
  'ip address': 'ipv4',
  ipv6: 'ipv6',
  'ipv6-addr': 'ipv6',
  cidr: 'cidr',
  'ip-range': 'cidr',
  email: 'email',
  'email-src': 'email',
  'email-dst': 'email',
  'email-addr': 'email',
  'email address': 'email',
  sender: 'email',
  'email-subject': 'email-subject',
  subject: 'email-subject',
  filename: 'filename',
  'file name': 'filename',
  filepath: 'path',
  'file path': 'path',
  path: 'path',
  'user-agent': 'user-agent',
  useragent: 'user-agent',
  'user agent': 'user-agent',
  regkey: 'registry-key',
  'registry-key': 'registry-key',
  'windows-registry-key': 'registry-key',
};

export function typeFromName(name: string): IndicatorType | null {
  return TYPE_NAMES[name.trim().toLowerCase()] ?? null;
}

export interface AddOptions {
  readonly feed: string;
  readonly id?: string | undefined;
  readonly source?: string | undefined;
  readonly date?: string | undefined;
  readonly note?: string | undefined;
  readonly confidence?: number | undefined;
  readonly scope?: LogScope | undefined;
  readonly where: string;
}

/**
 * Normalise and add one value; a value of no recognisable type, or not of its declared type, is
 * rejected with the reason. IPs that carry a CIDR are ranges; `hostname` values that are IPs are IPs.
 */
export function addValue(
  index: IntelIndex,
  report: LoadReport,
  type: IndicatorType | null,
  raw: string,
  o: AddOptions,
): boolean {
  const value = raw.trim();
  if (!value) return false;
  let t = type ?? inferType(value);
  if (!t) {
    report.rejected.push({
      where: o.where,
      value,
      reason: 'type could not be inferred (not a hash, IP, CIDR, URL, e-mail address, path or domain)',
    });
    return false;
  }
  if ((t === 'ipv4' || t === 'ipv6') && value.includes('/')) t = 'cidr';
  if (t === 'domain' && inferType(value) === 'ipv4') t = 'ipv4';
  const n = normalize(t, value);
  if ('error' in n) {
    report.rejected.push({ where: o.where, value, reason: n.error });
    return false;
  }
  const ind: Indicator = {
    type: t,
    value: n.value,
    raw: value,
    id: o.id ?? value,
    feed: o.feed,
    ...(o.source ? { source: o.source } : {}),
    ...(o.date ? { date: o.date } : {}),
    ...(o.note ? { note: o.note } : {}),
    ...(o.confidence !== undefined ? { confidence: o.confidence } : {}),
    ...(o.scope ? { scope: o.scope } : {}),
    where: o.where,
  };
  index.add(ind);
  count(report, t);
  return true;
}
