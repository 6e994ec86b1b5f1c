import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { parseV4 } from '../../src/intel/index.ts';

test('parseV4 accepts exactly what net.isIP calls IPv4, with the right value', () => {
  const fixed = [
    '0.0.0.0',
    '255.255.255.255',
    '1.2.3.4',
    '192.0.2.77',
    '01.2.3.4',
    '1.2.3.04',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '1.2.3.4 ',
    '1.2.3.a',
    '1000.1.1.1',
    '',
    '::1',
    '::ffff:1.2.3.4',
  ];
  let s = 7;
  const r = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const alphabet = '0123456789..0255';
  const digits = () => Array.from({ length: 1 + r(3) }, () => '0123456789'[r(r(4) === 0 ? 10 : 3)]).join('');
  const random = Array.from({ length: 20000 }, (_, i) =>
    i % 2
      ? Array.from({ length: 1 + r(16) }, () => alphabet[r(alphabet.length)]).join('')
      : Array.from({ length: 3 + r(3) }, digits).join('.'),
  );
  for (const a of [...fixed, ...random]) {
    const n = parseV4(a);
    assert.equal(n >= 0, isIP(a) === 4, a);
    if (n >= 0)
      assert.equal(
        n,
        a.split('.').reduce((acc, p) => acc * 256 + Number(p), 0),
        a,
      );
  }
  assert.ok(random.filter((a) => isIP(a) === 4).length > 50, 'the random strings include valid addresses');
});
