import { lineBatches } from '../io/lines.ts';
import { splitCsvLine } from '../io/csvline.ts';
import { longLineWarning, type ReadContext } from '../io/reader.ts';
import type { LogEvent } from '../model/records.ts';

/**
 * Readers for header-driven logs: Exchange's CSV logs (HttpProxy, ECP Server, OAB generator) and
 * IIS W3C extended logs. Columns come from the latest `#Fields:` line, so custom field sets,
 * restarts that repeat the header mid-file and rotated files all read right.
 */

type CsvKind = 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab';

/** Time columns, in the order we try them. */
const TIME_FIELDS = ['DateTime', 'TimeStamp', 'date-time', 'Timestamp'];

export function readExchangeCsv(kind: CsvKind) {
  return async function* (ctx: ReadContext): AsyncGenerator<LogEvent<CsvKind>> {
    let columns: string[] | null = null;
    let timeCol = -1;
    let reported = false;
    for await (const batch of lineBatches(ctx.chunks, { onLongLine: longLineWarning(ctx) })) {
      for (let i = 0; i < batch.lines.length; i++) {
        const line = batch.lines[i]!;
        if (line === '') continue;
        if (line.charCodeAt(0) === 0x23 /* # */) {
          if (line.startsWith('#Fields:')) {
            columns = splitCsvLine(line.slice(8).trim()).map((c) => c.trim());
            timeCol = columns.findIndex((c) => TIME_FIELDS.includes(c));
          }
          continue;
        }
        const lineNo = batch.firstLine + i;
        if (!columns) {
          if (!reported) ctx.problem({ level: 'error', source: { path: ctx.path, line: lineNo }, message: 'data before any #Fields header; lines skipped until one appears' });
          reported = true;
          continue;
        }
        const values = splitCsvLine(line);
        const fields: Record<string, string> = {};
        for (let c = 0; c < columns.length; c++) fields[columns[c]!] = values[c] ?? '';
        const time = timeCol >= 0 ? isoTime(values[timeCol]) : undefined;
        yield { kind, source: { path: ctx.path, line: lineNo }, ...(time ? { time } : {}), fields } as LogEvent<CsvKind>;
      }
    }
  };
}

export async function* readW3c(ctx: ReadContext): AsyncGenerator<LogEvent<'iis.w3c'>> {
  let columns: string[] | null = null;
  let reported = false;
  for await (const batch of lineBatches(ctx.chunks, { onLongLine: longLineWarning(ctx) })) {
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (line === '') continue;
      if (line.charCodeAt(0) === 0x23) {
        if (line.startsWith('#Fields:')) columns = line.slice(8).trim().split(/\s+/);
        continue;
      }
      const lineNo = batch.firstLine + i;
      if (!columns) {
        if (!reported) ctx.problem({ level: 'error', source: { path: ctx.path, line: lineNo }, message: 'data before any #Fields header; lines skipped until one appears' });
        reported = true;
        continue;
      }
      const values = line.split(' ');
      const fields: Record<string, string> = {};
      for (let c = 0; c < columns.length; c++) fields[columns[c]!] = values[c] ?? '';
      const d = fields['date'];
      const t = fields['time'];
      const time = d && t ? isoTime(`${d}T${t}Z`) : undefined;
      yield { kind: 'iis.w3c', source: { path: ctx.path, line: lineNo }, ...(time ? { time } : {}), fields };
    }
  }
}

/** Normalise a logged time to ISO 8601 UTC, or undefined when it is not a time. */
export function isoTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Exchange writes `Z` times; a time without a zone is taken as UTC (IIS logs are UTC), never
  // as the analyst's local time.
  const v = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  if (!/^\d{4}-\d\d-\d\d/.test(v)) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}
