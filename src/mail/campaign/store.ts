import { bandKeys, isEmpty, similarity, MIN_SIMILARITY } from './minhash.ts';

/**
 * Clusters messages as they arrive, never pair by pair: a message joins a cluster through an
 * exact key (an ESP campaign id, an attachment hash) or through an LSH band bucket whose cluster
 * representative it resembles (estimated Jaccard ≥ MIN_SIMILARITY). Several matches merge the
 * clusters (union–find).
 *
 * Memory is bounded whatever the number of messages: per message 4 bytes (its cluster), per
 * cluster 8 bytes, representative signatures only for clusters still open (the oldest singletons
 * are retired beyond `maxOpen`: a copy arriving after that many other campaigns starts afresh),
 * and the bucket and key maps are capped (the oldest half dropped when full).
 */
export interface StoreLimits {
  /** Singleton clusters that keep their signature (and so can still be joined). */
  readonly maxOpen?: number;
  /** Entries in the band-bucket map and in the exact-key map, each. */
  readonly maxBuckets?: number;
}

class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
}

/**
 * A map of bounded size that forgets its oldest half at a time: two generations, the older one
 * dropped whole when the younger fills. O(1) per operation (deleting a Map's first key one at a
 * time is not: V8's iterator skips every deleted slot before it).
 */
class GenerationalMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  constructor(cap: number) {
    this.half = Math.max(1, Math.floor(cap / 2));
  }
  get(k: K): V | undefined {
    return this.young.get(k) ?? this.old.get(k);
  }
  set(k: K, v: V): void {
    this.young.set(k, v);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
}

export class ClusterStore {
  private readonly memberCluster = new IntList();
  private readonly parent = new IntList();
  private readonly size = new IntList();
  private readonly rep = new Map<number, Uint32Array>();
  private readonly open: number[] = [];
  private openHead = 0;
  private readonly buckets: GenerationalMap<number, number>;
  private readonly keyIndex: GenerationalMap<string, number>;
  private readonly maxOpen: number;
  private readonly maxBuckets: number;
  retired = 0;

  constructor(limits: StoreLimits = {}) {
    this.maxOpen = limits.maxOpen ?? 200_000;
    this.maxBuckets = limits.maxBuckets ?? 2_000_000;
    this.buckets = new GenerationalMap(this.maxBuckets);
    this.keyIndex = new GenerationalMap(this.maxBuckets);
  }

  private find(c: number): number {
    const p = this.parent.a;
    let r = c;
    while (p[r] !== r) r = p[r]!;
    while (p[c] !== r) {
      const next = p[c]!;
      p[c] = r;
      c = next;
    }
    return r;
  }

  private union(a: number, b: number): number {
    a = this.find(a);
    b = this.find(b);
    if (a === b) return a;
    const [big, small] = this.size.a[a]! >= this.size.a[b]! ? [a, b] : [b, a];
    this.parent.a[small] = big;
    this.size.a[big]! += this.size.a[small]!;
    if (!this.rep.has(big) && this.rep.has(small)) this.rep.set(big, this.rep.get(small)!);
    this.rep.delete(small);
    return big;
  }

  /** Adds one message; returns its member number (0, 1, 2, … in the order added). */
  add(f: { readonly sig: ArrayLike<number>; readonly keys: readonly string[] }): number {
    const sig = f.sig instanceof Uint32Array ? f.sig : Uint32Array.from(f.sig);
    const empty = isEmpty(sig);
    const bands = empty ? [] : bandKeys(sig);
    let target = -1;
    const join = (c: number) => {
      target = target < 0 ? this.find(c) : this.union(target, c);
    };
    for (const k of f.keys) {
      const c = this.keyIndex.get(k);
      if (c !== undefined) join(c);
    }
    for (const b of bands) {
      const c = this.buckets.get(b);
      if (c === undefined) continue;
      const r = this.find(c);
      if (r === target) continue;
      const rs = this.rep.get(r);
      if (rs && similarity(sig, rs) >= MIN_SIMILARITY) {
        join(r);
        this.buckets.set(b, r); // a campaign still arriving stays in the young generation
      }
    }
    if (target < 0) {
      target = this.parent.push(this.parent.n);
      this.size.push(1);
      if (!empty) {
        this.rep.set(target, sig);
        for (const b of bands) this.buckets.set(b, target);
        this.open.push(target);
        this.retireOld();
      }
    } else {
      this.size.a[target]!++;
    }
    for (const k of f.keys) this.keyIndex.set(k, target);
    return this.memberCluster.push(target);
  }

  private retireOld(): void {
    while (this.open.length - this.openHead > this.maxOpen) {
      const c = this.open[this.openHead++]!;
      if (this.parent.a[c] === c && this.size.a[c] === 1 && this.rep.delete(c)) this.retired++;
    }
    if (this.openHead > 65536 && this.openHead * 2 > this.open.length) {
      this.open.splice(0, this.openHead);
      this.openHead = 0;
    }
  }

  get messages(): number {
    return this.memberCluster.n;
  }

  /** The cluster (root number) a member belongs to now. */
  clusterOf(member: number): number {
    return this.find(this.memberCluster.a[member]!);
  }

  /** Clusters of at least `minSize` members, each as its member numbers in the order added. */
  clusters(minSize = 2): number[][] {
    const groups = new Map<number, number[]>();
    for (let m = 0; m < this.memberCluster.n; m++) {
      const r = this.clusterOf(m);
      if (this.size.a[r]! < minSize) continue;
      let g = groups.get(r);
      if (!g) groups.set(r, (g = []));
      g.push(m);
    }
    return [...groups.values()];
  }

  stats(): {
    messages: number;
    clusters: number;
    open: number;
    buckets: number;
    keys: number;
    retired: number;
  } {
    let roots = 0;
    for (let c = 0; c < this.parent.n; c++) if (this.parent.a[c] === c) roots++;
    return {
      messages: this.memberCluster.n,
      clusters: roots,
      open: this.rep.size,
      buckets: this.buckets.size,
      keys: this.keyIndex.size,
      retired: this.retired,
    };
  }
}
