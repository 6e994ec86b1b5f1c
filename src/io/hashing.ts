import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Digests {
  readonly sha256: string;
  readonly sha1: string;
  readonly md5: string;
}

/** One file's running hashes. */
export interface HashSession {
  update(chunk: Uint8Array): void | Promise<void>;
  digest(): Promise<Digests>;
}

/** Hash on this thread: cheapest for small files, where a message round trip costs more. */
export function localHashes(): HashSession {
  const h: Hash[] = [createHash('sha256'), createHash('sha1'), createHash('md5')];
  return {
    update(c) {
      for (const x of h) x.update(c);
    },
    digest() {
      const [a, b, c] = h.map((x) => x.digest('hex'));
      return Promise.resolve({ sha256: a!, sha1: b!, md5: c! });
    },
  };
}

/**
 * Hash large files on a second thread. Chunks are copied into a fixed ring of slots in a shared
 * buffer (`slots` × `slotBytes`) and the worker hashes them in place; when every slot is busy the
 * reader waits. Memory is bounded by the ring whatever the input, and nothing is allocated per chunk.
 */
export class HashThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly shared: SharedArrayBuffer;
  private readonly bytes: Uint8Array;
  private readonly free: number[] = [];
  private waiters: (() => void)[] = [];
  private readonly pending = new Map<number, (d: Digests) => void>();
  private readonly slotBytes: number;

  constructor(slots = 16, slotBytes = 1024 * 1024) {
    this.slotBytes = slotBytes;
    this.shared = new SharedArrayBuffer(slots * slotBytes);
    this.bytes = new Uint8Array(this.shared);
    for (let i = 0; i < slots; i++) this.free.push(i * slotBytes);
  }

  private get w(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./hash-thread.ts', import.meta.url), {
      workerData: { buffer: this.shared },
    });
    w.on('message', (m: { t: 'a'; at: number } | { t: 'd'; id: number; r: string[] }) => {
      if (m.t === 'a') {
        this.free.push(m.at);
        const next = this.waiters.shift();
        next?.();
      } else {
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        done?.({ sha256: m.r[0]!, sha1: m.r[1]!, md5: m.r[2]! });
      }
    });
    this.worker = w;
    return w;
  }

  private async slot(): Promise<number> {
    while (this.free.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return this.free.pop()!;
  }

  session(): HashSession {
    const id = this.nextId++;
    return {
      update: async (chunk) => {
        for (let off = 0; off < chunk.byteLength; off += this.slotBytes) {
          const part = chunk.subarray(off, Math.min(chunk.byteLength, off + this.slotBytes));
          const at = this.free.length ? this.free.pop()! : await this.slot();
          this.bytes.set(part, at);
          this.w.postMessage({ t: 'u', id, at, len: part.byteLength });
        }
      },
      digest: () =>
        new Promise<Digests>((resolve) => {
          this.pending.set(id, resolve);
          this.w.postMessage({ t: 'd', id });
        }),
    };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
