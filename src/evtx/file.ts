import { crc32 } from 'node:zlib';
import {
  BinXmlError,
  ChunkContext,
  filetime,
  isElement,
  parseFragment,
  type Value,
  type XmlElement,
} from './binxml.ts';

/**
 * EVTX files: a 4 KiB file header, then 64 KiB chunks of event records, each record a BinXML
 * document. Checksums are verified (file header, chunk header, chunk records); a damaged chunk
 * is reported with its number and its records are still read as far as they parse.
 */
export interface EvtxRecord {
  readonly recordId: number;
  readonly time: string;
  readonly chunk: number;
  /** Byte offset of the record in the file. */
  readonly offset: number;
  readonly event: XmlElement;
}

export interface EvtxWarning {
  readonly chunk: number;
  readonly offset: number;
  readonly message: string;
}

const FILE_MAGIC = 'ElfFile\0';
const CHUNK_MAGIC = 'ElfChnk\0';
const CHUNK = 65536;

export function isEvtx(head: Uint8Array): boolean {
  return head.length >= 8 && Buffer.from(head.subarray(0, 8)).toString('latin1') === FILE_MAGIC;
}

/** Read every record of an EVTX file held in memory. */
export function* readEvtx(file: Uint8Array, warn: (w: EvtxWarning) => void): Generator<EvtxRecord> {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const headerSize = checkHeader(b, warn);
  for (let off = headerSize, n = 0; off + 512 <= b.length; off += CHUNK, n++)
    yield* readChunk(b.subarray(off, Math.min(off + CHUNK, b.length)), n, off, warn);
}

/** Stream an EVTX file: records come as each 64 KiB chunk arrives; memory holds one chunk. */
export async function* streamEvtx(
  chunks: AsyncIterable<Uint8Array>,
  warn: (w: EvtxWarning) => void,
): AsyncGenerator<EvtxRecord[]> {
  let buf: Buffer = Buffer.alloc(0);
  let headerSize = -1;
  let n = 0;
  let off = 0;
  for await (const c of chunks) {
    buf = buf.length ? Buffer.concat([buf, c]) : Buffer.from(c);
    if (headerSize < 0) {
      if (buf.length < 4096) continue;
      headerSize = checkHeader(buf, warn);
      buf = buf.subarray(headerSize);
      off = headerSize;
    }
    const out: EvtxRecord[] = [];
    while (buf.length >= CHUNK) {
      out.push(...readChunk(buf.subarray(0, CHUNK), n++, off, warn));
      buf = buf.subarray(CHUNK);
      off += CHUNK;
    }
    if (out.length) yield out;
  }
  if (headerSize < 0) throw new BinXmlError('file shorter than the 4 KiB EVTX header');
  if (buf.length >= 512) {
    warn({
      chunk: n,
      offset: off,
      message: `last chunk truncated (${buf.length} of ${CHUNK} bytes): records read as far as they parse`,
    });
    const last = [...readChunk(buf, n, off, warn)];
    if (last.length) yield last;
  }
}

function checkHeader(b: Buffer, warn: (w: EvtxWarning) => void): number {
  if (b.length < 4096 || b.toString('latin1', 0, 8) !== FILE_MAGIC)
    throw new BinXmlError('not an EVTX file (no ElfFile header)');
  if (crc32(b.subarray(0, 120)) !== b.readUInt32LE(124))
    warn({ chunk: -1, offset: 0, message: 'file header checksum does not match' });
  // The header block is always 4 KiB (its "header block size" field says 4096); chunks follow it.
  return 4096;
}

function* readChunk(
  chunk: Buffer,
  n: number,
  off: number,
  warn: (w: EvtxWarning) => void,
): Generator<EvtxRecord> {
  if (chunk.toString('latin1', 0, 8) !== CHUNK_MAGIC) {
    if (!chunk.every((x) => x === 0))
      warn({ chunk: n, offset: off, message: 'chunk has no ElfChnk signature: skipped' });
    return;
  }
  const freeSpace = chunk.readUInt32LE(48);
  const headerCrc = crc32(Buffer.concat([chunk.subarray(0, 120), chunk.subarray(128, 512)]));
  if (headerCrc !== chunk.readUInt32LE(124))
    warn({
      chunk: n,
      offset: off,
      message: 'chunk header checksum does not match: records read as far as they parse',
    });
  const dataEnd = Math.min(Math.max(freeSpace, 512), chunk.length);
  if (crc32(chunk.subarray(512, dataEnd)) !== chunk.readUInt32LE(52))
    warn({
      chunk: n,
      offset: off,
      message: 'chunk records checksum does not match: records read as far as they parse',
    });
  const ctx = new ChunkContext(chunk);
  let pos = 512;
  while (pos + 28 <= dataEnd) {
    if (chunk.readUInt32LE(pos) !== 0x00002a2a) {
      warn({ chunk: n, offset: off + pos, message: 'record signature missing: rest of the chunk skipped' });
      break;
    }
    const size = chunk.readUInt32LE(pos + 4);
    if (size < 28 || pos + size > chunk.length) {
      warn({
        chunk: n,
        offset: off + pos,
        message: `record size ${size} does not fit the chunk: rest of the chunk skipped`,
      });
      break;
    }
    const recordId = Number(chunk.readBigUInt64LE(pos + 8));
    const time = filetime(chunk.readBigUInt64LE(pos + 16));
    try {
      const [event] = parseFragment(ctx, pos + 24, pos + size - 4, null);
      if (event) yield { recordId, time, chunk: n, offset: off + pos, event };
    } catch (e) {
      warn({ chunk: n, offset: off + pos, message: `record ${recordId}: ${(e as Error).message}` });
    }
    pos += size;
  }
}

/** The element's text value (children that are values), or null. */
function textOf(el: XmlElement): Value {
  const vals = el.children.filter((c) => !isElement(c)) as Value[];
  if (vals.length === 0) return null;
  if (vals.length === 1) return vals[0]!;
  return vals.map((v) => (v === null ? '' : String(v))).join('');
}

/**
 * The event as JSON in the shape `evtx_dump -o json` prints (attributes under "#attributes",
 * elements with only text as their value, EventData <Data Name="x"> items as keys).
 */
export function toJson(el: XmlElement): unknown {
  const kids = el.children.filter(isElement);
  const attrs = el.attrs.length
    ? { '#attributes': Object.fromEntries(el.attrs.map(([k, v]) => [k, jsonValue(v)])) }
    : {};
  if (!kids.length) {
    const t = jsonValue(textOf(el));
    return el.attrs.length ? (t === null ? attrs : { ...attrs, '#text': t }) : t;
  }
  const out: Record<string, unknown> = { ...attrs };
  for (const k of kids) {
    const named = k.name === 'Data' ? k.attrs.find(([a]) => a === 'Name') : undefined;
    if (named && typeof named[1] === 'string') {
      out[named[1]] = jsonValue(textOf(k));
      continue;
    }
    const v = toJson(k);
    if (k.name in out) {
      const prev = out[k.name];
      out[k.name] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    } else out[k.name] = v;
  }
  return out;
}

function jsonValue(v: Value): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v) && v.length && isElement(v[0]))
    return Object.fromEntries((v as unknown as XmlElement[]).map((e) => [e.name, toJson(e)]));
  return v;
}
