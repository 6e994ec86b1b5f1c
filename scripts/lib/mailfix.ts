/**
 * Generators for mail test fixtures, from the documented formats: a minimal ISO 9660 image
 * (primary volume descriptor, root directory, files), a Windows shortcut (MS-SHLLINK header,
 * LinkInfo with a local base path, StringData arguments), and RFC 5322 messages with attachments.
 */
const SECTOR = 2048;

export function iso(files: readonly { name: string; data: Uint8Array }[]): Buffer {
  const first = 19;
  const sectors = files.map((f) => Math.max(1, Math.ceil(f.data.length / SECTOR)));
  const total = first + sectors.reduce((a, b) => a + b, 0);
  const b = Buffer.alloc(total * SECTOR);
  const dirRecord = (extent: number, size: number, flags: number, name: Buffer) => {
    const len = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
    const r = Buffer.alloc(len);
    r[0] = len;
    r.writeUInt32LE(extent, 2);
    r.writeUInt32BE(extent, 6);
    r.writeUInt32LE(size, 10);
    r.writeUInt32BE(size, 14);
    r[25] = flags;
    r.writeUInt16LE(1, 28);
    r.writeUInt16BE(1, 30);
    r[32] = name.length;
    name.copy(r, 33);
    return r;
  };
  const root = Buffer.concat([
    dirRecord(18, SECTOR, 2, Buffer.from([0])),
    dirRecord(18, SECTOR, 2, Buffer.from([1])),
    ...files.map((f, i) =>
      dirRecord(
        first + sectors.slice(0, i).reduce((a, c) => a + c, 0),
        f.data.length,
        0,
        Buffer.from(`${f.name.toUpperCase()};1`, 'latin1'),
      ),
    ),
  ]);
  const pvd = 16 * SECTOR;
  b[pvd] = 1;
  b.write('CD001', pvd + 1, 'latin1');
  b[pvd + 6] = 1;
  b.write('VIGIL_TEST'.padEnd(32), pvd + 40, 'latin1');
  b.writeUInt32LE(total, pvd + 80);
  b.writeUInt32BE(total, pvd + 84);
  b.writeUInt16LE(SECTOR, pvd + 128);
  b.writeUInt16BE(SECTOR, pvd + 130);
  dirRecord(18, SECTOR, 2, Buffer.from([0])).copy(b, pvd + 156);
  const term = 17 * SECTOR;
  b[term] = 255;
  b.write('CD001', term + 1, 'latin1');
  b[term + 6] = 1;
  root.copy(b, 18 * SECTOR);
  files.forEach((f, i) =>
    Buffer.from(f.data).copy(b, (first + sectors.slice(0, i).reduce((a, c) => a + c, 0)) * SECTOR),
  );
  return b;
}

export function lnk(target: string, args: string): Buffer {
  const header = Buffer.alloc(76);
  header.writeUInt32LE(0x4c, 0);
  Buffer.from('0114020000000000c000000000000046', 'hex').copy(header, 4);
  header.writeUInt32LE(0x02 | 0x20 | 0x80, 20); // HasLinkInfo | HasArguments | IsUnicode
  const base = Buffer.from(`${target}\0`, 'latin1');
  const info = Buffer.alloc(28 + base.length);
  info.writeUInt32LE(info.length, 0);
  info.writeUInt32LE(28, 4);
  info.writeUInt32LE(1, 8);
  info.writeUInt32LE(0, 12);
  info.writeUInt32LE(28, 16);
  info.writeUInt32LE(0, 20);
  info.writeUInt32LE(info.length - 1, 24);
  base.copy(info, 28);
  const a = Buffer.from(args, 'utf16le');
  const len = Buffer.alloc(2);
  len.writeUInt16LE(args.length);
  return Buffer.concat([header, info, len, a]);
}

export interface Part {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export function message(o: {
  headers: Record<string, string>;
  text?: string;
  html?: string;
  attachments?: Part[];
}): Buffer {
  const boundary = 'vigil-test-boundary-4f1e';
  const head = Object.entries(o.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  const parts: string[] = [];
  if (o.text !== undefined)
    parts.push(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${o.text}`);
  if (o.html !== undefined)
    parts.push(`Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${o.html}`);
  for (const a of o.attachments ?? []) {
    const b64 = Buffer.from(a.data).toString('base64').replace(/.{76}/g, '$&\r\n');
    parts.push(
      `Content-Type: ${a.contentType}; name="${a.filename}"\r\nContent-Disposition: attachment; filename="${a.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}`,
    );
  }
  return Buffer.from(
    `${head}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`,
    'utf8',
  );
}

/** A FAT12 floppy-style image (boot sector with BPB, two FATs, root directory, files stored contiguously). */
export function fat(files: readonly { name: string; data: Uint8Array }[]): Buffer {
  const bps = 512,
    spc = 1,
    reserved = 1,
    fats = 2,
    rootEntries = 224,
    spf = 9,
    total = 2880;
  const b = Buffer.alloc(total * bps);
  b[0] = 0xeb;
  b[1] = 0x3c;
  b[2] = 0x90;
  b.write('MSWIN4.1', 3, 'latin1');
  b.writeUInt16LE(bps, 11);
  b[13] = spc;
  b.writeUInt16LE(reserved, 14);
  b[16] = fats;
  b.writeUInt16LE(rootEntries, 17);
  b.writeUInt16LE(total, 19);
  b[21] = 0xf0;
  b.writeUInt16LE(spf, 22);
  b.write('FAT12   ', 54, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  const rootAt = (reserved + fats * spf) * bps;
  let cluster = 2;
  const dataAt = rootAt + ((rootEntries * 32) / bps) * bps;
  files.forEach((f, i) => {
    const [base, ext = ''] = f.name.toUpperCase().split('.');
    const e = rootAt + i * 32;
    b.write(base!.padEnd(8).slice(0, 8), e, 'latin1');
    b.write(ext.padEnd(3).slice(0, 3), e + 8, 'latin1');
    b[e + 11] = 0x20;
    b.writeUInt16LE(cluster, e + 26);
    b.writeUInt32LE(f.data.length, e + 28);
    Buffer.from(f.data).copy(b, dataAt + (cluster - 2) * spc * bps);
    cluster += Math.max(1, Math.ceil(f.data.length / (spc * bps)));
  });
  return b;
}
