import type { IntelIndex } from '../index.ts';
import { compilePattern } from '../stix/compile.ts';
import { count, type LoadReport } from './report.ts';

/** STIX 2.1 bundles (or a bare indicator / array of objects): every `indicator` with `pattern_type: stix`. */
export function loadStix(doc: unknown, index: IntelIndex, report: LoadReport, feed: string): void {
  const objects = Array.isArray(doc)
    ? doc
    : isObj(doc) && Array.isArray(doc['objects'])
      ? doc['objects']
      : isObj(doc)
        ? [doc]
        : [];
  objects.forEach((o: unknown, i: number) => {
    if (!isObj(o) || o['type'] !== 'indicator') return;
    const id = typeof o['id'] === 'string' ? o['id'] : `objects[${i}]`;
    const where = `objects[${i}] ${id}`;
    const patternType = o['pattern_type'] ?? 'stix'; // STIX 2.0 had no pattern_type
    if (patternType !== 'stix') {
      report.unsupported.push({
        where,
        reason: `pattern_type ${String(patternType)} is not evaluated (only stix)`,
      });
      return;
    }
    const pattern = o['pattern'];
    if (typeof pattern !== 'string') {
      report.rejected.push({ where, value: '', reason: 'indicator without a pattern' });
      return;
    }
    if (o['revoked'] === true) {
      report.unsupported.push({ where, reason: 'revoked' });
      return;
    }
    const confidence = typeof o['confidence'] === 'number' ? o['confidence'] : undefined;
    const name =
      typeof o['name'] === 'string'
        ? o['name']
        : typeof o['description'] === 'string'
          ? o['description'].slice(0, 200)
          : undefined;
    const date =
      typeof o['valid_from'] === 'string'
        ? o['valid_from']
        : typeof o['created'] === 'string'
          ? o['created']
          : undefined;
    const r = compilePattern(
      pattern,
      {
        id,
        feed,
        where,
        ...(name ? { note: name } : {}),
        ...(date ? { date } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
      },
      index,
    );
    if (r.ok) count(report, 'stix-pattern');
    else if (/^pattern error/.test(r.reason))
      report.rejected.push({ where, value: pattern, reason: r.reason });
    else report.unsupported.push({ where, reason: `${pattern}: ${r.reason}` });
  });
}

export function isStix(doc: unknown): boolean {
  if (Array.isArray(doc))
    return doc.some(
      (o) =>
        isObj(o) &&
        typeof o['type'] === 'string' &&
        typeof o['id'] === 'string' &&
        String(o['id']).includes('--'),
    );
  return isObj(doc) && (doc['type'] === 'bundle' || doc['type'] === 'indicator');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
