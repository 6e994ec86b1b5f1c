import { lineBatches, type LineBatch } from '../io/lines.ts';
import { selectedLineBatches } from '../io/select.ts';
import { splitCsvLine } from '../io/csvline.ts';
import { jsonRecords } from '../io/json-objects.ts';
import { longLineWarning, type ReadContext } from '../io/reader.ts';
import type { DnsQuery } from '../model/records.ts';

/**
 * DNS log readers. Each yields one `DnsQuery` per question seen, with the line it came from.
 * Names are lower-cased and lose their trailing dot; nothing else is normalised (SUNBURST
 * decoding needs the labels exactly).
 */

const MONTHS: Record<string, string> = {
  jan: '01',
  feb: '02',
  mar: '03',
  apr: '04',
  may: '05',
  jun: '06',
  jul: '07',
  aug: '08',
  sep: '09',
  oct: '10',
  nov: '11',
  dec: '12',
};
const BIND_LINE =
  /client (?:@\S+ )?([0-9a-fA-F.:%]+)#\d+(?: \([^()]*\))?: (?:view \S+: )?query: (\S+) IN (\S+)/;
const BIND_TIME = /^(\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)/;

/**
 * The lines of a log whose records each stand on one line. When the scan gives chunk searchers
 * (every detector of DNS queries has a pre-filter: `dns sunburst` looks only for avsvmcloud),
 * only the lines they hit (and `#` lines) are decoded and split: a resolver log of millions of
 * innocent names costs a search of its bytes. Readers still apply `keep` to each line.
 */
function lineRuns(ctx: ReadContext): AsyncGenerator<LineBatch> {
  const opts = { onLongLine: longLineWarning(ctx) };
  return ctx.select ? selectedLineBatches(ctx.chunks, ctx.select, opts) : lineBatches(ctx.chunks, opts);
}

/** The number of a batch's i-th line (selected batches carry each line's own). */
function lineOf(batch: LineBatch, i: number): number {
  return batch.numbers ? batch.numbers[i]! : batch.firstLine + i;
}

/** `16-Jun-2020 00:03:40.125` → ISO 8601 built from the parts (a Date per line costs more than the rest of the line). */
function bindTime(t: RegExpExecArray): string | undefined {
  const month = MONTHS[t[2]!.toLowerCase()];
  if (!month) return undefined;
  const [hms, frac = ''] = t[4]!.split('.');
  const iso = `${t[3]}-${month}-${t[1]}T${hms}.${(frac + '000').slice(0, 3)}Z`;
  return Number(t[1]) >= 1 && Number(t[1]) <= 31 && hms! < '24' ? iso : undefined;
}

export async function* readBind(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  const keep = ctx.keep;
  // Consecutive lines share their timestamp more often than not: convert each distinct one once.
  let lastStamp = '';
  let lastTime: string | undefined;
  for await (const batch of lineRuns(ctx)) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (keep && !keep(line)) continue;
      const m = BIND_LINE.exec(line);
      if (!m) continue; // BIND interleaves other categories; only query lines are records
      const t = BIND_TIME.exec(line);
      if (t && t[0] !== lastStamp) {
        lastStamp = t[0];
        lastTime = bindTime(t);
      }
      const time = t ? lastTime : undefined;
      out.push(query(ctx.path, lineOf(batch, i), m[2]!, { time, qtype: m[3], client: m[1] }));
    }
    if (out.length) yield out;
  }
}

// 3/3/2021 6:49:42 AM 0E5C PACKET  000000D1D8F2B0F0 UDP Rcv 10.0.0.5  a1b2   Q [0001   D   NOERROR] A      (7)example(3)com(0)
const WIN_LINE =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d\d):(\d\d)(?: ([AP]M))? +\S+ +PACKET +\S+ +(?:UDP|TCP) +(Rcv|Snd) +(\S+) +[0-9a-fA-F]{4} {1,3}([ R]) {1,3}Q +\[[^\]]*\] +(\S+) +(\S+)/;

export async function* readWindowsDns(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  for await (const batch of lineRuns(ctx)) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      if (ctx.keep && !ctx.keep(batch.lines[i]!)) continue;
      const m = WIN_LINE.exec(batch.lines[i]!);
      // Only questions received from clients: responses (R) and forwarded copies repeat them.
      if (!m || m[8] !== 'Rcv' || m[10] !== ' ') continue;
      let hour = Number(m[4]);
      if (m[7] === 'PM' && hour < 12) hour += 12;
      if (m[7] === 'AM' && hour === 12) hour = 0;
      // The debug log writes the server's local time in US order; we record it as UTC and say so in docs.
      const time = isoOrUndefined(
        `${m[3]}-${pad(m[1]!)}-${pad(m[2]!)}T${pad(String(hour))}:${m[5]}:${m[6]}Z`,
      );
      out.push(query(ctx.path, lineOf(batch, i), wireLabels(m[12]!), { time, qtype: m[11], client: m[9] }));
    }
    if (out.length) yield out;
  }
}

/** `(7)example(3)com(0)` → `example.com`. */
export function wireLabels(s: string): string {
  return s
    .replace(/^\(\d+\)/, '')
    .replace(/\(\d+\)$/, '')
    .replace(/\(\d+\)/g, '.');
}

export async function* readZeek(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  let sep = '\t';
  let setSep = ',';
  let fields: string[] | null = null;
  for await (const batch of lineRuns(ctx)) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      const lineNo = lineOf(batch, i);
      if (line === '') continue;
      if (ctx.keep && line.charCodeAt(0) !== 0x23 && !ctx.keep(line)) continue;
      if (line.startsWith('{')) {
        let o: unknown;
        try {
          o = JSON.parse(line);
        } catch (e) {
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: lineNo },
            message: `invalid JSON: ${(e as Error).message}`,
          });
          continue;
        }
        if (o === null || typeof o !== 'object') continue;
        const r = o as Record<string, unknown>;
        if (typeof r['query'] !== 'string') continue;
        const answers = Array.isArray(r['answers'])
          ? r['answers'].filter((a): a is string => typeof a === 'string')
          : undefined;
        out.push(
          query(ctx.path, lineNo, r['query'], {
            time: zeekTime(r['ts']),
            qtype: typeof r['qtype_name'] === 'string' ? r['qtype_name'] : undefined,
            client: typeof r['id.orig_h'] === 'string' ? r['id.orig_h'] : undefined,
            answers,
          }),
        );
        continue;
      }
      if (line.startsWith('#')) {
        if (line.startsWith('#separator ')) sep = unescapeZeek(line.slice(11));
        else if (line.startsWith('#set_separator')) setSep = unescapeZeek(line.slice(15)) || ',';
        else if (line.startsWith('#fields')) fields = line.split(sep).slice(1);
        continue;
      }
      if (!fields) continue;
      const v = line.split(sep);
      const get = (name: string) => {
        const k = fields!.indexOf(name);
        const x = k >= 0 ? v[k] : undefined;
        return x === undefined || x === '-' || x === '(empty)' ? undefined : x;
      };
      const q = get('query');
      if (!q) continue;
      const ans = get('answers');
      out.push(
        query(ctx.path, lineNo, q, {
          time: zeekTime(get('ts')),
          qtype: get('qtype_name'),
          client: get('id.orig_h'),
          answers: ans ? ans.split(setSep) : undefined,
        }),
      );
    }
    if (out.length) yield out;
  }
}

export async function* readNameList(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  for await (const batch of lineRuns(ctx)) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const name = batch.lines[i]!.trim();
      if (name === '' || name.startsWith('#')) continue;
      if (ctx.keep && !ctx.keep(name)) continue;
      out.push(query(ctx.path, lineOf(batch, i), name, {}));
    }
    if (out.length) yield out;
  }
}

// dnsmasq (log-queries): `Jun 16 00:03:40 dnsmasq[812]: query[A] name from 10.0.0.5`, then
// `reply name is 1.2.3.4` / `cached name is <CNAME>` lines carrying the answers.
const DNSMASQ =
  /dnsmasq(?:\[\d+\])?: (?:\d+ [0-9a-f.:]+\/\d+ )?(query\[(\w+)\]|reply|cached|forwarded) (\S+) (?:from|is|to) (\S+)/;
const SYSLOG_ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)/;

export async function* readDnsmasq(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  for await (const batch of lineRuns(ctx)) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (ctx.keep && !ctx.keep(line)) continue;
      const m = DNSMASQ.exec(line);
      if (!m || m[1] === 'forwarded') continue;
      // Classic syslog stamps have no year, so only ISO stamps (RFC 5424, rsyslog) give a time.
      const iso = SYSLOG_ISO.exec(line);
      const time = iso ? isoOrUndefined(iso[1]!) : undefined;
      if (m[2]) out.push(query(ctx.path, lineOf(batch, i), m[3]!, { time, qtype: m[2], client: m[4] }));
      else if (m[4] !== '<CNAME>' && !m[4]!.startsWith('NXDOMAIN') && !m[4]!.startsWith('NODATA')) {
        out.push(query(ctx.path, lineOf(batch, i), m[3]!, { time, answers: [m[4]!], response: true }));
      }
    }
    if (out.length) yield out;
  }
}

/** Column names that CSV exports use for the question, in the order we look for them. */
export const CSV_NAME_COLUMNS = [
  'qname',
  'query',
  'query_name',
  'queryname',
  'question',
  'dns.question.name',
  'fqdn',
  'rrname',
  'domain',
  'name',
];
const CSV_TIME = [
  'timestamp',
  'time',
  'ts',
  'date',
  'datetime',
  '@timestamp',
  'first_seen',
  'firstseen',
  'event_time',
];
const CSV_CLIENT = ['client', 'client_ip', 'clientip', 'src', 'src_ip', 'source', 'source_ip', 'id.orig_h'];
const CSV_TYPE = ['qtype', 'type', 'query_type', 'qtype_name', 'rrtype', 'record_type'];
const CSV_ANSWER = ['answer', 'answers', 'response', 'rdata', 'value', 'data', 'result', 'target', 'ip'];

/** A CSV export with a header row naming a question column (SIEM and resolver exports). */
export async function* readDnsCsv(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  let cols: { name: number; time: number; client: number; type: number; answer: number } | null = null;
  for await (const batch of lineBatches(ctx.chunks, { onLongLine: longLineWarning(ctx) })) {
    const out: DnsQuery[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (line.trim() === '') continue;
      const v = splitCsvLine(line);
      if (!cols) {
        const head = v.map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\uFEFF/, ''),
        );
        const find = (names: readonly string[]) => {
          for (const n of names) {
            const k = head.indexOf(n);
            if (k >= 0) return k;
          }
          return -1;
        };
        cols = {
          name: find(CSV_NAME_COLUMNS),
          time: find(CSV_TIME),
          client: find(CSV_CLIENT),
          type: find(CSV_TYPE),
          answer: find(CSV_ANSWER),
        };
        if (cols.name < 0) {
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: batch.firstLine + i },
            message: `no question column in the header (one of ${CSV_NAME_COLUMNS.join(', ')})`,
          });
          return;
        }
        continue;
      }
      const name = v[cols.name]?.trim();
      if (!name) continue;
      if (ctx.keep && !ctx.keep(name)) continue;
      const get = (k: number) => (k >= 0 ? v[k]?.trim() || undefined : undefined);
      const t = get(cols.time);
      const ans = get(cols.answer);
      out.push(
        query(ctx.path, batch.firstLine + i, name, {
          time: t ? zeekTime(t) : undefined,
          client: get(cols.client),
          qtype: get(cols.type),
          answers: ans
            ? ans
                .split(/[;,| ]+/)
                .filter(Boolean)
                .map((a) => a.replace(/\[\.\]/g, '.'))
            : undefined,
        }),
      );
    }
    if (out.length) yield out;
  }
}

/**
 * Passive-DNS JSON: records with a name (`qname`/`rrname`/`query`) and an answer, as in the
 * Bambenek SUNBURST dump (`"results": [ {qname, type, value | value_ip, date, last_seen} ]`),
 * Farsight-style `rrname`/`rdata`, or NDJSON of either.
 */
export async function* readPassiveDnsJson(ctx: ReadContext): AsyncGenerator<DnsQuery[]> {
  const onError = (line: number, message: string) =>
    ctx.problem({ level: 'error', source: { path: ctx.path, line }, message });
  for await (const batch of jsonRecords(ctx.chunks, { onError })) {
    const out: DnsQuery[] = [];
    for (const { value: r, line } of batch) {
      const name = str(r['qname']) ?? str(r['rrname']) ?? str(r['query']) ?? str(r['name']);
      if (!name) continue;
      if (ctx.keep && !ctx.keep(name)) continue;
      const answers: string[] = [];
      // Only address and alias records answer the question; NS/MX/SOA rows describe the zone.
      const rtype = (str(r['rrtype']) ?? str(r['type']) ?? '').toLowerCase();
      const answering = rtype === '' || ['ip', 'a', 'aaaa', 'cname', '1', '28', '5'].includes(rtype);
      for (const k of answering ? ['value_ip', 'value', 'rdata', 'answer', 'answers'] : []) {
        const a = r[k];
        if (typeof a === 'string') answers.push(a);
        else if (Array.isArray(a)) for (const x of a) if (typeof x === 'string') answers.push(x);
      }
      const t = r['date'] ?? r['time_first'] ?? r['first_seen'] ?? r['timestamp'] ?? r['ts'];
      out.push(
        query(ctx.path, line, name, {
          time: typeof t === 'number' ? zeekTime(t > 1e11 ? t / 1000 : t) : zeekTime(t),
          qtype: str(r['rrtype']) ?? str(r['qtype_name']) ?? str(r['type']),
          answers,
        }),
      );
    }
    if (out.length) yield out;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

interface QueryExtra {
  time?: string | undefined;
  qtype?: string | undefined;
  client?: string | undefined;
  answers?: readonly string[] | undefined;
  response?: boolean;
}

function query(path: string, line: number, name: string, x: QueryExtra): DnsQuery {
  // Indicator lists defang names (`evil[.]com`); no resolver logs brackets, so refanging is safe.
  let qname = name.toLowerCase();
  if (qname.includes('[.]') || qname.includes('(.)')) qname = qname.replace(/\[\.\]|\(\.\)/g, '.');
  if (qname.endsWith('.')) qname = qname.slice(0, -1);
  return {
    kind: 'dns.query',
    source: { path, line },
    qname,
    ...(x.time ? { time: x.time } : {}),
    ...(x.qtype ? { qtype: x.qtype } : {}),
    ...(x.client ? { client: x.client } : {}),
    ...(x.answers && x.answers.length ? { answers: x.answers } : {}),
    ...(x.response ? { response: true } : {}),
  };
}

function zeekTime(ts: unknown): string | undefined {
  if (typeof ts === 'number') return new Date(ts * 1000).toISOString();
  if (typeof ts !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(ts)) return new Date(Number(ts) * 1000).toISOString();
  return isoOrUndefined(ts);
}

function unescapeZeek(s: string): string {
  return s.trim().replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function isoOrUndefined(s: string): string | undefined {
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function pad(s: string): string {
  return s.length === 1 ? `0${s}` : s;
}
