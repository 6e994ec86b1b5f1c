import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Built-in indicator packs (TSV: type, value, pack, source, date, note) and the indexes detectors
 * query. Hashes are exact-match sets; domains match themselves and any subdomain, walking labels
 * from the right so a lookup costs O(labels).
 */
export type IndicatorType = 'sha256' | 'sha1' | 'md5' | 'domain';

export interface Indicator {
  readonly type: IndicatorType;
  readonly value: string;
  readonly pack: string;
  readonly source: string;
  readonly date: string;
  readonly note: string;
}

export interface IntelIndex {
  readonly hashes: ReadonlyMap<string, Indicator>;
  readonly domains: ReadonlyMap<string, Indicator>;
}

const PACK_DIR = join(import.meta.dirname, 'packs');
const TYPES = new Set<string>(['sha256', 'sha1', 'md5', 'domain']);

export function parsePack(text: string, file: string): Indicator[] {
  const out: Indicator[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [type, value, pack, source, date, note] = line.replace(/\r$/, '').split('\t');
    if (!type || !TYPES.has(type) || !value) throw new Error(`${file}:${i + 1}: not a pack line (type\\tvalue\\tpack\\tsource\\tdate\\tnote)`);
    out.push({ type: type as IndicatorType, value: value.toLowerCase(), pack: pack ?? '', source: source ?? '', date: date ?? '', note: note ?? '' });
  });
  return out;
}

let builtin: IntelIndex | null = null;

/** The built-in packs, loaded once per process. */
export function builtinIntel(): IntelIndex {
  if (builtin) return builtin;
  const hashes = new Map<string, Indicator>();
  const domains = new Map<string, Indicator>();
  for (const f of ['files.tsv', 'domains.tsv']) {
    const path = join(PACK_DIR, f);
    for (const ind of parsePack(readFileSync(path, 'utf8'), path)) {
      (ind.type === 'domain' ? domains : hashes).set(ind.value, ind);
    }
  }
  builtin = { hashes, domains };
  return builtin;
}

/** The indicator domain that `name` equals or is a subdomain of, with how many labels deeper it is. */
export function matchDomain(index: IntelIndex, name: string): { indicator: Indicator; depth: number } | null {
  let cut = 0;
  let depth = 0;
  for (;;) {
    const hit = index.domains.get(cut === 0 ? name : name.slice(cut));
    if (hit) return { indicator: hit, depth };
    const dot = name.indexOf('.', cut);
    if (dot < 0) return null;
    cut = dot + 1;
    depth++;
  }
}
