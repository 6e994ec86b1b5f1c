import { createRequire } from 'node:module';

/**
 * A module loaded the first time it is used, synchronously (Node 24 `require` loads ES modules
 * too): a start pays only for the parsers its input needs — YAML, XML, zip, YARA-X each cost
 * tens of milliseconds to load, and most runs use few of them.
 */
export function lazyModule<T>(parentUrl: string, id: string): () => T {
  let m: T | undefined;
  return () => (m ??= createRequire(parentUrl)(id) as T);
}
