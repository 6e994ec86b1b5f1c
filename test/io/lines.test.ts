import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineBatches } from '../../src/io/lines.ts';
import { chunked, collect } from '../support/paths.ts';

async function lines(text: string, size: number, max?: number) {
  const long: number[] = [];
  const batches = await collect(
    lineBatches(chunked(text, size), {
      ...(max ? { maxLineBytes: max } : {}),
      onLongLine: (l) => long.push(l),
    }),
  );
  const out: { no: number; text: string }[] = [];
  for (const b of batches) b.lines.forEach((t, i) => out.push({ no: b.firstLine + i, text: t }));
  return { out, long, batches };
}

test('lines survive every chunk boundary, CRLF and a missing final newline', async () => {
  const text = 'alpha\r\nbeta\n\ngamma δ\r\nlast';
  for (let size = 1; size <= text.length + 1; size++) {
    const { out } = await lines(text, size);
    assert.deepEqual(
      out.map((l) => l.text),
      ['alpha', 'beta', '', 'gamma δ', 'last'],
      `chunk size ${size}`,
    );
    assert.deepEqual(
      out.map((l) => l.no),
      [1, 2, 3, 4, 5],
    );
  }
});

test('byte offsets point at the start of each batch', async () => {
  const text = 'aa\nbbb\ncccc\n';
  const { batches } = await lines(text, 4);
  for (const b of batches) assert.equal(text.slice(b.firstOffset).split('\n')[0], b.lines[0]);
});

test('an over-long line is cut and reported, and the next line keeps its number', async () => {
  const text = `short\n${'x'.repeat(5000)}\nafter\n`;
  for (const size of [7, 100, 10000]) {
    const { out, long } = await lines(text, size, 1000);
    assert.deepEqual(
      out.map((l) => [l.no, l.text.length]),
      [
        [1, 5],
        [2, 1000],
        [3, 5],
      ],
      `chunk size ${size}`,
    );
    assert.deepEqual(long, [2]);
  }
});
