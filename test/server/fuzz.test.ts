import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startServe, type Serving } from '../../src/server/serve.ts';
import { CMD, encode, optneg } from '../../src/server/milter/codec.ts';
import { MilterClient } from '../support/milter.ts';

/**
 * Hostile peers at the protocol level, for all three doors: garbage, truncated packets, lengths
 * that lie, oversized bodies, slow clients, abrupt disconnects. After each round the server is
 * still up, answers a normal request on a fresh connection, and its memory has not grown with
 * what the peers claimed to send.
 */
const MAX = 200_000;
// Short for the test; the event loop may be busy with a verdict for a while on a loaded machine.
const IDLE = 1500;
const MSG = Buffer.from(
  'From: Alice <alice@example.org>\r\nTo: bob@example.test\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\n\r\nhello bob\r\n',
);

/** Deterministic pseudo-random bytes (xorshift), so a failure can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
const rnd = prng(20261204);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}
/** Resolves with everything the server wrote once it closes the connection. */
function closedBy(s: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', () => {});
    s.on('close', () => resolve(Buffer.concat(got)));
  });
}
const portOf = (a: string) => Number(a.slice(a.lastIndexOf(':') + 1));

describe('protocol fuzz: the doors stay up, bounded, and other connections unaffected', () => {
  let serving: Serving;
  let milter: number;
  let rspamd: number;
  let spamd: number;
  before(async () => {
    serving = await startServe({
      milter: '127.0.0.1:0',
      rspamd: '127.0.0.1:0',
      spamd: '127.0.0.1:0',
      maxSize: MAX,
      idleMs: IDLE,
      log: process.env['FUZZ_LOG'] ?? '/dev/null',
      notice: () => {},
    });
    milter = portOf(serving.addresses['milter']!);
    rspamd = portOf(serving.addresses['rspamd']!);
    spamd = portOf(serving.addresses['spamd']!);
    await spamdWorks(); // the first verdict warms the engine up
  });
  after(async () => {
    await serving?.close(500);
  });

  async function milterWorks(): Promise<void> {
    const c = await MilterClient.open('127.0.0.1', milter);
    const o = await c.negotiate();
    assert.equal(o.version, 6);
    c.hello();
    const reply = await c.message({ from: 'alice@example.org', to: ['bob@example.test'], raw: MSG });
    assert.equal(reply.at(-1)!.cmd, 'a');
    assert.ok(reply.some((p) => p.cmd === 'h' && p.data.toString('latin1').startsWith('X-Vigil-Action\0')));
    c.quit();
  }
  async function rspamdWorks(): Promise<void> {
    const r = await fetch(`http://127.0.0.1:${rspamd}/checkv2`, { method: 'POST', body: MSG });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { action: string }).action, 'no action');
  }
  async function spamdWorks(): Promise<void> {
    const s = await raw(spamd);
    const done = closedBy(s);
    s.end(Buffer.concat([Buffer.from(`CHECK SPAMC/1.5\r\nContent-length: ${MSG.length}\r\n\r\n`), MSG]));
    assert.match((await done).toString(), /^SPAMD\/1\.1 0 EX_OK\r\nSpam: False ; [\d.]+ \/ 3\.0\r\n\r\n$/);
  }
  const allWork = () => Promise.all([milterWorks(), rspamdWorks(), spamdWorks()]);

  it('milter: garbage, lying lengths, early commands, truncation, random packets, disconnects', async () => {
    const cases: Buffer[] = [
      bytes(64),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x4f]), // 2 GiB claimed: refused before buffering
      Buffer.from([0, 0, 0, 0]), // length 0
      encode(CMD.MAIL, '<a@b>\0'), // before negotiation
      encode(CMD.BODYEOB), // end of message before negotiation
      Buffer.concat([optneg(6, 0x1ff, 0x1fffff), encode('Z', 'what')]), // unknown command
      Buffer.concat([optneg(1, 0, 0)]), // too old
      Buffer.from([0, 0, 0, 13, 0x4f, 0, 0]), // truncated OPTNEG, then the peer leaves
    ];
    for (let i = 0; i < 30; i++)
      cases.push(Buffer.concat([optneg(6, 0x1ff, 0x1fffff), bytes(1 + Math.floor(rnd() * 300))]));
    // Well-framed packets with random commands and contents.
    for (let i = 0; i < 30; i++) {
      const pk: Buffer[] = [optneg(6, 0x1ff, 0x1fffff)];
      for (let j = 0; j < 20; j++)
        pk.push(encode('ABCDHLMNORTU'[Math.floor(rnd() * 12)]!, bytes(Math.floor(rnd() * 40))));
      cases.push(Buffer.concat(pk));
    }
    await Promise.all(
      cases.map(async (c) => {
        const s = await raw(milter);
        const done = closedBy(s);
        s.write(c);
        setTimeout(() => s.destroy(), 50 + Math.floor(rnd() * 100)); // abrupt disconnect, or server closed first
        await done;
      }),
    );
    await allWork();
  });

  it('milter: an oversized body gets the failure policy and is not kept', async () => {
    const c = await MilterClient.open('127.0.0.1', milter);
    await c.negotiate();
    c.hello();
    const big = Buffer.concat([MSG, Buffer.alloc(3 * MAX, 'x')]);
    const reply = await c.message({ from: 'a@example.org', to: ['b@example.test'], raw: big });
    assert.equal(reply.at(-1)!.cmd, 'a');
    assert.ok(
      reply.some((p) => p.cmd === 'h' && p.data.toString('latin1') === 'X-Vigil-Unscanned\0oversize\0'),
    );
    // The same connection goes on with the next message.
    const next = await c.message({ from: 'a@example.org', to: ['b@example.test'], raw: MSG });
    assert.ok(
      next.some((p) => p.cmd === 'h' && p.data.toString('latin1').startsWith('X-Vigil-Action\0no_action')),
    );
    c.quit();
  });

  it('rspamd: garbage, lying Content-Length, oversize, slow headers', async () => {
    const hostile = [
      bytes(200),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n' + 'X: y\r\n'.repeat(20000)),
      Buffer.from('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\nabc'),
      Buffer.from('POST /checkv2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\nab'),
      Buffer.from('POST /checkv2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\nabcde'),
      Buffer.from('POST /checkv2 HTTP/1.1\r\nHo'), // slow: never finishes its headers
    ];
    await Promise.all(
      hostile.map(async (h) => {
        const s = await raw(rspamd);
        const done = closedBy(s);
        s.write(h);
        await done; // the server ends every one of them (error reply or idle timeout)
      }),
    );
    // Oversize: the policy answer, without reading the rest.
    const r = await fetch(`http://127.0.0.1:${rspamd}/checkv2`, {
      method: 'POST',
      body: Buffer.alloc(3 * MAX, 'a'),
    });
    const j = (await r.json()) as {
      action: string;
      vigil_action: string;
      symbols: Record<string, { options: string[] }>;
    };
    assert.equal(j.action, 'no action');
    assert.equal(j.vigil_action, 'unscanned');
    assert.equal(j.symbols['VIGIL_UNSCANNED']!.options[0], 'oversize');
    await allWork();
  });

  it('spamd: garbage, bad methods, lying Content-length, oversize, slow clients', async () => {
    const answers = await Promise.all(
      [
        bytes(100),
        Buffer.from('FOO SPAMC/1.5\r\n\r\n'),
        Buffer.from('CHECK SPAMC/1.5\r\nContent-length: abc\r\n\r\n'),
        Buffer.from('CHECK SPAMC/1.5\r\nContent-length: 5000\r\n\r\nshort'), // then end: fewer bytes than claimed
        Buffer.from(`CHECK SPAMC/1.5\r\n${'X: y\r\n'.repeat(300)}\r\n`),
        Buffer.from('CHECK SPAMC/1.5\r\nCompress: zlib\r\nContent-length: 5\r\n\r\nnotzl'),
        Buffer.from('CHECK SPAMC/1.5\r\nCompress: zlib\r\n\r\n'),
      ].map(async (h) => {
        const s = await raw(spamd);
        const done = closedBy(s);
        s.end(h);
        return (await done).toString('latin1');
      }),
    );
    for (const a of answers) assert.match(a, /^SPAMD\/1\.0 (76|65) /, a);
    // Lying Content-length, and the client stays silent: the idle timeout ends it.
    const slow = await raw(spamd);
    const slowDone = closedBy(slow);
    slow.write('CHECK SPAMC/1.5\r\nContent-length: 150000000000\r\n\r\n');
    const partial = await raw(spamd);
    const partialDone = closedBy(partial);
    partial.write('CHECK SPAMC/1.5\r\nContent-le');
    // Oversize by declaration: the policy answer, without reading the message.
    const big = await raw(spamd);
    const bigDone = closedBy(big);
    big.write(`SYMBOLS SPAMC/1.5\r\nContent-length: ${3 * MAX}\r\n\r\n`);
    assert.match(
      (await bigDone).toString(),
      /^SPAMD\/1\.1 0 EX_OK\r\nContent-length: 0\r\nSpam: False ; 0\.0 \/ 3\.0/,
    );
    await Promise.all([slowDone, partialDone]);
    // TELL: Vigil says it does not learn.
    const tell = await raw(spamd);
    const tellDone = closedBy(tell);
    tell.end(
      Buffer.concat([
        Buffer.from(
          `TELL SPAMC/1.5\r\nMessage-class: spam\r\nSet: local\r\nContent-length: ${MSG.length}\r\n\r\n`,
        ),
        MSG,
      ]),
    );
    assert.match((await tellDone).toString(), /^SPAMD\/1\.0 69 TELL is not supported: Vigil does not learn/);
    await allWork();
  });

  it('memory stays bounded under many hostile connections while normal requests are served', async () => {
    const before = process.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        ...Array.from({ length: 20 }, async () => {
          const s = await raw(milter);
          const done = closedBy(s);
          // Claims a 1 MiB header packet, sends 512 KiB of it, leaves.
          const head = Buffer.alloc(5);
          head.writeUInt32BE(1024 * 1024, 0);
          head[4] = 0x4c;
          s.write(Buffer.concat([optneg(6, 0x1ff, 0x1fffff), head, Buffer.alloc(512 * 1024)]));
          setTimeout(() => s.destroy(), 20);
          await done;
        }),
        ...Array.from({ length: 20 }, async () => {
          const s = await raw(spamd);
          const done = closedBy(s);
          s.write(`CHECK SPAMC/1.5\r\nContent-length: ${MAX - 1}\r\n\r\n`);
          s.write(Buffer.alloc(MAX / 2));
          setTimeout(() => s.destroy(), 20);
          await done;
        }),
        allWork(),
      ]);
    }
    global.gc?.();
    const grown = process.memoryUsage().rss - before;
    // 200 hostile connections claimed ≥ 100 MiB; what stays must be far less.
    assert.ok(grown < 96 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1048576)} MiB`);
    await allWork();
  });
});
