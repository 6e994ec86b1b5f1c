import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../io/cache-dir.js';

/** Cache entries larger than this are not read (the built-in packs parse to ~0.2 MB). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** SHA-256 over the names and contents of files: the key of what is built from them. */
export function hashFiles(paths: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of paths) {
    const body = readFileSync(p);
    h.update(`${p}\0${body.length}\0`);
    h.update(body);
  }
  return h.digest('hex');
}

/**
 * `build()`'s JSON-able result, cached in Vigil's cache folder under `name` and `key`. An entry is
 * used only when its checksum, its key and `valid` all agree; anything else (missing, truncated,
 * edited, from another version) is rebuilt and rewritten. Writing is atomic (temporary file and
 * rename) and failures to write are ignored: the cache only saves time.
 */
export function cachedJson<T>(
  name: string,
  key: string,
  build: () => T | null,
  valid: (v: unknown) => v is T,
): T | null {
  const dir = cacheDir();
  const file = dir ? join(dir, `${name}-${key.slice(0, 32)}.json`) : null;
  if (file) {
    const hit = readEntry(file, key);
    if (hit !== undefined && valid(hit)) return hit;
  }
  const value = build();
  if (file && value !== null) {
    try {
      const payload = JSON.stringify({ key, value });
      const sum = createHash('sha256').update(payload).digest('hex');
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${sum}\n${payload}`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // A read-only or full disk: run without the cache.
    }
  }
  return value;
}

function readEntry(file: string, key: string): unknown {
  try {
    if (statSync(file).size > MAX_ENTRY_BYTES) return undefined;
    const text = readFileSync(file, 'utf8');
    const nl = text.indexOf('\n');
    const payload = text.slice(nl + 1);
    if (nl !== 64 || createHash('sha256').update(payload).digest('hex') !== text.slice(0, nl))
      return undefined;
    const doc = JSON.parse(payload) as { key?: unknown; value?: unknown };
    return doc.key === key ? doc.value : undefined;
  } catch {
    return undefined;
  }
}
