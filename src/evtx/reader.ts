import type { ReadContext } from '../io/reader.ts';
import type { WinEvent } from '../model/records.ts';
import { isElement, type Value, type XmlElement } from './binxml.ts';
import { streamEvtx } from './file.ts';

/**
 * EVTX files as Windows event records: System fields and EventData / UserData as a flat map
 * (Data Name → value as text), one chunk of the file in memory at a time. Damaged chunks and
 * records are reported with the chunk number and offset; the rest is read.
 */
const child = (el: XmlElement | undefined, name: string) =>
  el?.children.find((c): c is XmlElement => isElement(c) && c.name === name);
const attr = (el: XmlElement | undefined, name: string) => el?.attrs.find(([k]) => k === name)?.[1];
const text = (v: Value | undefined): string =>
  v === null || v === undefined
    ? ''
    : Array.isArray(v)
      ? v.map((x) => text(x as Value)).join(',')
      : String(v);
function textOf(el: XmlElement | undefined): string {
  return el
    ? el.children
        .filter((c) => !isElement(c))
        .map((c) => text(c as Value))
        .join('')
    : '';
}

function flatten(el: XmlElement | undefined, out: Record<string, string>, prefix = ''): void {
  if (!el) return;
  let i = 0;
  for (const c of el.children) {
    if (!isElement(c)) continue;
    const named = c.name === 'Data' ? text(attr(c, 'Name')) : '';
    if (named) {
      out[named] = textOf(c);
      continue;
    }
    const kids = c.children.filter(isElement);
    if (kids.length) {
      flatten(c, out, `${prefix}${c.name}.`);
      continue;
    }
    const key = c.name === 'Data' ? `Data${++i}` : `${prefix}${c.name}`;
    out[key] = textOf(c);
  }
}

export function toWinEvent(
  ev: XmlElement,
  source: { path: string; offset: number },
): Omit<WinEvent, 'kind'> & { kind: 'winevent' } {
  const sys = child(ev, 'System');
  const data: Record<string, string> = {};
  flatten(child(ev, 'EventData'), data);
  flatten(child(ev, 'UserData'), data);
  const time = text(attr(child(sys, 'TimeCreated'), 'SystemTime'));
  const level = Number(textOf(child(sys, 'Level')));
  const computer = textOf(child(sys, 'Computer'));
  const channel = textOf(child(sys, 'Channel'));
  const ms = Date.parse(time);
  return {
    kind: 'winevent',
    source,
    provider: text(attr(child(sys, 'Provider'), 'Name')),
    eventId: Number(textOf(child(sys, 'EventID'))) || 0,
    ...(Number.isNaN(ms) ? {} : { time: new Date(ms).toISOString() }),
    ...(Number.isFinite(level) && textOf(child(sys, 'Level')) !== '' ? { level } : {}),
    ...(channel ? { channel } : {}),
    ...(computer ? { computer } : {}),
    data,
  };
}

export async function* readEvtxRecords(ctx: ReadContext): AsyncGenerator<WinEvent[]> {
  const warn = (w: { chunk: number; offset: number; message: string }) =>
    ctx.problem({
      level: 'warning',
      source: { path: ctx.path, offset: w.offset },
      message: `${w.chunk >= 0 ? `chunk ${w.chunk}: ` : ''}${w.message}`,
    });
  for await (const batch of streamEvtx(ctx.chunks, warn)) {
    yield batch.map((r) => toWinEvent(r.event, { path: ctx.path, offset: r.offset }));
  }
}
