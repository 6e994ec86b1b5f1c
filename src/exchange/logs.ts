import { lineBatches } from '../io/lines.ts';
import { selectedLineBatches } from '../io/select.ts';
import { splitCsvLine } from '../io/csvline.ts';
import { csvHeaderLine } from '../io/csv-header.ts';
import { longLineWarning, type ReadContext } from '../io/reader.ts';
import type { SourceRef } from '../model/finding.ts';
import type { LogEvent, LogHeader, LogKind } from '../model/records.ts';

/**
 * Readers for header-driven logs: Exchange's CSV logs (HttpProxy, ECP Server, OAB generator) and
 * IIS W3C extended logs. Columns come from the latest `#Fields:` line, so custom field sets,
 * restarts that repeat the header mid-file and rotated files all read right. Lines are split
 * into fields only when a detector asks (see `LogEvent`).
 *
 * Exchange 2013–2019 write their CSV logs with a plain CSV header line (`DateTime,RequestId,…`)
 * before the `#Software:`…`#Fields:` directives (that is why a bare `Import-Csv` reads them); copies
 * that went through other tools have the directives only, or the header line only, or the header
 * line after the directives. A CSV header line is recognised wherever it comes (its first column
 * is a time column and every column is a name): it sets the columns when no `#Fields:` did and is
 * never read as data. A byte-order mark before the first line is ignored.
 */

type CsvKind = 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab';

/** Time columns of Exchange CSV logs, in the order we try them. */
const TIME_FIELDS = ['DateTime', 'TimeStamp', 'date-time', 'Timestamp'];
const TIME_FIELD_NAMES = new Set(TIME_FIELDS.map((f) => f.toLowerCase()));

/** The columns in force, and how a line of them is split and timed. */
class Header {
  readonly columns: readonly string[];
  private readonly split: (line: string) => string[];
  private readonly time: (values: readonly string[]) => string | undefined;

  constructor(
    columns: readonly string[],
    split: (line: string) => string[],
    time: (values: readonly string[]) => string | undefined,
  ) {
    this.columns = columns;
    this.split = split;
    this.time = time;
  }

  values(line: string): string[] {
    return this.split(line);
  }

  private index: Map<string, number> | null = null;
  indexOf(name: string): number {
    this.index ??= new Map(this.columns.map((c, i) => [c, i]));
    return this.index.get(name) ?? -1;
  }

  fields(values: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let c = 0; c < this.columns.length; c++) out[this.columns[c]!] = values[c] ?? '';
    return out;
  }

  timeOf(values: readonly string[]): string | undefined {
    return this.time(values);
  }
}

/** A log line whose fields and time are parsed on first use. */
class Row<K extends LogKind> implements LogEvent<K> {
  readonly kind: K;
  readonly source: SourceRef;
  readonly line: string;
  readonly #header: Header;
  #values: string[] | undefined;
  #fields: Record<string, string> | undefined;
  #time: string | null | undefined;

  constructor(kind: K, source: SourceRef, line: string, header: Header) {
    this.kind = kind;
    this.source = source;
    this.line = line;
    this.#header = header;
  }

  get fields(): Record<string, string> {
    return (this.#fields ??= this.#header.fields(this.#split()));
  }

  field(name: string): string | undefined {
    if (this.#fields) return this.#fields[name];
    const i = this.#header.indexOf(name);
    return i < 0 ? undefined : (this.#split()[i] ?? '');
  }

  get time(): string | undefined {
    if (this.#time === undefined) this.#time = this.#header.timeOf(this.#split()) ?? null;
    return this.#time ?? undefined;
  }

  #split(): string[] {
    return (this.#values ??= this.#header.values(this.line));
  }

  /** Plain data (for JSON and structured clone): getters do not survive either. */
  toJSON() {
    return { kind: this.kind, source: this.source, line: this.line, time: this.time, fields: this.fields };
  }
}

export function readExchangeCsv<K extends CsvKind>(kind: K) {
  // The OAB generator log's layout is not publicly documented: read it line by line without a header.
  const headerless =
    kind === 'exchange.oab'
      ? new Header([], splitCsvLine, (v) => isoTime(v.find((x) => /^\d{4}-\d\d-\d\dT/.test(x))))
      : undefined;
  return (ctx: ReadContext) =>
    readHeaderLog(
      ctx,
      kind,
      (fields) => {
        const columns = splitCsvLine(fields).map((c) => c.trim());
        const t = columns.findIndex((c) => TIME_FIELD_NAMES.has(c.toLowerCase()));
        return new Header(columns, splitCsvLine, (v) => (t >= 0 ? isoTime(v[t]) : undefined));
      },
      headerless,
      true,
    );
}

export function readW3c(ctx: ReadContext): AsyncGenerator<(LogEvent<'iis.w3c'> | LogHeader)[]> {
  return readHeaderLog(ctx, 'iis.w3c', (fields) => {
    const columns = fields.split(/\s+/);
    const d = columns.indexOf('date');
    const t = columns.indexOf('time');
    return new Header(
      columns,
      (line) => line.split(' '),
      (v) => (d >= 0 && t >= 0 && v[d] && v[t] ? isoTime(`${v[d]}T${v[t]}Z`) : undefined),
    );
  });
}

async function* readHeaderLog<K extends LogKind>(
  ctx: ReadContext,
  kind: K,
  header: (fields: string) => Header,
  headerless?: Header,
  csvHeaders = false,
): AsyncGenerator<(LogEvent<K> | LogHeader)[]> {
  let current: Header | null = headerless ?? null;
  // Columns set by #Fields: win over a CSV header line (they are what the writer used).
  let fromFields = false;
  let first = true;
  let reported = false;
  let directives: Record<string, string> = {};
  let directivesLine = 0;
  const opts = { onLongLine: longLineWarning(ctx) };
  for await (const batch of ctx.select
    ? selectedLineBatches(ctx.chunks, ctx.select, opts)
    : lineBatches(ctx.chunks, opts)) {
    const { lines, firstLine, numbers } = batch;
    const out: (LogEvent<K> | LogHeader)[] = [];
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (first) {
        first = false;
        if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      }
      if (line === '') continue;
      if (csvHeaders) {
        const cols = csvHeaderLine(line);
        if (cols) {
          // Exchange's own header line (above the directives, or repeated after a restart).
          if (!fromFields) current = header(cols.join(','));
          continue;
        }
      }
      if (line.charCodeAt(0) === 0x23 /* # */) {
        const d = /^#([A-Za-z-]+):(.*)$/.exec(line); // `:\s*(.*)$` backtracks quadratically
        if (d) {
          if (!Object.keys(directives).length) directivesLine = numbers ? numbers[i]! : firstLine + i;
          directives[d[1]!.toLowerCase()] = d[2]!.trim();
        }
        if (line.startsWith('#Fields:')) {
          current = header(line.slice(8).trim());
          fromFields = true;
          out.push({
            kind: 'log.header',
            source: { path: ctx.path, line: directivesLine },
            log: kind,
            directives,
          });
          directives = {};
        }
        continue;
      }
      if (ctx.keep && !ctx.keep(line)) continue;
      if (!current) {
        if (!reported)
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: numbers ? numbers[i]! : firstLine + i },
            message: csvHeaders
              ? 'data before any #Fields header or CSV header line; lines skipped until one appears'
              : 'data before any #Fields header; lines skipped until one appears',
          });
        reported = true;
        continue;
      }
      out.push(new Row(kind, { path: ctx.path, line: numbers ? numbers[i]! : firstLine + i }, line, current));
    }
    if (out.length) yield out;
  }
}

/** Normalise a logged time to ISO 8601 UTC, or undefined when it is not a time. */
export function isoTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Exchange writes `Z` times; a time without a zone is taken as UTC (IIS logs are UTC), never
  // as the analyst's local time.
  const v = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/.test(value)
    ? `${value.replace(' ', 'T')}Z`
    : value;
  if (!/^\d{4}-\d\d-\d\d/.test(v)) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}
