/**
 * Sendmail milter protocol, version 6: packet framing and constants (libmilter's mfdef.h, as
 * Postfix's milter8.c speaks it). A packet is a 4-byte big-endian length, counting the command
 * byte and the data, then the command byte, then the data. Lengths come from the peer: they are
 * checked against a limit before a single byte is buffered for them.
 */

/** MTA → filter commands. */
export const CMD = {
  ABORT: 'A',
  BODY: 'B',
  CONNECT: 'C',
  MACRO: 'D',
  BODYEOB: 'E',
  HELO: 'H',
  QUIT_NC: 'K',
  HEADER: 'L',
  MAIL: 'M',
  EOH: 'N',
  OPTNEG: 'O',
  QUIT: 'Q',
  RCPT: 'R',
  DATA: 'T',
  UNKNOWN: 'U',
} as const;

/** Filter → MTA replies and modification actions. */
export const REPLY = {
  ADDRCPT: '+',
  DELRCPT: '-',
  ACCEPT: 'a',
  REPLBODY: 'b',
  CONTINUE: 'c',
  DISCARD: 'd',
  CHGFROM: 'e',
  ADDHEADER: 'h',
  INSHEADER: 'i',
  CHGHEADER: 'm',
  PROGRESS: 'p',
  QUARANTINE: 'q',
  REJECT: 'r',
  SKIP: 's',
  TEMPFAIL: 't',
  REPLYCODE: 'y',
  OPTNEG: 'O',
} as const;

/** Actions (SMFIF_*). */
export const ACTION = {
  ADDHDRS: 0x01,
  CHGBODY: 0x02,
  ADDRCPT: 0x04,
  DELRCPT: 0x08,
  CHGHDRS: 0x10,
  QUARANTINE: 0x20,
  CHGFROM: 0x40,
  ADDRCPT_PAR: 0x80,
  SETSYMLIST: 0x100,
} as const;

/** Protocol steps (SMFIP_*). */
export const PROTO = {
  NOCONNECT: 0x1,
  NOHELO: 0x2,
  NOMAIL: 0x4,
  NORCPT: 0x8,
  NOBODY: 0x10,
  NOHDRS: 0x20,
  NOEOH: 0x40,
  NR_HDR: 0x80,
  NOUNKNOWN: 0x100,
  NODATA: 0x200,
  SKIP: 0x400,
  RCPT_REJ: 0x800,
  NR_CONN: 0x1000,
  NR_HELO: 0x2000,
  NR_MAIL: 0x4000,
  NR_RCPT: 0x8000,
  NR_DATA: 0x10000,
  NR_UNKN: 0x20000,
  NR_EOH: 0x40000,
  NR_BODY: 0x80000,
  HDR_LEADSPC: 0x100000,
} as const;

export const VERSION = 6;
/** Body chunks are at most this long (MILTER_CHUNK_SIZE). */
export const CHUNK_SIZE = 65535;

export interface Packet {
  readonly cmd: string;
  readonly data: Buffer;
}

export class ProtocolError extends Error {}

/**
 * Incremental packet reader: feed it whatever the socket delivers, take out whole packets.
 * Memory is bounded by `maxLength` plus one socket read.
 */
export class PacketReader {
  private readonly maxLength: number;
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(maxLength: number) {
    this.maxLength = maxLength;
  }

  get pending(): number {
    return this.buffered;
  }

  push(data: Buffer): Packet[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: Packet[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const len = head.readUInt32BE(0);
      if (len < 1 || len > this.maxLength)
        throw new ProtocolError(`packet length ${len} outside 1..${this.maxLength}`);
      if (this.buffered < 4 + len) break;
      const whole = this.take(4 + len);
      out.push({ cmd: String.fromCharCode(whole[4]!), data: whole.subarray(5) });
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}

/** One packet on the wire. */
export function encode(cmd: string, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out[4] = cmd.charCodeAt(0);
  body.copy(out, 5);
  return out;
}

/** NUL-terminated strings in a packet's data (a missing final NUL ends the last string). */
export function strings(data: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0, start);
    if (end < 0) end = data.length;
    out.push(data.toString('latin1', start, end));
    start = end + 1;
  }
  return out;
}

/** `name\0value\0` pairs. */
export function pairs(list: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}

export const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');

/** The OPTNEG packet (either direction). */
export function optneg(version: number, actions: number, protocol: number): Buffer {
  return encode(REPLY.OPTNEG, Buffer.concat([uint32(version), uint32(actions), uint32(protocol)]));
}

export function addHeader(name: string, value: string): Buffer {
  return encode(REPLY.ADDHEADER, Buffer.concat([cstr(name), cstr(value)]));
}

/** Changes the index-th (1-based) header of that name; an empty value deletes it. */
export function changeHeader(index: number, name: string, value: string): Buffer {
  return encode(REPLY.CHGHEADER, Buffer.concat([uint32(index), cstr(name), cstr(value)]));
}

export function quarantine(reason: string): Buffer {
  return encode(REPLY.QUARANTINE, cstr(reason));
}

/**
 * A custom SMTP reply: code must be 4xx or 5xx. The MTA expands `%`, so a literal one is written
 * `%%`; only printable ASCII goes on an SMTP line.
 */
export function replyCode(code: string, text: string): Buffer {
  if (!/^[45]\d\d [45]\.\d{1,3}\.\d{1,3}$/.test(code)) throw new Error(`bad SMTP reply code ${code}`);
  const safe = text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/%/g, '%%')
    .slice(0, 400);
  return encode(REPLY.REPLYCODE, cstr(`${code} ${safe}`));
}
