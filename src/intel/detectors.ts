import { createHash } from 'node:crypto';
import { defineDetector, type Emit } from '../model/detector.ts';
import { makeFinding, type EvidenceValue, type SourceRef } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';
import type { DnsQuery, FileEntry, FileRecord, LogEvent, MailRecord, VigilRecord } from '../model/records.ts';
import type { IntelIndex, Match } from './index.ts';
import type { Indicator, LogScope } from './indicator.ts';
import { MapView } from './observables.ts';
import { isSunburstName } from '../dns/sunburst/decode.ts';
import { orionBuilds } from '../supplychain/orion.ts';
import { address, header, mailTime, parseMail } from '../mail/parse.ts';
import { extractUrls, unwrap } from '../mail/urls.ts';
import { mayHaveAttachment } from '../mail/attachments.ts';

/**
 * The IOC detector: every record kind is looked up in the indicator index — files by hash, name
 * and path; DNS queries by name and answers; Exchange and IIS log lines by client IP, URL, user
 * agent and the feeds' log strings; mail by sender, links (after unwrapping redirectors) and
 * attachments. One `intel.match` finding per record and indicator, with the contract's evidence:
 * `indicator` (STIX id or the feed's value), `feed`, `type`, `value` (what was seen), `matched`.
 */
const CAMPAIGN: Record<string, { attack: string[]; remediation: string }> = {
  hafnium: {
    attack: ['T1190', 'T1505.003'],
    remediation:
      'Treat the Exchange server as compromised: preserve logs and files, remove web shells, install the current security update, reset credentials used on the server, and hunt for what this indicator did (vigil triage on the collection).',
  },
  sunburst: {
    attack: ['T1195.002'],
    remediation:
      'Isolate the SolarWinds Orion host, follow CISA ED 21-01 (rebuild from a clean release, rotate credentials Orion held) and decode its DNS beacons (vigil dns sunburst).',
  },
  nobelium: {
    attack: ['T1566.002', 'T1566.001'],
    remediation:
      'Purge the message from every mailbox it reached, block the sender and linked domains, and check which recipients clicked or opened attachments.',
  },
};

function severity(ind: Indicator): Severity {
  const c = ind.confidence;
  const base: Severity = ['sha256', 'sha1', 'md5'].includes(ind.type)
    ? 'critical'
    : ['user-agent', 'log-string', 'log-regex', 'filename', 'path-regex'].includes(ind.type)
      ? 'medium'
      : 'high';
  if (c === undefined) return base;
  if (c < 25) return 'low';
  if (c < 45) return base === 'critical' ? 'high' : 'medium';
  if (ind.type === 'path-regex' && c >= 80) return 'high';
  return base;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

interface Hit {
  readonly match: Match;
  readonly field: string;
}

/** Emit one finding per distinct indicator value hit in a record (the strongest indicator of each). */
function report(
  hits: readonly Hit[],
  rec: { source: SourceRef; time?: string | undefined; host?: string | undefined },
  emit: Emit,
  extra: Record<string, EvidenceValue> = {},
): void {
  const best = new Map<string, { hit: Hit; others: Set<string> }>();
  for (const h of hits) {
    const ind = h.match.indicator;
    const key = `${ind.type}\0${ind.value}\0${h.field}`;
    const cur = best.get(key);
    if (!cur) {
      best.set(key, { hit: h, others: new Set() });
      continue;
    }
    if (RANK[severity(ind)] > RANK[severity(cur.hit.match.indicator)]) {
      cur.others.add(cur.hit.match.indicator.feed);
      cur.hit = h;
    } else cur.others.add(ind.feed);
  }
  for (const { hit, others } of best.values()) {
    const ind = hit.match.indicator;
    const c = CAMPAIGN[ind.feed];
    others.delete(ind.feed);
    emit(
      makeFinding({
        rule: 'intel.match',
        title: `${label(ind)} ${shorten(ind.raw)} (${ind.feed}${ind.note ? `: ${shorten(ind.note, 80)}` : ''}) in ${hit.field}`,
        severity: severity(ind),
        attack: c?.attack ?? [],
        ...(rec.time ? { time: rec.time } : {}),
        ...(rec.host ? { host: rec.host } : {}),
        source: rec.source,
        evidence: {
          indicator: ind.id,
          feed: ind.feed,
          type: ind.type,
          value: hit.match.value,
          matched: ind.raw,
          field: hit.field,
          ...(hit.match.depth ? { depth: hit.match.depth } : {}),
          ...(ind.note ? { note: ind.note } : {}),
          ...(ind.source ? { reference: ind.source } : {}),
          ...(ind.date ? { date: ind.date } : {}),
          ...(ind.confidence !== undefined ? { confidence: ind.confidence } : {}),
          ...(others.size ? { alsoIn: [...others] } : {}),
          ...extra,
        },
        remediation:
          c?.remediation ??
          'Investigate what this indicator did on the host, contain it, and add the indicator to blocking controls.',
      }),
    );
  }
}

function label(ind: Indicator): string {
  switch (ind.type) {
    case 'sha256':
    case 'sha1':
    case 'md5':
      return `Known-bad file hash`;
    case 'domain':
      return 'Known-bad domain';
    case 'url':
      return 'Known-bad URL';
    case 'ipv4':
    case 'ipv6':
    case 'cidr':
      return 'Known-bad IP';
    case 'email':
      return 'Known-bad address';
    case 'user-agent':
      return 'Attacker user agent';
    case 'log-string':
    case 'log-regex':
      return 'Attack trace';
    case 'path':
    case 'path-regex':
    case 'filename':
      return 'Known-bad file location';
    default:
      return 'Indicator';
  }
}

function shorten(s: string, n = 100): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// No lookarounds: V8 runs them slowly over multi-GB logs; boundaries are checked by hand.
const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;

const tag =
  (field: string) =>
  (m: Match): Hit => ({ match: m, field });

export function fileHits(intel: IntelIndex, rec: FileRecord | FileEntry): Hit[] {
  const hits: Hit[] = [];
  for (const [h, name] of [
    [rec.sha256, 'sha256'],
    [rec.sha1, 'sha1'],
    [rec.md5, 'md5'],
  ] as const) {
    if (h) for (const indicator of intel.hash(h)) hits.push({ match: { indicator, value: h }, field: name });
  }
  const path = rec.kind === 'file' ? rec.source.path.replace(/!\//g, '/') : rec.path;
  hits.push(...intel.path(path).map(tag('path')));
  if (intel.predicates.length) {
    const view = new MapView()
      .add('file:name', rec.name)
      .add('file:size', rec.size)
      .add('file:hashes.sha-256', rec.sha256)
      .add('file:hashes.sha-1', rec.sha1)
      .add('file:hashes.md5', rec.md5);
    for (const p of intel.predicates)
      if (p.objects.has('file') && p.test(view))
        hits.push({ match: { indicator: p.indicator, value: rec.name }, field: 'file' });
  }
  return hits;
}

function dnsHits(intel: IntelIndex, q: DnsQuery): Hit[] {
  // SUNBURST's DGA names are decoded, and reported in depth, by the sunburst detector.
  const hits = isSunburstName(q.qname) ? [] : intel.domain(q.qname).map(tag('query'));
  for (const a of q.answers ?? [])
    hits.push(...(intel.ip(a).length ? intel.ip(a) : intel.domain(a)).map(tag('answer')));
  if (q.client) hits.push(...intel.ip(q.client).map(tag('client')));
  return hits;
}

const LOG_FIELDS: Record<
  string,
  { ip: string[]; url: [string, string]; ua: string; user: string[]; host?: string }
> = {
  'iis.w3c': {
    ip: ['c-ip', 'X-Forwarded-For', 'OriginalIP'],
    url: ['cs-uri-stem', 'cs-uri-query'],
    ua: 'cs(User-Agent)',
    user: ['cs-username'],
    host: 's-computername',
  },
  'exchange.httpproxy': {
    ip: ['ClientIpAddress'],
    url: ['UrlStem', 'UrlQuery'],
    ua: 'UserAgent',
    user: ['AuthenticatedUser'],
    host: 'ServerHostName',
  },
};

function logHits(intel: IntelIndex, rec: LogEvent): Hit[] {
  const hits: Hit[] = [];
  if (intel.hasLogPatterns) hits.push(...intel.logLine(rec.kind as LogScope, rec.line).map(tag('log line')));
  const f = LOG_FIELDS[rec.kind];
  if (!f) return hits;
  if (intel.has('ipv4') || intel.has('cidr')) {
    // Look at the IPv4 addresses anywhere in the raw line first; split the line only on a hit.
    const line = rec.line;
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(line); m; m = IPV4.exec(line)) {
      const before = line.charCodeAt(m.index - 1);
      const after = line.charCodeAt(m.index + m[0].length);
      if ((before >= 48 && before <= 57) || before === 46 || (after >= 48 && after <= 57) || after === 46)
        continue; // part of a longer number
      const found = intel.ipv4(m[0]);
      if (!found.length) continue;
      const field =
        f.ip.find((k) =>
          rec
            .field(k)
            ?.split(/[,\s]+/)
            .some((v) => v.replace(/:\d+$/, '') === m![0]),
        ) ?? 'log line';
      hits.push(...found.map(tag(field)));
    }
  }
  if (intel.has('ipv6')) {
    for (const k of f.ip) {
      const v = rec.field(k);
      if (v && v.includes(':')) for (const ip of v.split(/[,\s]+/)) hits.push(...intel.ip(ip).map(tag(k)));
    }
  }
  if (intel.has('user-account')) {
    for (const k of f.user) {
      const v = rec.field(k);
      if (v && v !== '-')
        for (const indicator of intel.value('user-account', v))
          hits.push({ match: { indicator, value: v }, field: k });
    }
  }
  if (intel.has('user-agent')) {
    const ua = rec.field(f.ua);
    if (ua && ua !== '-')
      for (const indicator of intel.value('user-agent', ua))
        hits.push({ match: { indicator, value: ua }, field: f.ua });
  }
  return hits;
}

/** The raw header block, unfolded, as name → first value (lower-case names). */
function rawHeaders(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? raw.slice(0, end) : raw).replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) {
      const k = line.slice(0, c).trim().toLowerCase();
      if (!out.has(k)) out.set(k, line.slice(c + 1).trim());
    }
  }
  return out;
}

/**
 * Most mail needs no MIME parse to be checked: senders come from the header block and links from
 * the raw text (quoted-printable soft breaks undone). Messages with attachments or base64 bodies
 * are parsed (bounded, and shared with the other mail detectors).
 */
async function mailHits(
  intel: IntelIndex,
  rec: MailRecord,
): Promise<{ hits: Hit[]; time?: string; extra: Record<string, EvidenceValue> }> {
  const bytes = Buffer.from(rec.raw.buffer, rec.raw.byteOffset, rec.raw.byteLength);
  if (
    !mayHaveAttachment(rec.raw) &&
    bytes.indexOf('base64', 0, 'latin1') < 0 &&
    bytes.indexOf('BASE64', 0, 'latin1') < 0 &&
    bytes.indexOf('Base64', 0, 'latin1') < 0
  ) {
    const raw = bytes.toString('latin1');
    const h = rawHeaders(raw);
    const hits: Hit[] = [];
    const from = address(h.get('from'));
    for (const [field, a] of [
      ['from', from],
      ['reply-to', address(h.get('reply-to'))],
      ['return-path', address(h.get('return-path'))],
      ['sender', address(h.get('sender'))],
    ] as const)
      if (a) hits.push(...intel.email(a).map(tag(field)));
    const subject = h.get('subject');
    if (subject)
      for (const indicator of intel.value('email-subject', subject))
        hits.push({ match: { indicator, value: subject }, field: 'subject' });
    const body = raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
    for (const u of extractUrls(body, body))
      for (const target of unwrap(u))
        hits.push(
          ...intel.url(target).map((m) => ({
            match: m,
            field: target === u ? 'link' : `link (unwrapped from ${shorten(u, 60)})`,
          })),
        );
    const date = h.get('date');
    const time = date && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : undefined;
    return {
      hits,
      ...(time ? { time } : {}),
      extra: { messageId: h.get('message-id') ?? '', from: from ?? '', subject: subject ?? '' },
    };
  }
  const email = await parseMail(rec);
  const hits: Hit[] = [];
  const from = email.from?.address?.toLowerCase();
  const senders: [string, string | undefined][] = [
    ['from', from],
    ['reply-to', address(header(email, 'reply-to'))],
    ['return-path', address(header(email, 'return-path'))],
    ['sender', address(header(email, 'sender'))],
  ];
  for (const [field, a] of senders) if (a) hits.push(...intel.email(a).map(tag(field)));
  if (email.subject)
    for (const indicator of intel.value('email-subject', email.subject))
      hits.push({ match: { indicator, value: email.subject }, field: 'subject' });
  const urls = extractUrls(email.text ?? '', email.html ?? '');
  for (const u of urls)
    for (const target of unwrap(u))
      hits.push(
        ...intel.url(target).map((m) => ({
          match: m,
          field: target === u ? 'link' : `link (unwrapped from ${shorten(u, 60)})`,
        })),
      );
  for (const a of email.attachments) {
    const content =
      typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : new Uint8Array(a.content);
    const name = a.filename ?? '';
    for (const alg of ['sha256', 'sha1', 'md5'] as const) {
      const h = createHash(alg).update(content).digest('hex');
      for (const indicator of intel.hash(h))
        hits.push({ match: { indicator, value: h }, field: `attachment ${name}` });
    }
    if (name)
      for (const indicator of intel.value('filename', name))
        hits.push({ match: { indicator, value: name }, field: 'attachment name' });
  }
  const time = mailTime(email);
  return {
    hits,
    ...(time ? { time } : {}),
    extra: { messageId: email.messageId ?? '', from: from ?? '', subject: email.subject ?? '' },
  };
}

export const intelDetector = defineDetector({
  id: 'intel',
  description:
    'Indicators of compromise (built-in HAFNIUM, NOBELIUM and SUNBURST packs, plus --intel feeds) in files, file listings, DNS, Exchange/IIS logs and mail',
  kinds: [
    'file',
    'file.entry',
    'dns.query',
    'iis.w3c',
    'exchange.httpproxy',
    'exchange.ecp',
    'exchange.oab',
    'mail',
  ],
  rules: [{ id: 'intel.match', title: 'Indicator of compromise matched' }],
  create(ctx) {
    const intel = ctx.intel;
    const orion = orionBuilds().bySha;
    // For log lines: a line without any of the index's IPs, agents, accounts or strings cannot match.
    // Per log family: strings scoped to IIS logs need not be looked for in HttpProxy logs.
    const logFilters = new Map<string, RegExp | null>();
    const logFilter = (kind: 'iis.w3c' | 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab') => {
      if (!logFilters.has(kind))
        logFilters.set(kind, intel.predicates.length ? null : intel.logLineFilter(kind));
      return logFilters.get(kind) ?? undefined;
    };
    return {
      lineFilterFor: (kind) =>
        kind === 'iis.w3c' ||
        kind === 'exchange.httpproxy' ||
        kind === 'exchange.ecp' ||
        kind === 'exchange.oab'
          ? logFilter(kind)
          : undefined,
      onRecord(rec: VigilRecord, emit: Emit): void | Promise<void> {
        switch (rec.kind) {
          case 'file':
          case 'file.entry':
            // Orion business-layer builds get their verdict (backdoored / test / clean) from orion.build.
            if (rec.sha256 && orion.has(rec.sha256)) return;
            report(fileHits(intel, rec), { source: rec.source }, emit, {
              file: rec.kind === 'file' ? rec.source.path : rec.path,
            });
            return;
          case 'dns.query':
            if (rec.response && !rec.answers?.length) return;
            report(dnsHits(intel, rec), rec, emit, {
              qname: rec.qname,
              ...(rec.client ? { client: rec.client } : {}),
            });
            return;
          case 'log.header':
          case 'winevent':
          case 'exchange.server':
            return;
          case 'mail':
            return mailHits(intel, rec).then(({ hits, time, extra }) =>
              report(hits, { source: rec.source, time }, emit, extra),
            );
          default: {
            const hits = logHits(intel, rec);
            if (!hits.length) return;
            const f = LOG_FIELDS[rec.kind];
            const host = f?.host ? rec.field(f.host) : undefined;
            const url = f
              ? [rec.field(f.url[0]), rec.field(f.url[1])].filter((x) => x && x !== '-').join('?')
              : '';
            report(
              hits,
              { source: rec.source, time: rec.time, host: host && host !== '-' ? host : undefined },
              emit,
              { ...(url ? { url } : {}), line: shorten(rec.line, 500) },
            );
          }
        }
      },
    };
  },
});
