import { inflateRawSync } from 'node:zlib';

/**
 * What an attachment really is, from its bytes, and what is inside containers: ISO 9660 images
 * (NOBELIUM's ICA-declass.iso held Reports.lnk and Documents.dll), ZIP archives (flags say which
 * members are encrypted), Windows shortcuts (target and arguments). Every reader is bounded:
 * entry counts, depth, sizes, and decompression output are capped, so a bomb costs nothing.
 */
export type TrueType =
  | 'pe'
  | 'lnk'
  | 'iso'
  | 'udf'
  | 'fat'
  | 'vhd'
  | 'vhdx'
  | 'zip'
  | 'rar'
  | '7z'
  | 'gzip'
  | 'cab'
  | 'ole'
  | 'pdf'
  | 'rtf'
  | 'html'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'elf'
  | 'text'
  | 'unknown';

const LNK_MAGIC = Buffer.from('4c0000000114020000000000c000000000000046', 'hex');

export function trueType(b: Uint8Array): TrueType {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const starts = (s: string | Buffer, at = 0) =>
    (typeof s === 'string' ? Buffer.from(s, 'latin1') : s).equals(
      buf.subarray(at, at + (typeof s === 'string' ? s.length : s.length)),
    );
  if (starts('MZ')) return 'pe';
  if (starts(LNK_MAGIC)) return 'lnk';
  if (buf.length > 0x8006 && buf.toString('latin1', 0x8001, 0x8006) === 'CD001') return 'iso';
  if (buf.length > 0x8006 && ['BEA01', 'NSR02', 'NSR03'].includes(buf.toString('latin1', 0x8001, 0x8006)))
    return 'udf';
  if (starts('vhdxfile')) return 'vhdx';
  if (
    buf.length >= 512 &&
    buf[510] === 0x55 &&
    buf[511] === 0xaa &&
    (buf.toString('latin1', 54, 57) === 'FAT' || buf.toString('latin1', 82, 85) === 'FAT')
  )
    return 'fat';
  if (
    starts('conectix') ||
    (buf.length >= 512 && buf.toString('latin1', buf.length - 512, buf.length - 504) === 'conectix')
  )
    return 'vhd';
  if (starts('PK\x03\x04') || starts('PK\x05\x06')) return 'zip';
  if (starts('Rar!\x1a\x07')) return 'rar';
  if (starts('7z\xbc\xaf\x27\x1c')) return '7z';
  if (starts('\x1f\x8b')) return 'gzip';
  if (starts('MSCF')) return 'cab';
  if (starts(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'ole';
  if (starts('%PDF')) return 'pdf';
  if (starts('{\\rtf')) return 'rtf';
  if (starts('\x89PNG')) return 'png';
  if (starts('\xff\xd8\xff')) return 'jpeg';
  if (starts('GIF8')) return 'gif';
  if (starts('\x7fELF')) return 'elf';
  const head = buf.toString('latin1', 0, Math.min(buf.length, 2048)).toLowerCase();
  if (/<(html|!doctype html|script|body|head|form|meta|iframe|svg)\b/.test(head)) return 'html';
  if (
    ![...head].some((c) => {
      const x = c.charCodeAt(0);
      return x < 9 || (x > 13 && x < 32);
    })
  )
    return 'text';
  return 'unknown';
}

export interface Member {
  readonly name: string;
  readonly size: number;
  readonly encrypted?: boolean;
  readonly data?: Uint8Array;
}

export const LIMITS = { entries: 2000, memberBytes: 32 * 1024 * 1024, depth: 4 };

/** What one message may spend on decompression, shared by every container in it (nested ones too). */
export interface Budget {
  bytes: number;
  members: number;
}
export const newBudget = (): Budget => ({ bytes: 64 * 1024 * 1024, members: 2000 });

/** ISO 9660 directory tree (primary volume; Joliet names when present). */
export function listIso(b: Uint8Array): Member[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Member[] = [];
  const SECTOR = 2048;
  // Prefer the Joliet supplementary descriptor (UCS-2 names) over the 8.3 primary one.
  let pvd = 16 * SECTOR;
  let joliet = false;
  for (let s = 16; s < 32 && (s + 1) * SECTOR <= buf.length; s++) {
    const at = s * SECTOR;
    const type = buf[at];
    if (buf.toString('latin1', at + 1, at + 6) !== 'CD001') break;
    if (
      type === 2 &&
      buf[at + 88] === 0x25 &&
      buf[at + 89] === 0x2f &&
      [0x40, 0x43, 0x45].includes(buf[at + 90]!)
    ) {
      pvd = at;
      joliet = true;
      break;
    }
    if (type === 255) break;
  }
  if (pvd + 190 > buf.length) return out;
  // Directory records can point anywhere, including back at a parent: each directory is read once,
  // and every record read counts against one budget, so a looping image costs nothing.
  const seenDirs = new Set<number>();
  let records = 0;
  const walk = (lba: number, size: number, prefix: string, depth: number) => {
    if (depth > LIMITS.depth || seenDirs.has(lba)) return;
    seenDirs.add(lba);
    const start = lba * SECTOR;
    const end = Math.min(start + size, buf.length);
    for (let p = start; p < end && out.length < LIMITS.entries && records++ < LIMITS.entries * 4;) {
      const len = buf[p]!;
      if (len === 0) {
        p = (Math.floor(p / SECTOR) + 1) * SECTOR;
        continue;
      }
      if (p + 33 > end) break;
      const ext = buf.readUInt32LE(p + 2);
      const dsize = buf.readUInt32LE(p + 10);
      const flags = buf[p + 25]!;
      const nlen = buf[p + 32]!;
      const raw = buf.subarray(p + 33, p + 33 + nlen);
      p += len;
      if (nlen === 1 && (raw[0] === 0 || raw[0] === 1)) continue; // . and ..
      let name = joliet ? Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1');
      name = name.replace(/;\d+$/, '');
      const path = prefix + name;
      if (flags & 2) walk(ext, dsize, `${path}/`, depth + 1);
      else {
        const from = ext * SECTOR;
        const data =
          from + dsize <= buf.length && dsize <= LIMITS.memberBytes
            ? buf.subarray(from, from + dsize)
            : undefined;
        out.push({ name: path, size: dsize, ...(data ? { data } : {}) });
      }
    }
  };
  walk(buf.readUInt32LE(pvd + 156 + 2), buf.readUInt32LE(pvd + 156 + 10), '', 0);
  return out;
}

/** A FAT12/16 disk image's root directory (NOBELIUM's NV.img and SMM_Report.img were raw FAT images). */
export function listFat(b: Uint8Array): Member[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Member[] = [];
  const bps = buf.readUInt16LE(11);
  const spc = buf[13]!;
  const reserved = buf.readUInt16LE(14);
  const fats = buf[16]!;
  const rootEntries = buf.readUInt16LE(17);
  const spf = buf.readUInt16LE(22);
  if (![512, 1024, 2048, 4096].includes(bps) || !spc || !fats || !rootEntries || !spf) return out; // FAT32 or not FAT
  const rootAt = (reserved + fats * spf) * bps;
  const dataAt = rootAt + Math.ceil((rootEntries * 32) / bps) * bps;
  for (let i = 0; i < rootEntries && out.length < LIMITS.entries; i++) {
    const e = rootAt + i * 32;
    if (e + 32 > buf.length || buf[e] === 0) break;
    const attr = buf[e + 11]!;
    if (buf[e] === 0xe5 || attr === 0x0f || attr & 0x08) continue; // deleted, long-name part, volume label
    const base = buf.toString('latin1', e, e + 8).trimEnd();
    const ext = buf.toString('latin1', e + 8, e + 11).trimEnd();
    const name = ext ? `${base}.${ext}` : base;
    const cluster = buf.readUInt16LE(e + 26);
    const size = buf.readUInt32LE(e + 28);
    if (attr & 0x10) {
      out.push({ name: `${name}/`, size: 0 });
      continue;
    }
    // Contents when the file is stored contiguously from its first cluster (as freshly made images are).
    const from = dataAt + (cluster - 2) * spc * bps;
    const data =
      cluster >= 2 && size <= LIMITS.memberBytes && from + size <= buf.length
        ? buf.subarray(from, from + size)
        : undefined;
    out.push({ name, size, ...(data ? { data } : {}) });
  }
  return out;
}

/** ZIP central directory: names, sizes, the encryption flag, and (small, unencrypted) contents. */
export function listZip(b: Uint8Array, budget: Budget = newBudget()): Member[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Member[] = [];
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) return out;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < count && n < LIMITS.entries && p + 46 <= buf.length; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) break;
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nlen);
    p += 46 + nlen + xlen + clen;
    const encrypted = (flags & 1) === 1;
    let data: Uint8Array | undefined;
    if (
      !encrypted &&
      !name.endsWith('/') &&
      usize <= Math.min(LIMITS.memberBytes, budget.bytes) &&
      local + 30 <= buf.length &&
      buf.readUInt32LE(local) === 0x04034b50
    ) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const comp = buf.subarray(start, Math.min(start + csize, buf.length));
      try {
        if (method === 0) data = comp;
        else if (method === 8) {
          data = inflateRawSync(comp, { maxOutputLength: Math.max(usize, 1) });
          budget.bytes -= data.length;
        }
      } catch {
        /* damaged or lying about its size: listed without contents */
      }
    }
    out.push({ name, size: usize, ...(encrypted ? { encrypted } : {}), ...(data ? { data } : {}) });
  }
  return out;
}

/** A shortcut's target and arguments (the StringData section), as far as they parse. */
export function readLnk(b: Uint8Array): {
  target?: string;
  arguments?: string;
  workingDir?: string;
  icon?: string;
} {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 76) return {};
  const flags = buf.readUInt32LE(20);
  let p = 76;
  const out: { target?: string; arguments?: string; workingDir?: string; icon?: string } = {};
  try {
    if (flags & 0x01) p += 2 + buf.readUInt16LE(p); // LinkTargetIDList
    if (flags & 0x02 && p + 28 <= buf.length) {
      // LinkInfo: local base path
      const size = buf.readUInt32LE(p);
      const baseOff = buf.readUInt32LE(p + 16);
      if (baseOff && p + baseOff < buf.length) {
        const z = buf.indexOf(0, p + baseOff);
        out.target = buf.toString('latin1', p + baseOff, z < 0 ? Math.min(buf.length, p + baseOff + 260) : z);
      }
      p += size;
    }
    const unicode = (flags & 0x80) !== 0;
    const str = () => {
      const n = buf.readUInt16LE(p);
      p += 2;
      const bytes = unicode ? n * 2 : n;
      const s = buf.toString(unicode ? 'utf16le' : 'latin1', p, p + bytes);
      p += bytes;
      return s;
    };
    if (flags & 0x04) str(); // name
    if (flags & 0x08) {
      const rel = str();
      out.target ??= rel;
    }
    if (flags & 0x10) out.workingDir = str();
    if (flags & 0x20) out.arguments = str();
    if (flags & 0x40) out.icon = str();
  } catch {
    /* truncated: keep what was read */
  }
  return out;
}

/** OLE compound file with a VBA project (classic Office macros). */
export function oleHasMacros(b: Uint8Array): boolean {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return (
    buf.indexOf(Buffer.from('_VBA_PROJECT', 'utf16le')) >= 0 ||
    (buf.indexOf(Buffer.from('VBA', 'utf16le')) >= 0 && buf.indexOf('Attribute VB_', 0, 'latin1') >= 0)
  );
}
