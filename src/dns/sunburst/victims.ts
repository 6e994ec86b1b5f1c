import { base32Decode, firstNonBase32 } from './codec.ts';
import type { DataMessage, DomainFragment } from './decode.ts';
import { PRODUCTS, type ProductState } from './products.ts';
import { answerFamily, maxStage, stageOf, type AnswerFamily, type Stage } from './stage.ts';

/**
 * Per-host (uid) reassembly of the victim's AD domain from its fragments (reference §1.11), with
 * what the host told about itself (security products, STAGE2) and what the answers told it.
 * A partial name gets a status instead of a guess.
 */
export type DomainStatus =
  | 'complete' // chunks 0..k contiguous and the last one (35)
  | 'single_chunk' // only a last chunk, base32 (a whole short name)
  | 'single_chunk_or_tail' // only a last chunk, substitution: a short name or the tail of a long one
  | 'head_only' // 0..k without the last chunk
  | 'tail_only' // a last chunk (and maybe middle ones) without chunk 0
  | 'gapped' // head and tail, a middle chunk missing
  | 'none'; // data messages only: the name was never seen

export interface Victim {
  readonly uid: string;
  readonly region: string;
  readonly domain: string;
  readonly status: DomainStatus;
  readonly encoding: 'substitution' | 'base32' | 'unknown';
  readonly indices: readonly number[];
  readonly queries: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly beaconTimes: readonly string[];
  readonly products: readonly ProductState[];
  readonly stage: Stage;
  readonly stage2Flag: boolean;
  readonly killSwitch: boolean;
  readonly answers: Readonly<Partial<Record<AnswerFamily, number>>>;
  /** Fragments that share uid and index but carry different payloads: at most one is genuine. */
  readonly conflicts: readonly string[];
  readonly firstSource: { path: string; line?: number };
}

interface Variant {
  chunk: string;
  text: string | null;
  count: number;
}

class Host {
  readonly uid: string;
  readonly region: string;
  readonly chunks = new Map<number, Map<string, Variant>>();
  queries = 0;
  first?: string;
  last?: string;
  readonly beacons = new Set<string>();
  productWord = 0;
  productRunning = 0;
  stage2Flag = false;
  stage: Stage = 'beacon';
  killSwitch = false;
  cname = false;
  readonly answers: Partial<Record<AnswerFamily, number>> = {};
  readonly firstSource: { path: string; line?: number };

  constructor(uid: string, region: string, source: { path: string; line?: number }) {
    this.uid = uid;
    this.region = region;
    this.firstSource = source;
  }
}

export class VictimTracker {
  private readonly hosts = new Map<string, Host>();

  private host(
    m: { uid: string; region: string },
    source: { path: string; line?: number },
    time: string | undefined,
    answers: readonly string[] | undefined,
  ): Host {
    let h = this.hosts.get(m.uid);
    if (!h) {
      h = new Host(m.uid, m.region, source);
      this.hosts.set(m.uid, h);
    }
    h.queries++;
    if (time) {
      if (!h.first || time < h.first) h.first = time;
      if (!h.last || time > h.last) h.last = time;
    }
    for (const a of answers ?? []) {
      const fam = answerFamily(a);
      h.answers[fam] = (h.answers[fam] ?? 0) + 1;
      if (fam === 'atm' || fam === 'implink') h.killSwitch = true;
      if (fam === 'cname') h.cname = true;
      h.stage = maxStage(h.stage, stageOf(fam, false));
    }
    return h;
  }

  addFragment(
    f: DomainFragment,
    source: { path: string; line?: number },
    time?: string,
    answers?: readonly string[],
  ): void {
    const h = this.host(f, source, time, answers);
    let at = h.chunks.get(f.index);
    if (!at) {
      at = new Map();
      h.chunks.set(f.index, at);
    }
    // Retries re-send a chunk with a new key and new escape choices: compare decoded text.
    const norm = f.encoding === 'substitution' && f.text !== null ? `s:${f.text}` : `r:${f.chunk}`;
    const v = at.get(norm);
    if (v) v.count++;
    else at.set(norm, { chunk: f.chunk, text: f.text, count: 1 });
  }

  addData(
    d: DataMessage,
    source: { path: string; line?: number },
    time?: string,
    answers?: readonly string[],
  ): void {
    const h = this.host(d, source, time, answers);
    h.beacons.add(d.time);
    if (d.stage2) {
      h.stage2Flag = true;
      h.stage = maxStage(h.stage, 'stage2');
    }
    if (d.word !== undefined) {
      h.productWord |= d.word;
    }
  }

  victims(): Victim[] {
    return [...this.hosts.values()].map(summarise).sort((a, b) => (a.uid < b.uid ? -1 : 1));
  }
}

function best(at: Map<string, Variant> | undefined): Variant | undefined {
  if (!at) return undefined;
  let b: Variant | undefined;
  for (const v of at.values()) if (!b || v.count > b.count) b = v;
  return b;
}

function summarise(h: Host): Victim {
  const indices = [...h.chunks.keys()].sort((a, b) => a - b);
  const conflicts: string[] = [];
  for (const [i, at] of h.chunks)
    if (at.size > 1) conflicts.push(`chunk ${i}: ${[...at.values()].map((v) => v.chunk).join(' | ')}`);
  const hasHead = h.chunks.has(0);
  const hasTail = h.chunks.has(35);
  const middle = indices.filter((i) => i !== 35);
  const contiguous = middle.every((i, k) => i === k);
  const head = best(h.chunks.get(0));
  const isBase32 = head
    ? head.chunk.startsWith('00')
    : ((best(h.chunks.get(35))?.chunk.startsWith('00') && !middle.length) ?? false);

  let status: DomainStatus;
  if (indices.length === 0) status = 'none';
  else if (hasHead && hasTail) status = contiguous ? 'complete' : 'gapped';
  else if (hasHead) status = 'head_only';
  else if (hasTail && middle.length === 0) {
    const t = best(h.chunks.get(35))!;
    status = t.chunk.startsWith('00')
      ? 'single_chunk'
      : t.text !== null
        ? 'single_chunk_or_tail'
        : 'tail_only';
  } else status = 'tail_only';

  const { domain, encoding } = joinDomain(h, status, middle, hasTail, isBase32);

  const products: ProductState[] = [];
  for (let i = 0; i < PRODUCTS.length; i++) {
    const stopped = ((h.productWord >> (2 * i)) & 1) === 1;
    const running = ((h.productWord >> (2 * i + 1)) & 1) === 1;
    if (stopped || running) products.push({ product: PRODUCTS[i]!, running, stopped });
  }
  let stage = h.stage;
  if (h.cname && (h.stage2Flag || stage === 'stage2')) stage = 'targeted';
  const beaconTimes = [...h.beacons].sort();
  const first = h.first ?? beaconTimes[0];
  const last = h.last ?? beaconTimes[beaconTimes.length - 1];
  return {
    uid: h.uid,
    region: h.region,
    domain,
    status,
    encoding,
    indices,
    queries: h.queries,
    ...(first ? { firstSeen: first } : {}),
    ...(last ? { lastSeen: last } : {}),
    beaconTimes,
    products,
    stage,
    stage2Flag: h.stage2Flag,
    killSwitch: h.killSwitch,
    answers: h.answers,
    conflicts,
    firstSource: h.firstSource,
  };
}

/** Join the best variant of each chunk in index order; "…" marks what is missing. */
function joinDomain(
  h: Host,
  status: DomainStatus,
  middle: readonly number[],
  hasTail: boolean,
  isBase32: boolean,
): { domain: string; encoding: Victim['encoding'] } {
  if (status === 'none') return { domain: '', encoding: 'unknown' };
  const order = [...middle, ...(hasTail ? [35] : [])];
  if (isBase32 && (h.chunks.has(0) || status === 'single_chunk')) {
    // Base32 only decodes from the start: stop at the first gap.
    let joined = '';
    let prev = -1;
    let broken = false;
    for (const i of order) {
      if (i !== 35 && i !== prev + 1) {
        broken = true;
        break;
      }
      joined += best(h.chunks.get(i))!.chunk;
      prev = i;
    }
    // Base32 continuation chunks were never validated one by one: a junk chunk ends the name.
    const valid = firstNonBase32(joined);
    const text = new TextDecoder().decode(
      base32Decode(valid >= 0 ? joined.slice(2, valid) : joined.slice(2)),
    );
    if (valid >= 0) broken = true;
    const whole = !broken && (status === 'complete' || status === 'single_chunk');
    return { domain: whole ? text : `${text}…`, encoding: 'base32' };
  }
  const texts = order.map((i) => best(h.chunks.get(i))!.text);
  if (texts.some((t) => t === null)) return { domain: '…', encoding: 'unknown' }; // base32 continuation without its head
  let domain = status === 'tail_only' ? '…' : '';
  let prev = -1;
  order.forEach((i, k) => {
    if (i !== 35 && i !== prev + 1 && k > 0) domain += '…';
    domain += texts[k]!;
    prev = i;
  });
  if (status === 'head_only') domain += '…';
  return { domain, encoding: 'substitution' };
}
