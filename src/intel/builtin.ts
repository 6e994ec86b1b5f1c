import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntelIndex } from './index.ts';
import { loadFeed, type LoadReport } from './load/index.ts';

/** The campaigns Vigil ships indicators for; each folder under packs/ is one. */
export const PACKS = ['hafnium', 'nobelium', 'sunburst'] as const;
const PACK_DIR = join(import.meta.dirname, 'packs');

/** Source and publication date of the pack files whose rows do not carry them (see PROVENANCE.md). */
const FILE_DEFAULTS: Record<string, { source: string; date: string }> = {
  'cisa_chirp_AA21062A.yaml': {
    source: 'CISA AA21-062A CHIRP indicators (cisagov/CHIRP, CC0)',
    date: '2021-03-04',
  },
  'mstic_iocs_exchange_march2021.csv': {
    source: 'MSTIC IoCs, Exchange Server vulnerabilities disclosed March 2021 (TLP:WHITE)',
    date: '2021-03-10',
  },
  'mstic_iocs_exchange_march2021_hash_metadata.csv': {
    source: 'MSTIC IoCs, Exchange Server vulnerabilities disclosed March 2021 (TLP:WHITE)',
    date: '2021-03-10',
  },
  'signature-base_hash-iocs_hafnium_excerpt.txt': {
    source: "Neo23x0/signature-base hash-iocs.txt (DRL 1.1), from Microsoft's HAFNIUM blog",
    date: '2021-03-02',
  },
  'signature-base_filename-iocs_hafnium_excerpt.txt': {
    source: 'Neo23x0/signature-base filename-iocs.txt (DRL 1.1)',
    date: '2021-03-03',
  },
  'fireeye_Indicator_Release_Hashes.csv': {
    source: 'FireEye/Mandiant sunburst_countermeasures (BSD-2-Clause)',
    date: '2020-12-13',
  },
  'fireeye_Indicator_Release_NBIs.csv': {
    source: 'FireEye/Mandiant sunburst_countermeasures (BSD-2-Clause)',
    date: '2020-12-13',
  },
};

/** Load the built-in packs into an index (feed name = pack name). */
export function loadBuiltin(index: IntelIndex): LoadReport[] {
  const reports: LoadReport[] = [];
  for (const pack of PACKS) {
    for (const f of readdirSync(join(PACK_DIR, pack)).sort()) {
      if (/^LICENSE|\.md$/i.test(f)) continue;
      reports.push(loadFeed(join(PACK_DIR, pack, f), index, pack, FILE_DEFAULTS[f] ?? {}));
    }
  }
  return reports;
}

let cached: IntelIndex | null = null;

/** The built-in packs alone, loaded once per process. */
export function builtinIndex(): IntelIndex {
  if (!cached) {
    cached = new IntelIndex();
    loadBuiltin(cached);
  }
  return cached;
}

/** Built-in packs plus the given feeds; a feed that fails to load is reported, the rest is used. */
export function buildIndex(
  feeds: readonly string[],
  withBuiltin = true,
): { index: IntelIndex; reports: LoadReport[] } {
  const index = new IntelIndex();
  const reports = withBuiltin ? loadBuiltin(index) : [];
  for (const f of feeds) reports.push(loadFeed(f, index));
  return { index, reports };
}
