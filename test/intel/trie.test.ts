import { test } from 'node:test';
import assert from 'node:assert/strict';
import { literalTrie } from '../../src/intel/index.ts';

test('literalTrie matches exactly what the plain alternation matches', () => {
  const words = [
    '103.77.192.219',
    '104.140.114.110',
    '104.250.191.110',
    '5.2.69.14',
    '5.254.43.18',
    '10.1',
    '10.1.2.3',
    'a.b|c',
    '(x)',
  ];
  const trie = new RegExp(literalTrie(words), 'g');
  const alt = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
  let seed = 3;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = '0123456789.|()abcx ';
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: 30 }, () =>
      rnd(6) ? alphabet[rnd(alphabet.length)] : words[rnd(words.length)],
    ).join('');
    const a = [...s.matchAll(alt)].map((m) => m.index);
    const t = [...s.matchAll(trie)].map((m) => m.index);
    assert.deepEqual(t.length > 0, a.length > 0, s);
    assert.equal(t[0], a[0], s);
  }
  assert.equal(literalTrie([]), '');
});
