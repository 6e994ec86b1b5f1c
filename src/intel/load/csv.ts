import { splitCsvLine } from '../../io/csvline.ts';
import type { IntelIndex } from '../index.ts';
import type { IndicatorType } from '../indicator.ts';
import { addValue, typeFromName } from './common.ts';
import type { LoadReport } from './report.ts';

/**
 * CSV feeds with a header. Either a type column and a value column (`type,value,…`; MSTIC's
 * `Indicator,IndicatorType`), or one column per indicator type (FireEye's `SHA256,SHA1,MD5,…`
 * and `FQDN,IP,Target`). Dates, comments and families become the indicator's date and note.
 */
const TYPE_COLS = ['type', 'indicatortype', 'indicator_type', 'ioc_type', 'attribute_type', 'category_type'];
const VALUE_COLS = ['value', 'indicator', 'ioc', 'observable', 'observable_value'];
const DATE_COLS = [
  'date',
  'dateadded',
  'date_added',
  'firstseen',
  'first_seen',
  'first seen',
  'created',
  'valid_from',
];
const SOURCE_COLS = ['source', 'reference', 'references', 'ref'];
const NOTE_COLS = [
  'comment',
  'description',
  'note',
  'notes',
  'malware family',
  'family',
  'role',
  'tags',
  'associated malware',
];
const PER_TYPE: Record<string, IndicatorType> = {
  sha256: 'sha256',
  sha1: 'sha1',
  md5: 'md5',
  fqdn: 'domain',
  domain: 'domain',
  hostname: 'domain',
  ip: 'ipv4',
  ipv4: 'ipv4',
  ipv6: 'ipv6',
  url: 'url',
  email: 'email',
  target: 'domain',
  path: 'path',
  filepath: 'path',
  cidr: 'cidr',
};

export function isCsvFeed(firstLine: string): boolean {
  const head = splitCsvLine(firstLine).map((h) => h.trim().toLowerCase());
  return (
    head.length >= 2 &&
    ((head.some((h) => TYPE_COLS.includes(h)) && head.some((h) => VALUE_COLS.includes(h))) ||
      head.filter((h) => h in PER_TYPE).length >= 1)
  );
}

export function loadCsv(
  text: string,
  index: IntelIndex,
  report: LoadReport,
  feed: string,
  file: string,
): void {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && (lines[h]!.trim() === '' || lines[h]!.startsWith('#'))) h++;
  const head = splitCsvLine(lines[h] ?? '').map((x) =>
    x
      .trim()
      .toLowerCase()
      .replace(/^\uFEFF/, ''),
  );
  const col = (names: readonly string[]) => head.findIndex((x) => names.includes(x));
  const typeCol = col(TYPE_COLS);
  const valueCol = col(VALUE_COLS);
  const dateCol = col(DATE_COLS);
  const sourceCol = col(SOURCE_COLS);
  const noteCols = head.flatMap((x, i) => (NOTE_COLS.includes(x) ? [i] : []));
  const perType = head.flatMap((x, i) => (x in PER_TYPE ? [{ i, type: PER_TYPE[x]! }] : []));
  const nameCol = head.findIndex((x) => x === 'filename' || x === 'file name' || x === 'name');
  for (let n = h + 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const v = splitCsvLine(line).map((x) => x.trim());
    const where = `${file}:${n + 1}`;
    const date = dateCol >= 0 ? v[dateCol] : undefined;
    const source = sourceCol >= 0 ? v[sourceCol] || undefined : undefined;
    const fileName = nameCol >= 0 ? v[nameCol] : undefined;
    const note = [...noteCols.map((i) => v[i]), fileName].filter(Boolean).join(' ') || undefined;
    // Code-signing certificates and "benign"/"legitimate" rows are context: loaded with low confidence.
    const confidence = note && /legitimate|benign|certificate/i.test(note) ? 20 : undefined;
    if (typeCol >= 0 && valueCol >= 0) {
      const typeName = v[typeCol] ?? '';
      const t = typeFromName(typeName);
      if (!t) {
        report.rejected.push({
          where,
          value: v[valueCol] ?? '',
          reason: `unknown indicator type "${typeName}"`,
        });
        continue;
      }
      addValue(index, report, t, v[valueCol] ?? '', { feed, where, date, note, confidence, source });
    } else {
      let any = false;
      for (const { i, type } of perType) {
        if (!v[i]) continue;
        any = true;
        addValue(index, report, type, v[i]!, { feed, where, date, note, confidence, source });
      }
      if (!any)
        report.rejected.push({
          where,
          value: line.slice(0, 120),
          reason: 'no indicator in any known column',
        });
    }
  }
}
