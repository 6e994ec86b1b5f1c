import type { Condition } from './condition.ts';
import { resolveOf } from './condition.ts';
import { parseSigmaString, type Piece } from './pattern.ts';
import type { DetectionItem, SigmaRule } from './rule.ts';
import type { EventView } from './values.ts';

/**
 * Candidate selection, so an event meets only the rules that could match it. For each rule we
 * derive a *necessary* condition: a set of atoms (field, kind, literal) of which at least one must
 * hold whenever the rule matches — taken from the positive part of its condition (a `not` proves
 * nothing). The atoms of all rules go into one index per log source: equalities and fixed-length
 * prefixes and suffixes into hash maps, substrings into an Aho-Corasick automaton per field. An
 * event then costs a few lookups per indexed field instead of one predicate call per rule; the
 * rule's full predicate still decides. Rules with no usable atom are always candidates.
 */
export interface Atom {
  readonly field: string;
  readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains';
  /** Lower-cased: the index tests lower-cased values, which is necessary for cased rules too. */
  readonly lit: string;
}

/** At least one atom must hold; `null` means nothing is known (always a candidate). */
export type Need = readonly Atom[] | null;

const INDEXABLE_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 'cased', 'windash']);
const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

function atomOf(
  field: string,
  value: string,
  placement: 'exact' | 'contains' | 'startswith' | 'endswith',
): Atom | null {
  const pieces: Piece[] = parseSigmaString(value);
  const lits = pieces.filter((p): p is string => typeof p === 'string' && p.length > 0);
  const wild = pieces.some((p) => typeof p !== 'string');
  const anchoredStart = placement === 'exact' || placement === 'startswith';
  const anchoredEnd = placement === 'exact' || placement === 'endswith';
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!wild && placement === 'exact')
    return { field, kind: 'eq', lit: value === '' ? '' : lits.join('').toLowerCase() };
  if (anchoredEnd && typeof last === 'string' && last)
    return { field, kind: 'suffix', lit: last.toLowerCase() };
  if (anchoredStart && typeof first === 'string' && first)
    return { field, kind: 'prefix', lit: first.toLowerCase() };
  const longest = lits.reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest ? { field, kind: 'contains', lit: longest.toLowerCase() } : null;
}

function itemNeed(it: DetectionItem, field: (n: string) => string | null): Need {
  if (it.field === null) return null;
  if (!it.modifiers.every((m) => INDEXABLE_MODIFIERS.has(m))) return null;
  const f = field(it.field);
  if (f === null) return null;
  const placement = it.modifiers.includes('contains')
    ? 'contains'
    : it.modifiers.includes('startswith')
      ? 'startswith'
      : it.modifiers.includes('endswith')
        ? 'endswith'
        : 'exact';
  // Under |all every value must match, so the first value's atoms are already necessary.
  const values = it.modifiers.includes('all') ? it.values.slice(0, 1) : it.values;
  const atoms: Atom[] = [];
  for (const v of values) {
    if (v === null) return null;
    const s = typeof v === 'string' ? v : String(v);
    const variants =
      it.modifiers.includes('windash') && /\B[-/]\b/.test(s)
        ? DASHES.map((d) => s.replace(/\B[-/]\b/g, d))
        : [s];
    for (const x of variants) {
      const a = atomOf(f, x, placement);
      if (!a) return null;
      atoms.push(a);
    }
  }
  return atoms;
}

/** Lower is better: substring atoms cost a scan, the others a hash lookup. */
const cost = (n: Need) =>
  n === null
    ? Infinity
    : n.reduce((c, a) => c + (a.kind === 'contains' ? 3 : 1), 0) + (n.length === 0 ? Infinity : 0);

function best(needs: Need[]): Need {
  let pick: Need = null;
  for (const n of needs) if (cost(n) < cost(pick)) pick = n;
  return pick;
}

function union(needs: Need[]): Need {
  if (needs.some((n) => n === null)) return null;
  return needs.flat() as Atom[];
}

export function ruleNeed(rule: SigmaRule, field: (n: string) => string | null): Need {
  const names = [...rule.searches.keys()];
  const searchNeed = new Map<string, Need>();
  for (const [name, alts] of rule.searches)
    searchNeed.set(name, union(alts.map((items) => best(items.map((it) => itemNeed(it, field))))));
  const need = (c: Condition): Need => {
    switch (c.op) {
      case 'id':
        return searchNeed.get(c.name) ?? null;
      case 'not':
        return null;
      case 'and':
        return best(c.args.map(need));
      case 'or':
        return union(c.args.map(need));
      case 'of': {
        const ns = resolveOf(c.pattern, names).map((n) => searchNeed.get(n) ?? null);
        return c.quantifier === 'all' ? best(ns) : union(ns);
      }
    }
  };
  return union(rule.conditions.map(need));
}

/** Aho-Corasick over lower-cased text: every pattern occurring anywhere in it. */
class Automaton {
  private readonly next: Map<string, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: number[][] = [[]];
  add(pattern: string, id: number): void {
    let s = 0;
    for (const ch of pattern) {
      let t = this.next[s]!.get(ch);
      if (t === undefined) {
        t = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.next[s]!.set(ch, t);
      }
      s = t;
    }
    this.out[s]!.push(id);
  }
  build(): void {
    const queue: number[] = [];
    for (const t of this.next[0]!.values()) queue.push(t);
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const [ch, t] of this.next[s]!) {
        queue.push(t);
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(ch)) f = this.fail[f]!;
        const ft = this.next[f]!.get(ch);
        this.fail[t] = ft !== undefined && ft !== t ? ft : 0;
        const fo = this.out[this.fail[t]!]!;
        if (fo.length) this.out[t] = [...this.out[t]!, ...fo];
      }
    }
  }
  scan(text: string, hit: (id: number) => void): void {
    let s = 0;
    for (const ch of text) {
      let t = this.next[s]!.get(ch);
      while (t === undefined && s !== 0) {
        s = this.fail[s]!;
        t = this.next[s]!.get(ch);
      }
      s = t ?? 0;
      const o = this.out[s]!;
      for (let i = 0; i < o.length; i++) hit(o[i]!);
    }
  }
}

interface FieldIndex {
  eq?: Map<string, number[]>;
  /** By literal length: value's last/first `len` characters → entries. */
  suffix?: Map<number, Map<string, number[]>>;
  prefix?: Map<number, Map<string, number[]>>;
  contains?: { automaton: Automaton; lists: number[][] };
}

const push = <K>(m: Map<K, number[]>, k: K, v: number) => {
  const l = m.get(k);
  if (l) {
    if (l[l.length - 1] !== v) l.push(v);
  } else m.set(k, [v]);
};

/** The candidate index for one log source bucket. Entries are numbered 0…n-1 by the caller. */
export class CandidateIndex {
  private readonly always: number[] = [];
  private readonly fields = new Map<string, FieldIndex>();
  private readonly containsPending = new Map<string, Map<string, number[]>>();
  private readonly mark: Uint32Array;
  private epoch = 0;
  readonly size: number;

  constructor(needs: readonly Need[]) {
    this.size = needs.length;
    this.mark = new Uint32Array(needs.length);
    needs.forEach((need, i) => {
      if (need === null) {
        this.always.push(i);
        return;
      }
      for (const a of need) {
        let fi = this.fields.get(a.field);
        if (!fi) this.fields.set(a.field, (fi = {}));
        if (a.kind === 'eq') push((fi.eq ??= new Map()), a.lit, i);
        else if (a.kind === 'suffix' || a.kind === 'prefix') {
          const byLen = a.kind === 'suffix' ? (fi.suffix ??= new Map()) : (fi.prefix ??= new Map());
          let m = byLen.get(a.lit.length);
          if (!m) byLen.set(a.lit.length, (m = new Map()));
          push(m, a.lit, i);
        } else {
          let m = this.containsPending.get(a.field);
          if (!m) this.containsPending.set(a.field, (m = new Map()));
          push(m, a.lit, i);
        }
      }
    });
    for (const [field, m] of this.containsPending) {
      const automaton = new Automaton();
      const lists: number[][] = [];
      for (const [lit, ids] of m) {
        automaton.add(lit, lists.length);
        lists.push(ids);
      }
      automaton.build();
      this.fields.get(field)!.contains = { automaton, lists };
    }
    this.containsPending.clear();
  }

  /** Candidate entry numbers for this event, ascending. */
  candidates(ev: EventView): number[] {
    const epoch = ++this.epoch;
    if (epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 1;
    }
    const e = this.epoch;
    const out = this.always.slice();
    const add = (i: number) => {
      if (this.mark[i] !== e) {
        this.mark[i] = e;
        out.push(i);
      }
    };
    for (const i of this.always) this.mark[i] = e;
    for (const [field, fi] of this.fields) {
      const v = ev.lower(field);
      if (v === undefined) continue;
      if (fi.eq) {
        const l = fi.eq.get(v);
        if (l) for (const i of l) add(i);
      }
      if (fi.suffix)
        for (const [len, m] of fi.suffix) {
          if (len <= v.length) {
            const l = m.get(v.slice(v.length - len));
            if (l) for (const i of l) add(i);
          }
        }
      if (fi.prefix)
        for (const [len, m] of fi.prefix) {
          if (len <= v.length) {
            const l = m.get(v.slice(0, len));
            if (l) for (const i of l) add(i);
          }
        }
      if (fi.contains) {
        const { automaton, lists } = fi.contains;
        automaton.scan(v, (k) => {
          for (const i of lists[k]!) add(i);
        });
      }
    }
    return out.sort((a, b) => a - b);
  }
}
