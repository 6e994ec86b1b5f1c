import { defineDetector, type Emit } from '../model/detector.ts';
import { makeFinding, type EvidenceValue, type SourceRef } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';
import { RECORD_KINDS, type RecordKind, type VigilRecord } from '../model/records.ts';
import type {
  ObservableSink,
  ObservableType,
  ObservableView,
  Observer,
  ObserverTable,
  RecordContext,
} from '../model/observable.ts';
import { IntelIndex, type Match } from './index.ts';
import type { Indicator, LogScope } from './indicator.ts';
import { INTEL, OBSERVERS } from './context.ts';

/**
 * The IOC detector: every record is looked up in the indicator index through what its source
 * says it shows (its observables: addresses, names, URLs after unwrapping, hashes, paths, agents,
 * log lines — see `model/observable.ts`; the observers live beside each source's reader). One
 * `intel.match` finding per record and indicator, with the contract's evidence: `indicator` (STIX
 * id or the feed's value), `feed`, `type`, `value` (what was seen), `matched`.
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

/**
 * Emit one finding per distinct indicator value hit in a record, named after the strongest
 * indicator of that value; every feed and indicator that holds the value is credited in
 * `evidence.indicators` (a user's own STIX id beside the built-in pack's entry).
 */
function report(
  hits: readonly Hit[],
  rec: { source: SourceRef; time?: string | undefined; host?: string | undefined },
  emit: Emit,
  extra: Record<string, EvidenceValue> = {},
): void {
  const best = new Map<string, { hit: Hit; all: Indicator[]; others: Set<string> }>();
  for (const h of hits) {
    const ind = h.match.indicator;
    const key = `${ind.type}\0${ind.value}\0${h.field}`;
    const cur = best.get(key);
    if (!cur) {
      best.set(key, { hit: h, all: [ind], others: new Set() });
      continue;
    }
    cur.all.push(ind);
    if (RANK[severity(ind)] > RANK[severity(cur.hit.match.indicator)]) {
      cur.others.add(cur.hit.match.indicator.feed);
      cur.hit = h;
    } else cur.others.add(ind.feed);
  }
  for (const { hit, all, others } of best.values()) {
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
          // What was compared: the indicator as normalised (a defanged feed line refanged, lower-cased).
          matched: ind.value,
          field: hit.field,
          indicators: credits(ind, all),
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

/** Every indicator that matched, the finding's own first, each feed and id once. */
function credits(first: Indicator, all: readonly Indicator[]): EvidenceValue[] {
  const out: EvidenceValue[] = [];
  const seen = new Set<string>();
  for (const i of [first, ...all]) {
    const k = `${i.feed}\0${i.id}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ feed: i.feed, id: i.id, type: i.type, value: i.value });
  }
  return out;
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

/** Collects what the index holds for each observable a source reports. */
class Sink implements ObservableSink {
  readonly hits: Hit[] = [];
  private readonly intel: IntelIndex;
  constructor(intel: IntelIndex) {
    this.intel = intel;
  }

  wants(type: ObservableType): boolean {
    const i = this.intel;
    switch (type) {
      case 'ipv4':
        return i.has('ipv4') || i.has('cidr');
      case 'ipv6':
        return i.has('ipv6');
      case 'user-account':
      case 'user-agent':
      case 'email-subject':
      case 'filename':
        return i.has(type);
      case 'log-line':
        return i.hasLogPatterns;
      default:
        return true;
    }
  }

  see(type: ObservableType, value: string, field: string | (() => string), scope?: string): boolean {
    const found = this.lookup(type, value, scope);
    if (!found.length) return false;
    const f = typeof field === 'string' ? field : field();
    for (const match of found) this.hits.push({ match, field: f });
    return true;
  }

  seeObject(object: string, view: () => ObservableView, value: string, field: string): void {
    if (!this.intel.predicates.length) return;
    let v: ObservableView | undefined;
    for (const p of this.intel.predicates)
      if (p.objects.has(object) && p.test((v ??= view())))
        this.hits.push({ match: { indicator: p.indicator, value }, field });
  }

  private lookup(type: ObservableType, value: string, scope: string | undefined): Match[] {
    const i = this.intel;
    const plain = (inds: Indicator[]): Match[] => inds.map((indicator) => ({ indicator, value }));
    switch (type) {
      case 'ip':
      case 'ipv6':
        return i.ip(value);
      case 'ipv4':
        return i.ipv4(value);
      case 'domain':
        return i.domain(value);
      case 'address-or-domain': {
        const ip = i.ip(value);
        return ip.length ? ip : i.domain(value);
      }
      case 'url':
        return i.url(value);
      case 'email':
        return i.email(value);
      case 'hash':
        return plain(i.hash(value));
      case 'path':
        return i.path(value);
      case 'filename':
      case 'user-agent':
      case 'user-account':
      case 'email-subject':
        return plain(i.value(type, value));
      case 'log-line':
        return i.logLine((scope ?? 'any-log') as LogScope, value);
    }
  }
}

/** A line that can hold nothing of interest to this detector (see `DetectorInfo.lineFilter`). */
const NOTHING = /(?!)/;

export const intelDetector = defineDetector({
  id: 'intel',
  description:
    'Indicators of compromise (built-in HAFNIUM, NOBELIUM and SUNBURST packs, plus --intel feeds) in files, file listings, DNS, Exchange/IIS logs and mail',
  // Every kind: what a kind shows is up to its source's observer (none: nothing to match).
  kinds: RECORD_KINDS,
  rules: [{ id: 'intel.match', title: 'Indicator of compromise matched' }],
  options: [INTEL, OBSERVERS],
  create(ctx) {
    const intel = INTEL.get(ctx) ?? new IntelIndex();
    const table: ObserverTable = OBSERVERS.get(ctx) ?? {};
    // For log lines: a line without any of the index's IPs, agents, accounts or strings cannot match.
    // Per log family: strings scoped to IIS logs need not be looked for in HttpProxy logs.
    const logFilters = new Map<RecordKind, RegExp | null>();
    const logFilter = (kind: RecordKind) => {
      if (!logFilters.has(kind))
        logFilters.set(kind, intel.predicates.length ? null : intel.logLineFilter(kind as LogScope));
      return logFilters.get(kind) ?? undefined;
    };
    return {
      lineFilterFor: (kind) => {
        const entry = table[kind];
        if (!entry?.observers.length) return NOTHING;
        return entry.lineFilter ? logFilter(kind) : undefined;
      },
      onRecord(rec: VigilRecord, emit: Emit): void | Promise<void> {
        const observers = table[rec.kind]?.observers as readonly Observer[] | undefined;
        if (!observers?.length) return;
        const sink = new Sink(intel);
        const seen: ({ describe(): RecordContext } | null)[] = [];
        const conclude = () => {
          if (!sink.hits.length || seen.some((o) => o === null)) return;
          const ctx = seen.map((o) => o!.describe());
          const time = ctx.find((c) => c.time)?.time;
          const host = ctx.find((c) => c.host)?.host;
          report(
            sink.hits,
            { source: rec.source, time, host },
            emit,
            Object.assign({}, ...ctx.map((c) => c.evidence ?? {})) as Record<string, EvidenceValue>,
          );
        };
        // Observers run in turn; one that returns null (the record is judged elsewhere) stops the rest.
        const step = (k: number): void | Promise<void> => {
          for (let i = k; i < observers.length; i++) {
            const o = observers[i]!(rec, sink);
            if (o instanceof Promise)
              return o.then((x) => {
                seen.push(x);
                return x === null ? undefined : step(i + 1);
              });
            seen.push(o);
            if (o === null) return;
          }
          conclude();
        };
        return step(0);
      },
    };
  },
});
