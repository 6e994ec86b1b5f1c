import type { Digests, HashSession } from './hashing.ts';

/**
 * One pass over a file's bytes: a head is buffered for sniffing, every byte is hashed (SHA-256,
 * SHA-1, MD5, here or on the hashing thread) and counted as it goes past, and the consumer (a reader) sees the whole stream.
 * When the reader stops early, `drain()` finishes the hashes.
 */
export class ChunkSource implements AsyncIterable<Uint8Array> {
  private readonly it: AsyncIterator<Uint8Array>;
  private readonly buffered: Uint8Array[] = [];
  private hashes: HashSession | null;
  private readonly onBytes: ((n: number) => void) | undefined;
  private done = false;
  bytes = 0;

  constructor(
    stream: AsyncIterable<Uint8Array>,
    opts: { hashes: HashSession | null; onBytes?: (n: number) => void },
  ) {
    this.it = stream[Symbol.asyncIterator]();
    this.hashes = opts.hashes;
    this.onBytes = opts.onBytes;
  }

  private async pull(): Promise<Uint8Array | null> {
    if (this.done) return null;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return null;
    }
    const c = r.value;
    this.bytes += c.length;
    if (this.hashes) {
      const wait = this.hashes.update(c);
      if (wait) await wait; // the hashing thread is behind: let it catch up
    }
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

  /** Stop hashing (the digests are then empty): for inputs whose hashes nobody will look up. */
  async dropHashes(): Promise<void> {
    const h = this.hashes;
    this.hashes = null;
    if (h) await h.digest(); // closes the session on the hashing thread
  }

  get hashing(): boolean {
    return this.hashes !== null;
  }

  digests(): Promise<Digests> {
    return this.hashes ? this.hashes.digest() : Promise.resolve({ sha256: '', sha1: '', md5: '' });
  }
}
