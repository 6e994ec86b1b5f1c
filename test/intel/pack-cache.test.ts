import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedJson, hashFiles } from '../../src/intel/pack-cache.ts';
import { cacheDir } from '../../src/io/cache-dir.js';
import { IntelIndex } from '../../src/intel/index.ts';
import { loadBuiltin } from '../../src/intel/builtin.ts';
import { commandsFor } from '../../src/cli/main.ts';

/** Runs fn with VIGIL_CACHE_DIR set to a fresh private folder. */
function withCache<T>(fn: (dir: string) => T): T {
  const root = mkdtempSync(join(tmpdir(), 'vigil-cache-test-'));
  const dir = join(root, 'cache');
  const before = process.env['VIGIL_CACHE_DIR'];
  process.env['VIGIL_CACHE_DIR'] = dir;
  try {
    return fn(dir);
  } finally {
    if (before === undefined) delete process.env['VIGIL_CACHE_DIR'];
    else process.env['VIGIL_CACHE_DIR'] = before;
    rmSync(root, { recursive: true, force: true });
  }
}

const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

test('a cache entry is used when intact, rebuilt when edited, invalid or keyed otherwise', () => {
  withCache((dir) => {
    let builds = 0;
    const build = () => (builds++, [1, 2, 3]);
    assert.deepEqual(cachedJson('t', 'k1', build, isNumbers), [1, 2, 3]);
    assert.deepEqual(cachedJson('t', 'k1', build, isNumbers), [1, 2, 3]);
    assert.equal(builds, 1);
    const [file] = readdirSync(dir).filter((f) => f.startsWith('t-'));
    const entry = join(dir, file!);
    // An edited payload (checksum no longer agrees): rebuilt, and rewritten.
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('[1,2,3]', '[6,6,6]'));
    assert.deepEqual(cachedJson('t', 'k1', build, isNumbers), [1, 2, 3]);
    assert.equal(builds, 2);
    // Well-formed and checksummed but failing validation: rebuilt.
    const reject = (v: unknown): v is number[] => isNumbers(v) && v[0] === 7;
    assert.deepEqual(
      cachedJson('t', 'k1', () => (builds++, [7]), reject),
      [7],
    );
    assert.equal(builds, 3);
    // Another key: its own entry.
    assert.deepEqual(
      cachedJson('t', 'k2', () => (builds++, [9]), isNumbers),
      [9],
    );
    assert.equal(builds, 4);
  });
});

test('the built-in packs load the same indicators, in the same order, from the cache', () => {
  withCache(() => {
    const a = new IntelIndex();
    const ra = loadBuiltin(a); // parses the packs and writes the cache
    const b = new IntelIndex();
    const rb = loadBuiltin(b); // reads the cache
    assert.ok(a.size > 100);
    assert.deepEqual(JSON.parse(JSON.stringify([...b.all()])), JSON.parse(JSON.stringify([...a.all()])));
    assert.deepEqual(rb, JSON.parse(JSON.stringify(ra)));
    assert.equal(b.logLineFilter('iis.w3c')?.source, a.logLineFilter('iis.w3c')?.source);
  });
});

test(
  'a cache folder others can write to is not used',
  { skip: !process.getuid && 'POSIX permissions only' },
  () => {
    withCache((dir) => {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      assert.equal(cacheDir(), null);
      chmodSync(dir, 0o700);
      assert.equal(cacheDir(), dir);
    });
  },
);

test('the pack key changes with any file it covers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hash-test-'));
  const f = join(dir, 'a.csv');
  writeFileSync(f, 'x');
  const k1 = hashFiles([f]);
  writeFileSync(f, 'y');
  assert.notEqual(hashFiles([f]), k1);
  rmSync(dir, { recursive: true, force: true });
});

test('a command line loads only the command it names', () => {
  assert.deepEqual(commandsFor(['exchange', 'hunt', 'x']), ['exchange']);
  assert.deepEqual(commandsFor(['--version']), []);
  const every = commandsFor(['--help']);
  for (const c of ['triage', 'exchange', 'mail', 'serve', 'case', 'token']) assert.ok(every.includes(c), c);
  assert.deepEqual(commandsFor(['exchnge']), every); // commander's suggestion needs every name
});
