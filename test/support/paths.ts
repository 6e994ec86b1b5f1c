import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { test, type TestFn } from 'node:test';

export const REPO = join(import.meta.dirname, '..', '..');
/**
 * The shared research data (real formats, with provenance READMEs): ../shared/data beside the
 * clone, or wherever `VIGIL_DATA` points. A clone without it still passes `npm test`: every test
 * that reads it skips with `needData` as its reason.
 */
export const DATA = process.env['VIGIL_DATA']
  ? resolve(process.env['VIGIL_DATA'])
  : join(REPO, '..', 'shared', 'data');
export const EXAMPLE = join(REPO, 'examples', 'incident');
export const hasData = ['exchange', 'mail', 'sigma', 'sunburst'].every((d) => existsSync(join(DATA, d)));
/** `skip` option of a test that reads the shared data: false when present, else a one-line reason. */
export const needData: string | false = hasData
  ? false
  : `needs the shared test corpora: ${DATA} is missing or incomplete (set VIGIL_DATA to their folder)`;

/** A test that reads the shared data: skipped, with `needData` as its reason, when the data is absent. */
export function dataTest(name: string, fn: TestFn): void {
  void test(name, { skip: needData }, fn);
}

/** Collect an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Chunks of `data` cut at the given sizes (to test boundaries). */
export async function* chunked(data: Uint8Array | string, size: number): AsyncGenerator<Uint8Array> {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** Collect a reader's batches into one array of records. */
export async function records<T>(it: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}
