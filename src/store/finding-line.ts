import { createHash } from 'node:crypto';
import type { Finding } from '../model/finding.ts';
import { isSeverity, severityRank } from '../model/severity.ts';

/** Caps on one imported finding: a hostile file must not grow memory or the database unboundedly. */
export const MAX_FINDING_BYTES = 1024 * 1024;
const MAX_RULE = 200;
const MAX_TEXT = 4096;

/** A finding ready to store: the row's indexed fields and the finding as JSON. */
export interface StoredFinding {
  readonly finding: Finding;
  readonly fingerprint: string;
  readonly rule: string;
  readonly severity: string;
  readonly sevRank: number;
  readonly host: string | null;
  /** ISO 8601 UTC, or '' when the finding has no time. */
  readonly time: string;
  readonly title: string;
  readonly outcome: string | null;
  readonly data: string;
}

/** One line of `vigil … --format jsonl` checked against the Finding shape (DESIGN.md). */
export function parseFindingLine(line: string): StoredFinding | { error: string } {
  if (line.length > MAX_FINDING_BYTES) return { error: `longer than ${MAX_FINDING_BYTES} bytes` };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message.slice(0, 120)}` };
  }
  return checkFinding(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function checkFinding(v: unknown): StoredFinding | { error: string } {
  if (!isObject(v)) return { error: 'not a JSON object' };
  const { rule, title, severity, cve, attack, time, host, source, evidence } = v;
  if (typeof rule !== 'string' || !/^[A-Za-z0-9][\w.:-]*$/.test(rule) || rule.length > MAX_RULE)
    return { error: 'rule must be a dotted rule id' };
  if (typeof title !== 'string' || title.length > MAX_TEXT) return { error: 'title must be a string' };
  if (!isSeverity(severity)) return { error: 'severity must be info, low, medium, high or critical' };
  if (cve !== undefined && !strings(cve)) return { error: 'cve must be an array of strings' };
  if (attack !== undefined && !strings(attack)) return { error: 'attack must be an array of strings' };
  if (host !== undefined && (typeof host !== 'string' || host.length > MAX_TEXT))
    return { error: 'host must be a string' };
  if (!isObject(source) || typeof source['path'] !== 'string')
    return { error: 'source.path must be a string' };
  if (source['line'] !== undefined && !Number.isSafeInteger(source['line']))
    return { error: 'source.line must be a whole number' };
  if (source['offset'] !== undefined && !Number.isSafeInteger(source['offset']))
    return { error: 'source.offset must be a whole number' };
  if (!isObject(evidence)) return { error: 'evidence must be an object' };
  let t = '';
  if (time !== undefined) {
    const ms = typeof time === 'string' ? Date.parse(time) : NaN;
    if (!Number.isFinite(ms)) return { error: 'time must be an ISO 8601 date' };
    t = new Date(ms).toISOString();
  }
  const finding = (cve && attack ? v : { ...v, cve: cve ?? [], attack: attack ?? [] }) as unknown as Finding;
  return {
    finding,
    fingerprint: fingerprint(finding, t),
    rule,
    severity,
    sevRank: severityRank(severity),
    host: host === undefined || host === '' ? null : host,
    time: t,
    title,
    outcome: outcomeOf(finding),
    data: JSON.stringify(finding),
  };
}

/** What a concluding finding concluded: the verdict a server got, the action a message or campaign got. */
function outcomeOf(f: Finding): string | null {
  const e = f.evidence;
  const pick = (k: string) => (typeof e[k] === 'string' ? (e[k] as string).slice(0, 64) : null);
  if (f.rule === 'exchange.verdict') return pick('verdict');
  if (f.rule === 'mail.verdict' || f.rule === 'mail.campaign') return pick('action');
  if (f.rule === 'sunburst.victim') return pick('stage');
  return null;
}

/**
 * The identity of a finding: rule, host, source, time and its evidence (key order ignored).
 * The title and remediation are prose that a later version may word differently; they do not
 * make a finding new. Re-importing a report therefore adds nothing.
 */
export function fingerprint(f: Finding, time: string): string {
  const src = f.source;
  const id = [
    f.rule,
    f.host ?? '',
    src.path,
    src.line ?? null,
    src.offset ?? null,
    time,
    canonical(f.evidence),
  ];
  // 128 bits of SHA-256: collisions stay out of reach at billions of findings, and the unique
  // index the import probes for every finding is half the size.
  return createHash('sha256').update(JSON.stringify(id)).digest().subarray(0, 16).toString('base64url');
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v))
    return Object.keys(v)
      .sort()
      .map((k) => [k, canonical(v[k])]);
  return v;
}
