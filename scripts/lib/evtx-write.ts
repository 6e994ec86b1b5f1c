import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';

/**
 * Writes EVTX files the way Windows lays them out, for fixtures and benchmarks: a 4 KiB file
 * header, 64 KiB chunks, each record a BinXML fragment holding one template instance; a template
 * per event shape (provider, event id, EventData names) is defined inline at its first use in a
 * chunk and referenced by offset afterwards; names are inline; every size and checksum is
 * filled in. The output is checked against libevtx's evtxexport in the tests.
 */
export interface EventSpec {
  readonly provider: string;
  readonly eventId: number;
  readonly level?: number;
  /** ISO 8601 time. */
  readonly time: string;
  readonly channel: string;
  readonly computer: string;
  /** EventData items as `<Data Name="key">value</Data>`, in this order; a key starting with `#` is an unnamed `<Data>` (as classic providers such as MSExchange CmdletLogs write). */
  readonly data: Readonly<Record<string, string>>;
}

const CHUNK = 65536;
const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

const filetime = (iso: string) => BigInt(Date.parse(iso)) * 10000n + 116444736000000000n;

/** A substitution's type and bytes. */
type SubValue = { type: number; bytes: Buffer };
const str = (s: string): SubValue => ({ type: 0x01, bytes: Buffer.from(s, 'utf16le') });
const u8 = (n: number): SubValue => ({ type: 0x04, bytes: Buffer.from([n & 0xff]) });
const u16 = (n: number): SubValue => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return { type: 0x06, bytes: b };
};
const u64 = (n: bigint): SubValue => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return { type: 0x0a, bytes: b };
};
const ft = (n: bigint): SubValue => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return { type: 0x11, bytes: b };
};

/** A template node: element with attributes and children; text is a literal or a substitution index. */
type Node = { el: string; attrs?: [string, string | number][]; kids?: (Node | string | number)[] };

function templateFor(e: EventSpec): Node {
  const data = Object.keys(e.data).map((k, i): Node =>
    k.startsWith('#') ? { el: 'Data', kids: [7 + i] } : { el: 'Data', attrs: [['Name', k]], kids: [7 + i] },
  );
  return {
    el: 'Event',
    attrs: [['xmlns', NS]],
    kids: [
      {
        el: 'System',
        kids: [
          { el: 'Provider', attrs: [['Name', 0]] },
          { el: 'EventID', kids: [1] },
          { el: 'Level', kids: [2] },
          { el: 'TimeCreated', attrs: [['SystemTime', 3]] },
          { el: 'EventRecordID', kids: [4] },
          { el: 'Channel', kids: [5] },
          { el: 'Computer', kids: [6] },
        ],
      },
      { el: 'EventData', kids: data },
    ],
  };
}

class ChunkWriter {
  readonly buf = Buffer.alloc(CHUNK);
  pos = 512;
  readonly templates = new Map<string, number>();
  first = 0;
  last = 0;
  lastRecord = 0;
  private u8(n: number) {
    this.buf[this.pos++] = n;
  }
  private u16(n: number) {
    this.buf.writeUInt16LE(n, this.pos);
    this.pos += 2;
  }
  private u32(n: number) {
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }
  private name(s: string) {
    this.u32(this.pos + 4); // inline: the name follows its offset
    this.u32(0); // next name in the hash bucket
    let h = 0;
    for (const c of s) h = (Math.imul(h, 65599) + c.charCodeAt(0)) >>> 0;
    this.u16(h & 0xffff);
    this.u16(s.length);
    this.pos += this.buf.write(s, this.pos, 'utf16le');
    this.u16(0);
  }
  private text(s: string) {
    this.u8(0x05);
    this.u8(0x01);
    this.u16(s.length);
    this.pos += this.buf.write(s, this.pos, 'utf16le');
  }
  private element(n: Node, types: readonly number[]) {
    const hasAttrs = !!n.attrs?.length;
    this.u8(hasAttrs ? 0x41 : 0x01);
    this.u16(0xffff); // no dependency
    const sizeAt = this.pos;
    this.u32(0);
    this.name(n.el);
    if (hasAttrs) {
      const listAt = this.pos;
      this.u32(0);
      n.attrs!.forEach(([k, v], i) => {
        this.u8(i < n.attrs!.length - 1 ? 0x46 : 0x06);
        this.name(k);
        if (typeof v === 'number') {
          this.u8(0x0e);
          this.u16(v);
          this.u8(types[v]!);
        } else this.text(v);
      });
      this.buf.writeUInt32LE(this.pos - listAt - 4, listAt);
    }
    if (!n.kids?.length) {
      this.u8(0x03);
    } else {
      this.u8(0x02);
      for (const k of n.kids) {
        if (typeof k === 'string') this.text(k);
        else if (typeof k === 'number') {
          this.u8(0x0e);
          this.u16(k);
          this.u8(types[k]!);
        } else this.element(k, types);
      }
      this.u8(0x04);
    }
    this.buf.writeUInt32LE(this.pos - sizeAt - 4, sizeAt);
  }

  /** Appends a record; false when the chunk has no room (nothing is written then). */
  add(e: EventSpec, recordId: number): boolean {
    const start = this.pos;
    const subs: SubValue[] = [
      str(e.provider),
      u16(e.eventId),
      u8(e.level ?? 4),
      ft(filetime(e.time)),
      u64(BigInt(recordId)),
      str(e.channel),
      str(e.computer),
      ...Object.values(e.data).map(str),
    ];
    const shape = `${e.provider}\0${e.eventId}\0${Object.keys(e.data).join('\0')}`;
    const need =
      24 +
      4 +
      16 +
      4 +
      2048 +
      Object.keys(e.data).join('').length * 2 +
      Object.keys(e.data).length * 64 +
      subs.reduce((s, v) => s + 4 + v.bytes.length, 0) +
      8;
    if (start + need > CHUNK) return false;
    this.u32(0x00002a2a);
    const sizeAt = this.pos;
    this.u32(0);
    this.buf.writeBigUInt64LE(BigInt(recordId), this.pos);
    this.pos += 8;
    this.buf.writeBigUInt64LE(filetime(e.time), this.pos);
    this.pos += 8;
    this.u8(0x0f);
    this.u8(1);
    this.u8(1);
    this.u8(0); // fragment header
    this.u8(0x0c);
    this.u8(0x01);
    const guid = createHash('md5').update(shape).digest();
    this.u32(guid.readUInt32LE(0));
    const def = this.templates.get(shape);
    if (def !== undefined) {
      this.u32(def);
    } else {
      const at = this.pos + 4;
      this.u32(at);
      this.templates.set(shape, at);
      this.u32(0); // next template
      guid.copy(this.buf, this.pos);
      this.pos += 16;
      const sizeAt2 = this.pos;
      this.u32(0);
      this.u8(0x0f);
      this.u8(1);
      this.u8(1);
      this.u8(0);
      this.element(
        templateFor(e),
        subs.map((s) => s.type),
      );
      this.u8(0x00); // end of fragment
      this.buf.writeUInt32LE(this.pos - sizeAt2 - 4, sizeAt2);
    }
    this.u32(subs.length);
    for (const s of subs) {
      this.u16(s.bytes.length);
      this.u8(s.type);
      this.u8(0);
    }
    for (const s of subs) {
      s.bytes.copy(this.buf, this.pos);
      this.pos += s.bytes.length;
    }
    this.u8(0x00); // end of fragment
    const size = this.pos - start + 4;
    this.u32(size);
    this.buf.writeUInt32LE(size, sizeAt);
    if (!this.first) this.first = recordId;
    this.last = recordId;
    this.lastRecord = start;
    return true;
  }

  finish(): Buffer {
    const b = this.buf;
    b.write('ElfChnk\0', 0, 'latin1');
    b.writeBigUInt64LE(BigInt(this.first), 8);
    b.writeBigUInt64LE(BigInt(this.last), 16);
    b.writeBigUInt64LE(BigInt(this.first), 24);
    b.writeBigUInt64LE(BigInt(this.last), 32);
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(this.lastRecord, 44);
    b.writeUInt32LE(this.pos, 48);
    b.writeUInt32LE(crc32(b.subarray(512, this.pos)), 52);
    b.writeUInt32LE(crc32(Buffer.concat([b.subarray(0, 120), b.subarray(128, 512)])), 124);
    return b;
  }
}

export function writeEvtx(events: Iterable<EventSpec>): Buffer {
  const chunks: Buffer[] = [];
  let w = new ChunkWriter();
  let id = 1;
  for (const e of events) {
    if (!w.add(e, id)) {
      chunks.push(w.finish());
      w = new ChunkWriter();
      if (!w.add(e, id)) throw new Error(`event ${id} does not fit in a chunk`);
    }
    id++;
  }
  if (w.first) chunks.push(w.finish());
  const h = Buffer.alloc(4096);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(0n, 8);
  h.writeBigUInt64LE(BigInt(Math.max(0, chunks.length - 1)), 16);
  h.writeBigUInt64LE(BigInt(id), 24);
  h.writeUInt32LE(128, 32);
  h.writeUInt16LE(1, 36);
  h.writeUInt16LE(3, 38);
  h.writeUInt16LE(4096, 40);
  h.writeUInt16LE(chunks.length & 0xffff, 42);
  h.writeUInt32LE(crc32(h.subarray(0, 120)), 124);
  return Buffer.concat([h, ...chunks]);
}
