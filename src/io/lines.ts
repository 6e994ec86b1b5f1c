/**
 * Fast line splitting over a stream of byte chunks. Lines come in batches (one per chunk) because
 * an async-generator step per line costs more than parsing the line. `\r\n` and `\n` both end a
 * line; a last line without newline is still yielded. A line longer than `maxLineBytes` is cut
 * to that length and reported through `onLongLine`, so a hostile file cannot grow memory.
 */
export interface LineBatch {
  /** 1-based number of `lines[0]`. */
  readonly firstLine: number;
  /** Byte offset of `lines[0]` within the stream. */
  readonly firstOffset: number;
  readonly lines: readonly string[];
  /** Each line's own number, when the batch holds only selected lines (see `select.ts`); else `firstLine + i`. */
  readonly numbers?: readonly number[];
}

export interface LineOptions {
  readonly maxLineBytes?: number;
  /** Called with the line number and the limit it was cut to. */
  readonly onLongLine?: (line: number, limit: number) => void;
  /** `latin1` is exact for ASCII logs and never fails; `utf8` replaces invalid sequences. */
  readonly encoding?: 'utf8' | 'latin1';
}

const NL = 0x0a;

export async function* lineBatches(chunks: AsyncIterable<Uint8Array>, opts: LineOptions = {}): AsyncGenerator<LineBatch> {
  const max = opts.maxLineBytes ?? 1024 * 1024;
  const enc = opts.encoding ?? 'utf8';
  let carry: Buffer | null = null; // bytes of an unfinished line
  let skipping = false; // inside an over-long line: drop bytes until the next newline
  let lineNo = 1;
  let offset = 0; // offset of the first byte of `carry` (or of the next line)

  for await (const raw of chunks) {
    let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (skipping) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) { offset += chunk.length; continue; }
      skipping = false;
      offset += nl + 1;
      lineNo++;
      chunk = chunk.subarray(nl + 1);
    }
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl < 0) {
      carry = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
      if (carry.length > max) {
        yield { firstLine: lineNo, firstOffset: offset, lines: [stripCr(carry.subarray(0, max).toString(enc))] };
        opts.onLongLine?.(lineNo, max);
        offset += carry.length;
        carry = null;
        skipping = true;
      }
      continue;
    }
    let body = chunk.subarray(0, lastNl);
    if (carry) { body = Buffer.concat([carry, body]); carry = null; }
    const rest = chunk.subarray(lastNl + 1);
    const text = body.toString(enc);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.length > max) { opts.onLongLine?.(lineNo + i, max); lines[i] = l.slice(0, max); }
      if (l.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
    }
    yield { firstLine: lineNo, firstOffset: offset, lines };
    lineNo += lines.length;
    offset += body.length + 1;
    if (rest.length) carry = Buffer.from(rest);
  }
  if (carry && carry.length) yield { firstLine: lineNo, firstOffset: offset, lines: [stripCr(carry.toString(enc))] };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
