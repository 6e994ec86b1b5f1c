import type * as FastXml from 'fast-xml-parser';
import { lineBatches } from '../io/lines.ts';
import { splitCsvLine } from '../io/csvline.ts';
import type { ReadContext } from '../io/reader.ts';
import type { WinEvent } from '../model/records.ts';
import { lazyModule } from '../io/lazy.ts';

/**
 * Windows event-log exports, as responders receive them from Exchange servers: `wevtutil qe …
 * /f:xml` (a stream of <Event> elements, or wrapped in <Events>) and `Get-WinEvent | Export-Csv`
 * (TimeCreated, ProviderName, Id, LevelDisplayName, Message, …). Each event is read on its own
 * (bounded size) so a damaged one is reported and the rest read.
 */
const MAX_EVENT = 1024 * 1024;
const fastXml = lazyModule<typeof FastXml>(import.meta.url, 'fast-xml-parser');
let xmlParser: FastXml.XMLParser | undefined;
// Built at the first event: most runs read no XML, and the parser costs ~40 ms to load.
const parser = () =>
  (xmlParser ??= new (fastXml().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: true,
    htmlEntities: false,
  }));

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as Record<string, unknown>)['#text'] ?? '');
  return String(v);
}

export function parseEventXml(xml: string): Omit<WinEvent, 'source'> | null {
  const doc = parser().parse(xml) as { Event?: Record<string, unknown> };
  const ev = doc.Event;
  if (!ev) return null;
  const sys = (ev['System'] ?? {}) as Record<string, unknown>;
  const prov = (sys['Provider'] ?? {}) as Record<string, unknown>;
  const tc = (sys['TimeCreated'] ?? {}) as Record<string, unknown>;
  const data: Record<string, string> = {};
  const ed = (ev['EventData'] ?? ev['UserData'] ?? {}) as Record<string, unknown>;
  const items = ed['Data'];
  const list = Array.isArray(items) ? items : items !== undefined ? [items] : [];
  list.forEach((d, i) => {
    const name = typeof d === 'object' && d !== null ? (d as Record<string, unknown>)['@Name'] : undefined;
    data[typeof name === 'string' ? name : `Data${i + 1}`] = text(d);
  });
  if (!Array.isArray(items) && ed && typeof ed === 'object' && !('Data' in ed)) {
    for (const [k, v] of Object.entries(ed))
      if (!k.startsWith('@')) data[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  const rendering = (ev['RenderingInfo'] ?? {}) as Record<string, unknown>;
  const time = typeof tc['@SystemTime'] === 'string' ? new Date(tc['@SystemTime']).toISOString() : undefined;
  const message = text(rendering['Message']) || undefined;
  const provider = String(prov['@Name'] ?? '');
  const id = Number(text(sys['EventID']));
  if (!provider && !Number.isFinite(id)) return null;
  const level = Number(text(sys['Level']));
  return {
    kind: 'winevent',
    provider,
    eventId: Number.isFinite(id) ? id : 0,
    ...(time && !Number.isNaN(Date.parse(time)) ? { time } : {}),
    ...(Number.isFinite(level) && text(sys['Level']) !== '' ? { level } : {}),
    ...(text(sys['Channel']) ? { channel: text(sys['Channel']) } : {}),
    ...(text(sys['Computer']) ? { computer: text(sys['Computer']) } : {}),
    data,
    ...(message ? { message } : {}),
  };
}

export async function* readEventXml(ctx: ReadContext): AsyncGenerator<WinEvent[]> {
  let buf = '';
  let startLine = 0;
  for await (const batch of lineBatches(ctx.chunks, { maxLineBytes: MAX_EVENT })) {
    const out: WinEvent[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      let line = batch.lines[i]!;
      const lineNo = batch.firstLine + i;
      while (line.length) {
        if (!buf) {
          const s = line.indexOf('<Event ');
          const s2 = line.indexOf('<Event>');
          const at = s < 0 ? s2 : s2 < 0 ? s : Math.min(s, s2);
          if (at < 0) break;
          line = line.slice(at);
          startLine = lineNo;
        }
        const end = line.indexOf('</Event>');
        if (end < 0) {
          buf += `${line}\n`;
          if (buf.length > MAX_EVENT) {
            ctx.problem({
              level: 'error',
              source: { path: ctx.path, line: startLine },
              message: `event larger than ${MAX_EVENT} bytes skipped`,
            });
            buf = '';
          }
          break;
        }
        const xml = buf + line.slice(0, end + 8);
        buf = '';
        line = line.slice(end + 8);
        try {
          const ev = parseEventXml(xml);
          if (ev) out.push({ ...ev, source: { path: ctx.path, line: startLine } });
        } catch (e) {
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: startLine },
            message: `unreadable event: ${(e as Error).message}`,
          });
        }
      }
    }
    if (out.length) yield out;
  }
  if (buf)
    ctx.problem({
      level: 'error',
      source: { path: ctx.path, line: startLine },
      message: 'the file ends inside an event (truncated?)',
    });
}

const LEVELS: Record<string, number> = { critical: 1, error: 2, warning: 3, information: 4, verbose: 5 };

/** `Get-WinEvent … | Export-Csv`: one event a row; messages span lines inside quotes. */
export async function* readEventCsv(ctx: ReadContext): AsyncGenerator<WinEvent[]> {
  let head: string[] | null = null;
  let pending = '';
  let pendingLine = 0;
  for await (const batch of lineBatches(ctx.chunks)) {
    const out: WinEvent[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (!head) {
        if (line.startsWith('#TYPE') || line.trim() === '') continue;
        head = splitCsvLine(line).map((h) => h.trim());
        continue;
      }
      if (!pending) pendingLine = batch.firstLine + i;
      pending = pending ? `${pending}\n${line}` : line;
      if ((pending.match(/"/g)?.length ?? 0) % 2 === 1 && pending.length < MAX_EVENT) continue; // a quoted field goes on
      const v = splitCsvLine(pending);
      pending = '';
      const get = (k: string) => {
        const j = head!.indexOf(k);
        return j >= 0 ? (v[j] ?? '') : '';
      };
      const t = get('TimeCreated');
      const ms = Date.parse(t);
      const props = get('Properties');
      out.push({
        kind: 'winevent',
        source: { path: ctx.path, line: pendingLine },
        provider: get('ProviderName'),
        eventId: Number(get('Id')) || 0,
        ...(Number.isNaN(ms) ? {} : { time: new Date(ms).toISOString() }),
        ...(LEVELS[get('LevelDisplayName').toLowerCase()]
          ? { level: LEVELS[get('LevelDisplayName').toLowerCase()]! }
          : Number(get('Level'))
            ? { level: Number(get('Level')) }
            : {}),
        ...(get('LogName') ? { channel: get('LogName') } : {}),
        ...(get('MachineName') ? { computer: get('MachineName') } : {}),
        data: props ? { Properties: props } : {},
        ...(get('Message') ? { message: get('Message') } : {}),
      });
    }
    if (out.length) yield out;
  }
}
