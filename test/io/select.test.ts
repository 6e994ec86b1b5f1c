import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineBatches } from '../../src/io/lines.ts';
import { chunkSearchers, selectedLineBatches, topLevelAlternatives } from '../../src/io/select.ts';
import { chunked, collect } from '../support/paths.ts';

/**
 * Chunk-level selection must keep exactly the lines a per-line filter keeps (plus `#` lines),
 * with the same numbers, whatever the chunk boundaries, line endings and encodings.
 */
async function perLine(text: string, size: number, filters: RegExp[], max?: number) {
  const out: [number, string][] = [];
  for (const b of await collect(lineBatches(chunked(text, size), max ? { maxLineBytes: max } : {}))) {
    b.lines.forEach((l, i) => {
      if (l.startsWith('#') || filters.some((f) => f.test(l))) out.push([b.firstLine + i, l]);
    });
  }
  return out;
}

async function selected(text: string, size: number, filters: RegExp[], max?: number) {
  const searchers = chunkSearchers(filters);
  assert.ok(searchers, 'filters can run over chunks');
  const out: [number, string][] = [];
  for (const b of await collect(
    selectedLineBatches(chunked(text, size), searchers, max ? { maxLineBytes: max } : {}),
  )) {
    // Selection may over-select (a superset); the reader applies the exact filter afterwards.
    b.lines.forEach((l, i) => {
      if (l.startsWith('#') || filters.some((f) => f.test(l))) out.push([b.numbers![i]!, l]);
    });
  }
  return out;
}

test('selected lines and their numbers equal a per-line filter at every chunk size', async () => {
  const filters = [
    /autodiscover\.json/i,
    /aspnet_client|\/owa\/auth\/|\/ecp\//i,
    /(?:10\.1\.2\.3|192\.0\.2\.77)|(?:python-requests\/2\.25\.1)/i,
  ];
  const lines = [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Fields: date time cs-method cs-uri-stem c-ip',
    '2021-03-03 00:00:01 GET /owa/ 10.9.9.9',
    '2021-03-03 00:00:02 POST /AutoDiscover/autodiscover.JSON 192.0.2.77',
    'plain line',
    '',
    'ümlaut ✓ /ecp/x.js 10.1.2.3',
    '2021-03-03 00:00:03 GET /x 10.1.2.30',
    '#Fields: date time',
    'python-requests/2.25.1\r',
    'last without newline /OWA/auth/logon.aspx',
  ];
  const text = lines.join('\n');
  const want = await perLine(text, 1 << 20, filters);
  assert.deepEqual(
    want.map(([n]) => n),
    [1, 2, 4, 7, 8, 9, 10, 11],
  );
  for (let size = 1; size <= 64; size++)
    assert.deepEqual(await selected(text, size, filters), want, `chunk size ${size}`);
  assert.deepEqual(await selected(text, 1 << 20, filters), want);
});

test('random logs: selection equals the per-line filter (hits at chunk edges, CRLF, UTF-8)', async () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const words = [
    'GET',
    'POST',
    '/owa/auth/x',
    '/ecp/',
    'autodiscover.json',
    'ServerInfo~',
    '10.1.2.3',
    'x',
    'é',
    '#',
    'aspnet_client',
    '  ',
  ];
  const filters = [
    /server(?:info)?~/i,
    /autodiscover\.json/i,
    /aspnet_client|\/owa\/auth\/|\/ecp\//i,
    /(?:10\.1\.2\.3)/,
  ];
  for (let round = 0; round < 40; round++) {
    const text =
      Array.from(
        { length: 60 },
        () =>
          Array.from({ length: rnd(8) }, () => words[rnd(words.length)]).join(rnd(3) ? ' ' : '') +
          (rnd(5) ? '' : '\r'),
      ).join('\n') + (rnd(2) ? '\n' : '');
    const want = await perLine(text, 1 << 20, filters);
    for (const size of [1 + rnd(7), 8 + rnd(64), 200])
      assert.deepEqual(await selected(text, size, filters), want, `round ${round}, chunk ${size}`);
  }
});

test('an over-long line is cut and reported once; the lines after it keep their numbers', async () => {
  const text = `#Fields: a\nServerInfo~ ${'x'.repeat(5000)}\nafter ServerInfo~\n`;
  for (const size of [7, 100, 10000]) {
    const long: number[] = [];
    const out: [number, number][] = [];
    for (const b of await collect(
      selectedLineBatches(chunked(text, size), chunkSearchers([/serverinfo~/i])!, {
        maxLineBytes: 1000,
        onLongLine: (l) => long.push(l),
      }),
    ))
      b.lines.forEach((l, i) => out.push([b.numbers![i]!, l.length]));
    assert.deepEqual(
      out,
      [
        [1, 10],
        [2, 1000],
        [3, 17],
      ],
      `chunk size ${size}`,
    );
    assert.deepEqual(long, [2]);
  }
});

test('filters that mean something else over a chunk are refused; alternations split at the top level only', () => {
  assert.equal(chunkSearchers([/^GET /]), null);
  assert.equal(chunkSearchers([/foo$/]), null);
  assert.equal(chunkSearchers([/a\sb/]), null);
  assert.equal(chunkSearchers([/[^x]y/]), null);
  assert.deepEqual(chunkSearchers([/(?!)/]), []);
  assert.deepEqual(topLevelAlternatives('a|(b|c)|[|]|d\\|e'), ['a', '(b|c)', '[|]', 'd\\|e']);
  assert.deepEqual(
    chunkSearchers([/(?:1\.2\.3\.4|5\.6\.7\.8)|(?:evil\/1\.0)/i])!.map((r) => r.flags),
    ['g', 'gi'],
  );
});
