import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntelIndex } from './index.ts';
import { loadFeed, type LoadReport } from './load/index.ts';

/** The campaigns Vigil ships indicators for; each folder under packs/ is one. */
export const PACKS = ['hafnium', 'nobelium', 'sunburst'] as const;
const PACK_DIR = join(import.meta.dirname, 'packs');

/** Load the built-in packs into an index (feed name = pack name). */
export function loadBuiltin(index: IntelIndex): LoadReport[] {
  const reports: LoadReport[] = [];
  for (const pack of PACKS) {
    for (const f of readdirSync(join(PACK_DIR, pack)).sort()) {
      if (/^LICENSE|\.md$/i.test(f)) continue;
      reports.push(loadFeed(join(PACK_DIR, pack, f), index, pack));
    }
  }
  return reports;
}

let cached: IntelIndex | null = null;

/** The built-in packs alone, loaded once per process. */
export function builtinIndex(): IntelIndex {
  if (!cached) { cached = new IntelIndex(); loadBuiltin(cached); }
  return cached;
}

/** Built-in packs plus the given feeds; a feed that fails to load is reported, the rest is used. */
export function buildIndex(feeds: readonly string[], withBuiltin = true): { index: IntelIndex; reports: LoadReport[] } {
  const index = new IntelIndex();
  const reports = withBuiltin ? loadBuiltin(index) : [];
  for (const f of feeds) reports.push(loadFeed(f, index));
  return { index, reports };
}
