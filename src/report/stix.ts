import { createHash } from 'node:crypto';
import type { Finding } from '../model/finding.ts';
import type { Report } from './report.ts';

/**
 * `vigil intel match --format stix`: the indicator matches as a STIX 2.1 bundle of `sighting`
 * objects, one per indicator that matched, with the first and last time it was seen and how many
 * records matched it — what MISP and OpenCTI import to record sightings against their indicators.
 * An indicator that came with a STIX id is referenced by it; one from a CSV, list or pack row
 * without an id gets an `indicator` object of its own in the bundle (a stable id derived from its
 * feed, type and value, so two runs name it alike).
 */
export function renderStixSightings(report: Report): string {
  const created = report.finishedAt;
  const vigil = {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuid5('vigil')}`,
    created: STIX_EPOCH,
    modified: STIX_EPOCH,
    name: 'Vigil',
    identity_class: 'system',
  };
  const seen = new Map<string, Seen>();
  for (const f of report.findings) {
    if (f.rule !== 'intel.match') continue;
    for (const ind of indicatorsOf(f)) {
      const id = STIX_ID.test(ind.id)
        ? ind.id
        : `indicator--${uuid5(`${ind.feed}\0${ind.type}\0${ind.value}`)}`;
      let s = seen.get(id);
      if (!s) seen.set(id, (s = { id, ind, count: 0, where: new Set() }));
      s.count++;
      const t = f.time ?? created;
      if (!s.first || t < s.first) s.first = t;
      if (!s.last || t > s.last) s.last = t;
      if (s.where.size < 20) s.where.add(f.source.line ? `${f.source.path}:${f.source.line}` : f.source.path);
    }
  }
  const objects: object[] = [vigil];
  for (const s of seen.values()) {
    if (!STIX_ID.test(s.ind.id)) {
      const p = stixPattern(s.ind.type, s.ind.value);
      objects.push({
        type: 'indicator',
        spec_version: '2.1',
        id: s.id,
        created_by_ref: vigil.id,
        created: STIX_EPOCH,
        modified: STIX_EPOCH,
        name: `${s.ind.feed}: ${s.ind.value}`.slice(0, 250),
        indicator_types: ['malicious-activity'],
        pattern: p.pattern,
        pattern_type: p.type,
        valid_from: STIX_EPOCH,
        labels: [`feed:${s.ind.feed}`],
      });
    }
    objects.push({
      type: 'sighting',
      spec_version: '2.1',
      id: `sighting--${uuid5(`${s.id}\0${s.first}\0${s.last}\0${s.count}\0${report.roots.join('\0')}`)}`,
      created_by_ref: vigil.id,
      created,
      modified: created,
      sighting_of_ref: s.id,
      first_seen: s.first!,
      last_seen: s.last!,
      count: Math.min(s.count, 999_999_999),
      description: `Seen by vigil ${report.command} in ${[...s.where].join(', ')}${s.where.size >= 20 ? ', …' : ''}`,
    });
  }
  const bundle = {
    type: 'bundle',
    id: `bundle--${uuid5(`${report.startedAt}\0${report.roots.join('\0')}\0${seen.size}`)}`,
    objects,
  };
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

interface Credited {
  readonly feed: string;
  readonly id: string;
  readonly type: string;
  readonly value: string;
}

interface Seen {
  readonly id: string;
  readonly ind: Credited;
  count: number;
  first?: string;
  last?: string;
  readonly where: Set<string>;
}

/** Every indicator a finding credits (`evidence.indicators`; older findings name only one). */
function indicatorsOf(f: Finding): Credited[] {
  const list = f.evidence['indicators'];
  if (Array.isArray(list)) return list as unknown as Credited[];
  const e = f.evidence;
  return [
    {
      feed: String(e['feed'] ?? ''),
      id: String(e['indicator'] ?? ''),
      type: String(e['type'] ?? ''),
      value: String(e['matched'] ?? ''),
    },
  ];
}

const STIX_ID = /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Generated indicators and the tool's identity carry one fixed time, so their objects never change. */
const STIX_EPOCH = '2021-01-01T00:00:00.000Z';
/** The namespace of Vigil's derived ids (a UUIDv5 namespace of our own). */
const NAMESPACE = Buffer.from('6f1e4a52c9d84b7e9a0f3c2d5b8e7a61', 'hex');

/** RFC 9562 version 5 (SHA-1, name-based) UUID. */
export function uuid5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A STIX pattern for an indicator from a feed without one (PCRE for log strings and regexes). */
function stixPattern(type: string, value: string): { pattern: string; type: string } {
  const stix = (path: string, op = '=') => ({ pattern: `[${path} ${op} ${lit(value)}]`, type: 'stix' });
  switch (type) {
    case 'domain':
      return stix('domain-name:value');
    case 'ipv4':
      return stix('ipv4-addr:value');
    case 'ipv6':
      return stix('ipv6-addr:value');
    case 'cidr':
      return stix(value.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value', 'ISSUBSET');
    case 'url':
      return stix('url:value');
    case 'email':
      return stix('email-addr:value');
    case 'sha256':
      return stix("file:hashes.'SHA-256'");
    case 'sha1':
      return stix("file:hashes.'SHA-1'");
    case 'md5':
      return stix('file:hashes.MD5');
    case 'filename':
      return stix('file:name');
    case 'path': {
      const cut = value.lastIndexOf('/');
      if (cut <= 0) return stix('file:name');
      return {
        pattern: `[file:name = ${lit(value.slice(cut + 1))} AND file:parent_directory_ref.path = ${lit(value.slice(0, cut))}]`,
        type: 'stix',
      };
    }
    case 'user-agent':
      return stix("network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'");
    case 'user-account':
      return stix('user-account:account_login');
    case 'email-subject':
      return stix('email-message:subject');
    case 'log-regex':
    case 'path-regex':
      return { pattern: value, type: 'pcre' };
    default:
      return { pattern: value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), type: 'pcre' };
  }
}
