import { createHash, type Hash } from 'node:crypto';

/**
 * One pass over a file's bytes: a head is buffered for sniffing, every byte is hashed (SHA-256,
 * SHA-1, MD5) and counted as it goes past, and the consumer (a reader) sees the whole stream.
 * When the reader stops early, `drain()` finishes the hashes.
 */
export class ChunkSource implements AsyncIterable<Uint8Array> {
  private readonly it: AsyncIterator<Uint8Array>;
  private readonly buffered: Uint8Array[] = [];
  private readonly hashes: Hash[] | null;
  private readonly onBytes: ((n: number) => void) | undefined;
  private done = false;
  bytes = 0;

  constructor(stream: AsyncIterable<Uint8Array>, opts: { hash: boolean; onBytes?: (n: number) => void }) {
    this.it = stream[Symbol.asyncIterator]();
    this.hashes = opts.hash ? [createHash('sha256'), createHash('sha1'), createHash('md5')] : null;
    this.onBytes = opts.onBytes;
  }

  private async pull(): Promise<Uint8Array | null> {
    if (this.done) return null;
    const r = await this.it.next();
    if (r.done) { this.done = true; return null; }
    const c = r.value;
    this.bytes += c.length;
    if (this.hashes) for (const h of this.hashes) h.update(c);
    this.onBytes?.(c.length);
    return c;
  }

  /** Buffer at least `n` bytes (or all there is) and return them, without consuming them. */
  async head(n: number): Promise<Buffer> {
    let have = this.buffered.reduce((s, c) => s + c.length, 0);
    while (have < n) {
      const c = await this.pull();
      if (!c) break;
      this.buffered.push(c);
      have += c.length;
    }
    const all = Buffer.concat(this.buffered);
    return all.subarray(0, Math.min(n, all.length));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (this.buffered.length) yield this.buffered.shift()!;
    for (;;) {
      const c = await this.pull();
      if (!c) return;
      yield c;
    }
  }

  /** Read (and hash) whatever the consumer left. */
  async drain(): Promise<void> {
    this.buffered.length = 0;
    while (await this.pull());
  }

  /** Stop reading without draining (the underlying stream is closed). */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }

  digests(): { sha256: string; sha1: string; md5: string } {
    if (!this.hashes) return { sha256: '', sha1: '', md5: '' };
    const [a, b, c] = this.hashes.map((h) => h.digest('hex'));
    return { sha256: a!, sha1: b!, md5: c! };
  }
}
