import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntelIndex } from './index.ts';
import { INDICATOR_TYPES, type Indicator } from './indicator.ts';
import { loadFeed, type LoadReport } from './load/index.ts';
import { cachedJson, hashFiles } from './pack-cache.ts';

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

function packFiles(): { pack: string; file: string; path: string }[] {
  return PACKS.flatMap((pack) =>
    readdirSync(join(PACK_DIR, pack))
      .sort()
      .filter((f) => !/^LICENSE|\.md$/i.test(f))
      .map((file) => ({ pack, file, path: join(PACK_DIR, pack, file) })),
  );
}

/** Parse the pack files: every indicator in the order the loaders added it, and the reports. */
function parsePacks(): { reports: LoadReport[]; indicators: Indicator[] } | null {
  const indicators: Indicator[] = [];
  const recorder = new IntelIndex();
  const add = recorder.add.bind(recorder);
  recorder.add = (ind: Indicator) => {
    indicators.push(ind);
    add(ind);
  };
  const reports = packFiles().map((f) => loadFeed(f.path, recorder, f.pack, FILE_DEFAULTS[f.file] ?? {}));
  // Record predicates (STIX patterns over several properties) are code, not data: not cacheable.
  return recorder.predicates.length ? null : { reports, indicators };
}

/**
 * Load the built-in packs into an index (feed name = pack name). The parsed packs (YAML, CSV,
 * normalised indicators) are cached in Vigil's cache folder under the hash of the pack files
 * and of the loader sources, so a start reads one JSON file instead of parsing YAML; an entry
 * that fails validation is ignored and rebuilt.
 */
export function loadBuiltin(index: IntelIndex): LoadReport[] {
  const files = packFiles();
  const key = hashFiles([
    ...files.map((f) => f.path),
    ...LOADER_SOURCES.map((f) => join(import.meta.dirname, f)),
  ]);
  const parsed = cachedJson('intel-builtin', key, parsePacks, isParsedPacks);
  if (!parsed) {
    // Not cacheable: load straight into the index.
    return files.map((f) => loadFeed(f.path, index, f.pack, FILE_DEFAULTS[f.file] ?? {}));
  }
  for (const ind of parsed.indicators) index.add(ind);
  return parsed.reports;
}

/** The sources whose code decides what the packs parse to: a change to any of them rebuilds the cache. */
const LOADER_SOURCES = [
  'builtin.ts',
  'indicator.ts',
  ...readdirSync(join(import.meta.dirname, 'load'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('load', f)),
];

const TYPES = new Set<string>(INDICATOR_TYPES);
const str = (v: unknown): v is string => typeof v === 'string';

/** A cache entry is data from disk: check its shape before an indicator of it reaches the index. */
function isParsedPacks(v: unknown): v is { reports: LoadReport[]; indicators: Indicator[] } {
  if (typeof v !== 'object' || v === null) return false;
  const { reports, indicators } = v as Record<string, unknown>;
  if (!Array.isArray(reports) || !Array.isArray(indicators)) return false;
  const reportOk = (r: unknown) => {
    const x = r as Record<string, unknown> | null;
    return (
      typeof x === 'object' &&
      x !== null &&
      str(x['file']) &&
      str(x['format']) &&
      typeof x['loaded'] === 'number' &&
      typeof x['byType'] === 'object' &&
      Array.isArray(x['rejected']) &&
      Array.isArray(x['unsupported'])
    );
  };
  const indicatorOk = (i: unknown) => {
    const x = i as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null) return false;
    if (!str(x['type']) || !TYPES.has(x['type']) || !str(x['value'])) return false;
    if (!str(x['raw']) || !str(x['id']) || !str(x['feed'])) return false;
    for (const k of ['source', 'date', 'note', 'scope', 'where'])
      if (x[k] !== undefined && !str(x[k])) return false;
    return x['confidence'] === undefined || typeof x['confidence'] === 'number';
  };
  return reports.every(reportOk) && indicators.every(indicatorOk);
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
