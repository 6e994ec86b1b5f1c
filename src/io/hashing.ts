import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Digests { readonly sha256: string; readonly sha1: string; readonly md5: string }

/** One file's running hashes. */
export interface HashSession {
  update(chunk: Uint8Array): void | Promise<void>;
  digest(): Promise<Digests>;
}

/** Hash on this thread: cheapest for small files, where a message round trip costs more. */
export function localHashes(): HashSession {
  const h: Hash[] = [createHash('sha256'), createHash('sha1'), createHash('md5')];
  return {
    update(c) { for (const x of h) x.update(c); },
    digest() { const [a, b, c] = h.map((x) => x.digest('hex')); return Promise.resolve({ sha256: a!, sha1: b!, md5: c! }); },
  };
}

/**
 * Hash large files on a second thread. Chunks are copied and handed over; at most `maxInFlight`
 * bytes wait in the worker's queue, so memory stays flat when hashing is slower than parsing.
 */
export class HashThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private readonly pending = new Map<number, (d: Digests) => void>();
  private readonly maxInFlight: number;

  constructor(maxInFlight = 16 * 1024 * 1024) {
    this.maxInFlight = maxInFlight;
  }

  private get w(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./hash-thread.ts', import.meta.url));
    w.on('message', (m: { t: 'a'; n: number } | { t: 'd'; id: number; r: string[] }) => {
      if (m.t === 'a') {
        this.inFlight -= m.n;
        if (this.inFlight <= this.maxInFlight / 2) for (const f of this.waiters.splice(0)) f();
      } else {
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        done?.({ sha256: m.r[0]!, sha1: m.r[1]!, md5: m.r[2]! });
      }
    });
    w.unref(); // an idle hasher never keeps the process alive
    this.worker = w;
    return w;
  }

  session(): HashSession {
    const id = this.nextId++;
    return {
      update: (chunk) => {
        const copy = new Uint8Array(chunk); // our own buffer, so it can be transferred
        this.inFlight += copy.byteLength;
        this.w.ref();
        this.w.postMessage({ t: 'u', id, b: copy }, [copy.buffer]);
        if (this.inFlight > this.maxInFlight) return new Promise<void>((r) => this.waiters.push(r));
      },
      digest: () => new Promise<Digests>((resolve) => {
        this.pending.set(id, (d) => { if (this.pending.size === 0) this.worker?.unref(); resolve(d); });
        this.w.ref();
        this.w.postMessage({ t: 'd', id });
      }),
    };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
