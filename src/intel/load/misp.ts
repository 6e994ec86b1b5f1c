import type { IntelIndex } from '../index.ts';
import { addValue, typeFromName } from './common.ts';
import type { LoadReport } from './report.ts';

/**
 * MISP JSON: an event (`{"Event": {…}}`), a list of them, a `response` array from the API, or a
 * feed manifest (`manifest.json`: event uuid → summary), whose events sit beside it as `<uuid>.json`.
 * Attributes with `to_ids: false` are context, not detection: counted as such, not loaded.
 */
const COMPOSITE_FIRST: Record<string, string> = {
  'filename|md5': 'md5',
  'filename|sha1': 'sha1',
  'filename|sha256': 'sha256',
  'ip-dst|port': 'ip-dst',
  'ip-src|port': 'ip-src',
  'domain|ip': 'domain',
  'hostname|port': 'hostname',
};

export function mispEvents(doc: unknown): Record<string, unknown>[] | null {
  const one = (d: unknown) => (isObj(d) && isObj(d['Event']) ? d['Event'] : null);
  if (one(doc)) return [one(doc)!];
  const arr = Array.isArray(doc)
    ? doc
    : isObj(doc) && Array.isArray(doc['response'])
      ? doc['response']
      : null;
  if (arr && arr.length && arr.every((x) => one(x))) return arr.map((x) => one(x)!);
  return null;
}

export function isMispManifest(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const vals = Object.values(doc);
  return vals.length > 0 && vals.every((v) => isObj(v) && 'info' in v && ('timestamp' in v || 'date' in v));
}

export function loadMispEvents(
  events: Record<string, unknown>[],
  index: IntelIndex,
  report: LoadReport,
  feed: string,
): void {
  events.forEach((ev, e) => {
    const info = typeof ev['info'] === 'string' ? ev['info'] : undefined;
    const date = typeof ev['date'] === 'string' ? ev['date'] : undefined;
    const attrs: { a: Record<string, unknown>; where: string }[] = [];
    (Array.isArray(ev['Attribute']) ? ev['Attribute'] : []).forEach((a: unknown, i: number) => {
      if (isObj(a)) attrs.push({ a, where: `Event[${e}].Attribute[${i}]` });
    });
    (Array.isArray(ev['Object']) ? ev['Object'] : []).forEach((o: unknown, j: number) => {
      if (isObj(o) && Array.isArray(o['Attribute']))
        o['Attribute'].forEach((a: unknown, i: number) => {
          if (isObj(a)) attrs.push({ a, where: `Event[${e}].Object[${j}].Attribute[${i}]` });
        });
    });
    for (const { a, where } of attrs) {
      const type = String(a['type'] ?? '');
      const value = String(a['value'] ?? '');
      const id = typeof a['uuid'] === 'string' ? a['uuid'] : value;
      if (a['to_ids'] === false || a['to_ids'] === 0 || a['to_ids'] === '0') {
        report.unsupported.push({
          where,
          reason: `${type} ${value}: to_ids is false (context, not for detection)`,
        });
        continue;
      }
      let t = type;
      let v = value;
      const first = COMPOSITE_FIRST[type];
      if (first) {
        const [left, right] = value.split('|');
        if (type.startsWith('filename|')) {
          v = right ?? '';
          t = first;
        } else {
          v = left ?? '';
          t = first;
        }
      }
      const it = typeFromName(t);
      if (!it) {
        report.unsupported.push({ where, reason: `MISP type ${type} is not matched by Vigil` });
        continue;
      }
      addValue(index, report, it, v, {
        feed,
        id,
        where,
        source: info,
        date,
        note: typeof a['comment'] === 'string' && a['comment'] ? a['comment'] : info,
      });
    }
  });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
