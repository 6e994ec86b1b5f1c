import type { EvidenceValue } from './finding.ts';
import type { RecordKind, RecordOf } from './records.ts';

/**
 * What a record shows that an indicator could name, as STIX cyber-observables do: each source says
 * which observables its records carry (and the field each came from); the indicator layer matches
 * them without knowing any source. Adding a source means writing its observer, nothing in intel.
 */
export type ObservableType =
  /** An IPv4 or IPv6 address (`[v6]` brackets allowed). */
  | 'ip'
  /** A dotted-quad IPv4 address (the hot path of log scanning). */
  | 'ipv4'
  /** A DNS name (matches the indicator domain and its subdomains). */
  | 'domain'
  /** A DNS answer: an address, else a name. */
  | 'address-or-domain'
  /** A URL, after unwrapping redirectors and rewriters. */
  | 'url'
  | 'email'
  /** A file hash in hex (sha256, sha1 or md5, told by length). */
  | 'hash'
  | 'filename'
  /** A file path (any separator, any drive). */
  | 'path'
  | 'user-agent'
  | 'user-account'
  | 'email-subject'
  /** An IPv6 address in its text form (only when the index holds IPv6 indicators). */
  | 'ipv6'
  /** A raw log line: log-string and log-regex indicators of its family (the `scope`) are tried on it. */
  | 'log-line';

/** STIX object paths (lower-case, as in patterns) → values, for indicators that need several properties at once. */
export interface ObservableView {
  get(path: string): readonly (string | number)[] | undefined;
}

/**
 * Where an observer reports what a record shows. `see` returns whether anything matched, so an
 * observer can stop early or name the field only on a hit (the field may be given lazily).
 */
export interface ObservableSink {
  /** Could any indicator match an observable of this type? (Skip the work of finding them when not.) */
  wants(type: ObservableType): boolean;
  see(type: ObservableType, value: string, field: string | (() => string), scope?: string): boolean;
  /**
   * The record as one STIX object (`file`, …) for indicators that need several of its properties
   * at once (patterns with AND); `view` is built only when such indicators exist.
   */
  seeObject(object: string, view: () => ObservableView, value: string, field: string): void;
}

/** An `ObservableView` built up property by property. */
export class MapView implements ObservableView {
  private readonly m = new Map<string, (string | number)[]>();
  add(path: string, v: string | number | undefined | null): this {
    if (v === undefined || v === null || v === '') return this;
    const l = this.m.get(path);
    if (l) l.push(v);
    else this.m.set(path, [v]);
    return this;
  }
  get(path: string) {
    return this.m.get(path);
  }
}

/** What an observer says about a record besides its observables: where and when, for the finding. */
export interface Observation {
  /** Time, host and evidence for the findings from this record, asked for only when something matched. */
  describe(): RecordContext;
}

export interface RecordContext {
  readonly time?: string | undefined;
  readonly host?: string | undefined;
  /** Added to the evidence of each finding from this record. */
  readonly evidence?: Record<string, EvidenceValue>;
}

/**
 * A source's observer for one record kind: report the record's observables to the sink and say
 * where it is. Returns null when the record is not to be matched at all (another detector judges
 * it fully, e.g. a SUNBURST-decoded name or a known Orion build).
 */
export type Observer<K extends RecordKind = RecordKind> = (
  rec: RecordOf<K>,
  sink: ObservableSink,
) => Observation | null | Promise<Observation | null>;

/**
 * Observers by record kind; several for one kind run in turn (any null: the record is not matched).
 * `lineFilter`: every observable of the kind comes from the record's line as addresses, agents,
 * accounts and log strings, so a line the index's log-line pre-filter rejects can be skipped.
 */
export type ObserverTable = {
  readonly [K in RecordKind]?: { readonly observers: readonly Observer<K>[]; readonly lineFilter?: boolean };
};
