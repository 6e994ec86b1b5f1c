import { splitCsvLine } from './csvline.ts';

/** The time columns Exchange's CSV logs start with. */
const TIME_COLUMNS = new Set(['datetime', 'timestamp', 'date-time']);
const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_.()-]{0,79}$/;

/**
 * The columns of a plain CSV header line as Exchange 2013–2019 write it above the `#Software:` …
 * `#Fields:` directives (`DateTime,RequestId,…`): a time column first, then only column names.
 * Null for anything else; a data line starts with its date, so it never qualifies.
 */
export function csvHeaderLine(line: string): string[] | null {
  const l = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  const c = l.charCodeAt(0);
  // Cheap rejection first (this runs on every line of a log): a header starts with a letter or a quote.
  if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x22)) return null;
  if (l.length > 8192 || !l.includes(',')) return null;
  const cols = splitCsvLine(l).map((x) => x.trim());
  if (cols.length < 3 || !TIME_COLUMNS.has(cols[0]!.toLowerCase())) return null;
  return cols.every((x) => COLUMN_NAME.test(x)) ? cols : null;
}
