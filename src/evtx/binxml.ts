/**
 * BinXML, the binary XML of Windows event logs (the [MS-EVEN6] encoding as EVTX files store it):
 * elements, attributes, values, templates and their substitutions, decoded into a small typed tree.
 * Every read is bounds-checked: a damaged record throws an error naming the offset, never loops.
 */
export type Value = string | number | bigint | boolean | null | readonly Value[];
export interface XmlElement {
  readonly name: string;
  readonly attrs: [string, Value][];
  readonly children: (XmlElement | Value)[];
}

interface Sub {
  readonly type: number;
  readonly data: Uint8Array;
}

export class BinXmlError extends Error {}

const utf16 = new TextDecoder('utf-16le');
const latin1 = new TextDecoder('latin1');

export class ChunkContext {
  readonly buf: Uint8Array;
  readonly view: DataView;
  private readonly names = new Map<number, string>();

  constructor(chunk: Uint8Array) {
    this.buf = chunk;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  /** A name string: next offset (4), hash (2), character count (2), UTF-16 characters, NUL. */
  name(offset: number): string {
    const cached = this.names.get(offset);
    if (cached !== undefined) return cached;
    if (offset + 8 > this.buf.length) throw new BinXmlError(`name at ${offset} is outside the chunk`);
    const count = this.view.getUint16(offset + 6, true);
    const end = offset + 8 + count * 2;
    if (end > this.buf.length) throw new BinXmlError(`name at ${offset} runs past the chunk`);
    const s = utf16.decode(this.buf.subarray(offset + 8, end));
    this.names.set(offset, s);
    return s;
  }
}

/**
 * What one record may cost. Templates are referenced by offset, so a few hostile bytes can make a
 * template contain itself, or a chain of templates each instantiate the next twice (2^n nodes):
 * nesting and the total of elements and template instances per record are bounded.
 */
const MAX_DEPTH = 64;
const MAX_NODES = 100_000;
interface Budget {
  nodes: number;
  open: number;
}

/** Parse one BinXML fragment at `pos` in the chunk (or in `data`, for embedded BinXML values). */
export function parseFragment(
  ctx: ChunkContext,
  pos: number,
  end: number,
  subs: readonly Sub[] | null,
  depth = 0,
  budget: Budget = { nodes: 0, open: 0 },
): XmlElement[] {
  if (depth > MAX_DEPTH) throw new BinXmlError(`BinXML nested more than ${MAX_DEPTH} deep at ${pos}`);
  return new Parser(ctx, pos, end, subs, depth, budget).fragment();
}

class Parser {
  private pos: number;
  private readonly depth: number;
  private readonly budget: Budget;
  private readonly ctx: ChunkContext;
  private readonly end: number;
  private readonly subs: readonly Sub[] | null;

  constructor(
    ctx: ChunkContext,
    pos: number,
    end: number,
    subs: readonly Sub[] | null,
    depth: number,
    budget: Budget,
  ) {
    this.depth = depth;
    this.budget = budget;
    this.ctx = ctx;
    this.pos = pos;
    this.end = end;
    this.subs = subs;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new BinXmlError(`BinXML truncated at ${this.pos} (needs ${n} bytes)`);
  }
  private u8(): number {
    this.need(1);
    return this.ctx.buf[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.ctx.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.ctx.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  fragment(): XmlElement[] {
    const out: XmlElement[] = [];
    while (this.pos < this.end) {
      const t = this.ctx.buf[this.pos]!;
      const tok = t & 0x0f;
      if (tok === 0x00) {
        this.pos++;
        break;
      } // end of fragment
      if (tok === 0x0f) {
        this.pos += 4;
        continue;
      } // fragment header: token, major, minor, flags
      if (tok === 0x0c) {
        for (const x of this.templateInstance()) if (isElement(x)) out.push(x);
        continue;
      }
      if (tok === 0x01) {
        out.push(this.element());
        continue;
      }
      throw new BinXmlError(`unexpected BinXML token 0x${t.toString(16)} at ${this.pos}`);
    }
    return out;
  }

  /** An inline name definition sits where its offset points: skip over it. */
  private nameAt(offset: number): string {
    const name = this.ctx.name(offset);
    if (offset === this.pos) this.pos += 8 + name.length * 2 + 2;
    return name;
  }

  private element(): XmlElement {
    this.spend();
    if (++this.budget.open > 4 * MAX_DEPTH)
      throw new BinXmlError(`elements nested more than ${4 * MAX_DEPTH} deep at ${this.pos}`);
    try {
      return this.elementBody();
    } finally {
      this.budget.open--;
    }
  }

  private spend(): void {
    if (++this.budget.nodes > MAX_NODES)
      throw new BinXmlError(
        `record expands to more than ${MAX_NODES} elements and template instances (at ${this.pos})`,
      );
  }

  private elementBody(): XmlElement {
    const token = this.u8();
    this.u16(); // dependency identifier
    this.u32(); // data size
    const name = this.nameAt(this.u32());
    const attrs: [string, Value][] = [];
    if (token & 0x40) {
      const listSize = this.u32();
      const listEnd = this.pos + listSize;
      while (this.pos < listEnd) {
        const at = this.u8();
        if ((at & 0x0f) !== 0x06)
          throw new BinXmlError(`expected an attribute at ${this.pos - 1}, found 0x${at.toString(16)}`);
        const an = this.nameAt(this.u32());
        const v = this.content(true);
        if (v.length && !(v.length === 1 && v[0] === null))
          attrs.push([an, v.length === 1 ? (v[0] as Value) : v.map((x) => String(x)).join('')]);
        else if (v.length === 0) attrs.push([an, '']);
      }
    }
    const close = this.u8();
    const children: (XmlElement | Value)[] = [];
    if (close === 0x03) return { name, attrs, children }; // empty element
    if (close !== 0x02)
      throw new BinXmlError(
        `expected the end of a start tag at ${this.pos - 1}, found 0x${close.toString(16)}`,
      );
    for (;;) {
      if (this.pos >= this.end) throw new BinXmlError(`element ${name} not closed`);
      const t = this.ctx.buf[this.pos]!;
      const tok = t & 0x0f;
      if (tok === 0x04) {
        this.pos++;
        break;
      }
      if (tok === 0x01) {
        children.push(this.element());
        continue;
      }
      if (tok === 0x0c) {
        children.push(...this.templateInstance());
        continue;
      }
      const v = this.content(false);
      if (!v.length) throw new BinXmlError(`unexpected token 0x${t.toString(16)} in ${name} at ${this.pos}`);
      for (const x of v) {
        if (
          Array.isArray(x) &&
          x.length &&
          typeof x[0] === 'object' &&
          x[0] !== null &&
          'name' in (x[0] as object)
        )
          children.push(...(x as unknown as XmlElement[]));
        else children.push(x);
      }
    }
    return { name, attrs, children };
  }

  /** Values (text, substitutions, char/entity refs) until something that is not a value. */
  private content(inAttribute: boolean): Value[] {
    const out: Value[] = [];
    for (;;) {
      if (this.pos >= this.end) return out;
      const t = this.ctx.buf[this.pos]!;
      const tok = t & 0x0f;
      if (tok === 0x05) {
        // value text
        this.pos++;
        const type = this.u8();
        const n = this.u16();
        this.need(n * 2);
        const s = utf16.decode(this.ctx.buf.subarray(this.pos, this.pos + n * 2));
        this.pos += n * 2;
        out.push(type === 0x01 ? s : s);
      } else if (tok === 0x0d || tok === 0x0e) {
        // normal / optional substitution
        this.pos++;
        const id = this.u16();
        this.u8(); // declared type
        const sub = this.subs?.[id];
        if (!sub) {
          out.push(null);
        } else out.push(this.value(sub));
      } else if (tok === 0x08) {
        this.pos++;
        out.push(String.fromCharCode(this.u16()));
      } else if (tok === 0x09) {
        this.pos++;
        const n = this.nameAt(this.u32());
        out.push(
          ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[n] ?? `&${n};`,
        );
      } else if (tok === 0x07) {
        this.pos++;
        const n = this.u16();
        this.need(n * 2);
        out.push(utf16.decode(this.ctx.buf.subarray(this.pos, this.pos + n * 2)));
        this.pos += n * 2;
      } else return out;
      if (inAttribute && this.pos < this.end && (this.ctx.buf[this.pos]! & 0x0f) === 0x06) return out;
    }
  }

  private value(sub: Sub): Value {
    if (sub.type === 0x21) {
      // embedded BinXML
      const off = sub.data.byteOffset - this.ctx.buf.byteOffset;
      return parseFragment(
        this.ctx,
        off,
        off + sub.data.length,
        null,
        this.depth + 1,
        this.budget,
      ) as unknown as Value;
    }
    return decodeValue(sub.type, sub.data);
  }

  private templateInstance(): (XmlElement | Value)[] {
    this.spend();
    this.u8(); // token
    this.u8(); // unknown
    this.u32(); // template id
    const defOffset = this.u32();
    let bodyStart: number;
    let bodyEnd: number;
    if (defOffset === this.pos) {
      this.u32(); // next template offset
      this.need(16);
      this.pos += 16; // template GUID
      const size = this.u32();
      bodyStart = this.pos;
      bodyEnd = this.pos + size;
      this.need(size);
      this.pos = bodyEnd;
    } else {
      if (defOffset + 24 > this.ctx.buf.length)
        throw new BinXmlError(`template definition at ${defOffset} is outside the chunk`);
      const size = this.ctx.view.getUint32(defOffset + 20, true);
      bodyStart = defOffset + 24;
      bodyEnd = bodyStart + size;
      if (bodyEnd > this.ctx.buf.length)
        throw new BinXmlError(`template at ${defOffset} runs past the chunk`);
    }
    const count = this.u32();
    if (count > 4096) throw new BinXmlError(`implausible ${count} substitution values at ${this.pos}`);
    const descs: { size: number; type: number }[] = [];
    for (let i = 0; i < count; i++) {
      const size = this.u16();
      const type = this.u8();
      this.u8();
      descs.push({ size, type });
    }
    const subs: Sub[] = [];
    for (const d of descs) {
      this.need(d.size);
      subs.push({ type: d.type, data: this.ctx.buf.subarray(this.pos, this.pos + d.size) });
      this.pos += d.size;
    }
    return parseFragment(this.ctx, bodyStart, bodyEnd, subs, this.depth + 1, this.budget);
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function guid(b: Uint8Array): string {
  if (b.length < 16) return hex(b);
  const v = new DataView(b.buffer, b.byteOffset, 16);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(v.getUint32(0, true), 8)}-${h(v.getUint16(4, true), 4)}-${h(v.getUint16(6, true), 4)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`.toUpperCase();
}

/** FILETIME (100 ns since 1601) → RFC 3339 with microseconds, as evtx_dump renders event times. */
export function filetime(ticks: bigint): string {
  const unix100ns = ticks - 116444736000000000n;
  const d = new Date(Number(unix100ns / 10000n));
  if (Number.isNaN(d.getTime())) return '';
  const micro = Number(((unix100ns % 10000000n) + 10000000n) % 10000000n) / 10;
  return `${d.toISOString().slice(0, 19)}.${String(Math.floor(micro)).padStart(6, '0')}Z`;
}

function sid(b: Uint8Array): string {
  if (b.length < 8) return hex(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = b[1]!;
  let auth = 0;
  for (let i = 2; i < 8; i++) auth = auth * 256 + b[i]!;
  const parts = [`S-${b[0]}-${auth}`];
  for (let i = 0; i < count && 8 + i * 4 + 4 <= b.length; i++)
    parts.push(String(v.getUint32(8 + i * 4, true)));
  return parts.join('-');
}

export function decodeValue(type: number, data: Uint8Array): Value {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const base = type & 0x7f;
  if (type & 0x80) {
    // arrays
    if (base === 0x01)
      return utf16
        .decode(data)
        .split('\0')
        .filter((s, i, a) => s !== '' || i < a.length - 1);
    const size = (
      {
        0x03: 1,
        0x04: 1,
        0x05: 2,
        0x06: 2,
        0x07: 4,
        0x08: 4,
        0x09: 8,
        0x0a: 8,
        0x0b: 4,
        0x0c: 8,
        0x0d: 4,
        0x0f: 16,
        0x11: 8,
        0x12: 16,
        0x14: 4,
        0x15: 8,
      } as Record<number, number>
    )[base];
    if (!size) return hex(data);
    const out: Value[] = [];
    for (let i = 0; i + size <= data.length; i += size)
      out.push(decodeValue(base, data.subarray(i, i + size)));
    return out;
  }
  switch (base) {
    case 0x00:
      return null;
    case 0x01:
      return stripNuls(utf16.decode(data)).trim();
    case 0x02:
      return stripNuls(latin1.decode(data)).trim();
    case 0x03:
      return data.length >= 1 ? v.getInt8(0) : null;
    case 0x04:
      return data.length >= 1 ? v.getUint8(0) : null;
    case 0x05:
      return data.length >= 2 ? v.getInt16(0, true) : null;
    case 0x06:
      return data.length >= 2 ? v.getUint16(0, true) : null;
    case 0x07:
      return data.length >= 4 ? v.getInt32(0, true) : null;
    case 0x08:
      return data.length >= 4 ? v.getUint32(0, true) : null;
    case 0x09:
      return data.length >= 8 ? small(v.getBigInt64(0, true)) : null;
    case 0x0a:
      return data.length >= 8 ? small(v.getBigUint64(0, true)) : null;
    case 0x0b:
      return data.length >= 4 ? v.getFloat32(0, true) : null;
    case 0x0c:
      return data.length >= 8 ? v.getFloat64(0, true) : null;
    case 0x0d:
      return data.length >= 4 ? v.getUint32(0, true) !== 0 : null;
    case 0x0e:
      return hex(data).toUpperCase();
    case 0x0f:
      return guid(data);
    case 0x10:
      return data.length >= 8
        ? `0x${v.getBigUint64(0, true).toString(16)}`
        : `0x${(data.length >= 4 ? v.getUint32(0, true) : 0).toString(16)}`;
    case 0x11:
      return data.length >= 8 ? filetime(v.getBigUint64(0, true)) : null;
    case 0x12: {
      if (data.length < 16) return null;
      const f = (i: number) => v.getUint16(i * 2, true);
      return new Date(Date.UTC(f(0), f(1) - 1, f(3), f(4), f(5), f(6), f(7))).toISOString();
    }
    case 0x13:
      return sid(data);
    case 0x14:
      return data.length >= 4 ? `0x${v.getUint32(0, true).toString(16)}` : null;
    case 0x15:
      return data.length >= 8 ? `0x${v.getBigUint64(0, true).toString(16)}` : null;
    default:
      return hex(data);
  }
}

function small(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function isElement(x: unknown): x is XmlElement {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'name' in x && 'children' in x;
}

/** Without trailing NULs (a loop: `/\0+$/` is quadratic in a value of NULs that does not end with one). */
function stripNuls(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 0) e--;
  return e === s.length ? s : s.slice(0, e);
}
