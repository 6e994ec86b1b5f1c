import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeMessage } from '../../src/mail/analyze.ts';
import { analyzeOptions } from '../../src/mail/detector.ts';
import { resolveLink } from '../../src/mail/resolve.ts';
import { message } from '../../scripts/lib/mailfix.ts';

/** A click tracker and a landing site on 127.0.0.1, as the NOBELIUM chain was: tracker → personalised page → ISO. */
async function site() {
  let bodyRequests = 0;
  const server = createServer((req, res) => {
    const u = req.url ?? '/';
    if (u.startsWith('/tn.jsp')) res.writeHead(302, { Location: '/d/analyst@ministry.example' }).end();
    else if (u.startsWith('/d/')) res.writeHead(302, { Location: '/files/ICA-declass.iso' }).end();
    else if (u.startsWith('/files/')) {
      if (req.method === 'GET') bodyRequests++;
      res
        .writeHead(200, { 'Content-Type': 'application/x-iso9660-image' })
        .end(req.method === 'GET' ? Buffer.alloc(1 << 20) : undefined);
    } else if (u.startsWith('/loop')) res.writeHead(302, { Location: '/loop' }).end();
    else if (u.startsWith('/head-refused')) {
      if (req.method === 'HEAD') res.writeHead(405).end();
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>ok</html>');
    } else if (u.startsWith('/slow')) setTimeout(() => res.writeHead(200).end(), 3000);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, 'localhost', r));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () => new Promise<void>((r) => server.close(() => r())),
    bodyRequests: () => bodyRequests,
  };
}

test('--resolve-links: a tracked link followed to an ISO download on a personalised page; limits hold', async () => {
  const s = await site();
  try {
    const raw = message({
      headers: {
        From: 'USAID <ashainfo@usaid.gov>',
        To: 'analyst@ministry.example',
        Subject: 'USAID Special Alert!',
        'Return-Path': '<x_1133104752381_y@in.constantcontact.com>',
        'X-CTCT-ID': 'b1e9',
        'DKIM-Signature': 'v=1; d=auth.ccsend.com; s=1; b=x',
        Date: 'Tue, 25 May 2021 14:02:10 +0000',
      },
      html: `<p>New documents on election fraud.</p><a href="${s.base}/tn.jsp?f=001abc">View documents</a>`,
    });
    const offline = await analyzeMessage(raw, analyzeOptions({}, undefined));
    // The test site is on loopback, which the resolver refuses unless told otherwise.
    const refused = await resolveLink(`${s.base}/tn.jsp`);
    assert.match(refused.error ?? '', /private address|resolves only to private addresses/);
    const online = await analyzeMessage(raw, {
      ...analyzeOptions({ resolveLinks: 5 }, undefined),
      resolveLinks: { maxLinks: 5, allowPrivate: true },
    });
    assert.ok(!offline.signals.some((x) => x.name === 'URL_SERVES_DISK_IMAGE'));
    const serves = online.signals.find((x) => x.name === 'URL_SERVES_DISK_IMAGE');
    assert.ok(serves, online.signals.map((x) => x.name).join(','));
    assert.equal(serves.evidence['landing'], `${s.base}/files/ICA-declass.iso`);
    assert.equal(serves.evidence['hops'], 2);
    assert.equal(online.links[0]!.landing, `${s.base}/files/ICA-declass.iso`);
    assert.ok(online.score >= offline.score + 5);
    assert.equal(s.bodyRequests(), 0, 'HEAD only: no body was downloaded');

    assert.equal((await resolveLink(`${s.base}/loop`, { allowPrivate: true })).error, 'redirect loop');
    assert.deepEqual(
      await resolveLink(`${s.base}/head-refused`, { allowPrivate: true }).then((r) => [
        r.status,
        r.contentType,
      ]),
      [200, 'text/html'],
      'GET when HEAD is refused',
    );
    assert.match(
      (await resolveLink(`${s.base}/slow`, { timeoutMs: 300, allowPrivate: true })).error ?? '',
      /no answer within 300 ms/,
    );
    assert.match(
      (await resolveLink(`${s.base}/tn.jsp`, { maxHops: 1, allowPrivate: true })).error ?? '',
      /more than 1 redirects/,
    );
  } finally {
    await s.close();
  }
});

test('--resolve-links never follows a link into private, loopback or metadata addresses', async () => {
  for (const u of [
    'http://127.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/',
    'http://[::1]/',
    'http://192.168.0.1/admin',
  ]) {
    assert.match((await resolveLink(u, { timeoutMs: 500 })).error ?? '', /private address: not followed/, u);
  }
});
