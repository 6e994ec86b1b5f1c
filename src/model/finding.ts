import type { Severity } from './severity.ts';

/** Where a finding came from. `path` is relative to the scanned root (archive members as `a.zip!/inner/file`). */
export interface SourceRef {
  readonly path: string;
  /** 1-based line number, for line-oriented inputs. */
  readonly line?: number;
  /** Byte offset into the (decompressed) file, for record-oriented inputs. */
  readonly offset?: number;
}

/** A JSON value that is safe to put in evidence (no functions, no undefined inside). */
export type EvidenceValue =
  string | number | boolean | null | readonly EvidenceValue[] | { readonly [k: string]: EvidenceValue };

/**
 * The one shape every detector emits (DESIGN.md, "The Finding"). Keys are never renamed once
 * released; extra keys may be added.
 */
export interface Finding {
  /** Stable dotted id, e.g. `exchange.proxylogon.ssrf`. */
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  readonly cve: readonly string[];
  /** ATT&CK technique ids, e.g. `T1190`. */
  readonly attack: readonly string[];
  /** ISO 8601 UTC, when the record has a time. */
  readonly time?: string;
  readonly host?: string;
  readonly source: SourceRef;
  readonly evidence: { readonly [k: string]: EvidenceValue };
  readonly remediation?: string;
}

/** Fields a detector must give; the rest have sensible defaults. */
export type FindingInit = Omit<Finding, 'cve' | 'attack'> & {
  cve?: readonly string[];
  attack?: readonly string[];
};

/**
 * Text cut from attacker-written input can end in half a surrogate pair (an emoji sliced at 80
 * characters); such strings are not valid Unicode and strict JSON readers (jq) reject them.
 */
function wellFormed<T>(v: T): T {
  if (typeof v === 'string') return v.toWellFormed() as T;
  if (Array.isArray(v)) return v.map(wellFormed) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toWellFormed(), wellFormed(x)])) as T;
  return v;
}

export function makeFinding(init: FindingInit): Finding {
  const f: Finding = {
    rule: init.rule,
    title: init.title.toWellFormed(),
    severity: init.severity,
    cve: init.cve ?? [],
    attack: init.attack ?? [],
    ...(init.time !== undefined ? { time: init.time } : {}),
    ...(init.host !== undefined ? { host: init.host } : {}),
    source: init.source,
    evidence: wellFormed(init.evidence),
    ...(init.remediation !== undefined ? { remediation: init.remediation } : {}),
  };
  return f;
}

/** Stable ordering for reports: time (untimed last), then path, line, rule. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.time !== b.time) {
    if (a.time === undefined) return 1;
    if (b.time === undefined) return -1;
    return a.time < b.time ? -1 : 1;
  }
  if (a.source.path !== b.source.path) return a.source.path < b.source.path ? -1 : 1;
  const la = a.source.line ?? a.source.offset ?? 0;
  const lb = b.source.line ?? b.source.offset ?? 0;
  if (la !== lb) return la - lb;
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}
