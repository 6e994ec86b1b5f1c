import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:net';
import { ImapFlow } from 'imapflow';
import { Dovecot, hasDovecot, MASTER } from '../support/dovecot.ts';
import { vigilAsync } from '../support/cli.ts';
import { DATA, hasData } from '../support/paths.ts';
import { newsletterCopy, nobeliumCopy, type Recipient } from '../../scripts/lib/campaigns.ts';
import { message } from '../../scripts/lib/mailfix.ts';
import { applyMoves } from '../../src/mail/hunt/apply.ts';
import { messageUrl } from '../../src/mail/imap/url.ts';

/**
 * The retro-hunt against a real Dovecot: six organisations, two mailboxes each, the agency's
 * newsletter in every inbox and NOBELIUM's lure in eleven of them; indicators "published later"
 * find every copy; --apply moves exactly those.
 */
const skip = hasDovecot ? false : 'needs Debian dovecot-imapd (/usr/sbin/dovecot) and root';
const dove = new Dovecot();
const PW = (i: number) => `pw-${i}-secret`;
const users: Recipient[] = [];
for (let o = 0; o < 6; o++)
  for (const [k, n] of [
    ['anna', 'Anna Meyer'],
    ['boris', 'Boris Novak'],
  ] as const)
    users.push({ org: `org${o}`, address: `${k}.${o}@org${o}.example`, name: n });
const corpus = hasData
  ? readdirSync(join(DATA, 'mail', 'modern-ham-dev'))
      .filter((f) => f.endsWith('.eml'))
      .slice(0, 3)
  : [];
let tmp = '';
let accountsFile = '';
let intelFile = '';
const proxies: Server[] = [];

type Snapshot = Map<string, { mailbox: string; uid: number; flags: string; messageId: string }[]>;

async function snapshot(): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const u of users) {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: dove.port,
      secure: false,
      auth: { user: u.address, pass: PW(users.indexOf(u)) },
      logger: false,
      disableAutoIdle: true,
    });
    await c.connect();
    const rows: { mailbox: string; uid: number; flags: string; messageId: string }[] = [];
    for (const f of await c.list()) {
      const box = await c.mailboxOpen(f.path, { readOnly: true });
      if (!box.exists) continue;
      for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true }, { uid: true }))
        rows.push({
          mailbox: f.path,
          uid: m.uid,
          flags: [...(m.flags ?? [])]
            .filter((x) => x !== '\\Recent')
            .sort()
            .join(' '),
          messageId: m.envelope?.messageId ?? '',
        });
    }
    await c.logout();
    out.set(
      u.address,
      rows.sort((a, b) => (a.mailbox + a.uid < b.mailbox + b.uid ? -1 : 1)),
    );
  }
  return out;
}

before(async () => {
  if (skip) return;
  tmp = dove.dir;
  users.forEach((u, i) => dove.addUser(u.address, PW(i)));
  dove.addUser('carol@org6.example', 'the-real-password');
  dove.addUser('big@org7.example', 'bigpw');
  dove.addUser('slow@org8.example', 'slowpw');
  users.forEach((u, i) => {
    dove.deliver(u.address, 'INBOX', [{ raw: newsletterCopy(u, i), flags: i % 2 ? 'S' : '' }]);
    if (i < 11)
      dove.deliver(u.address, i === 1 ? 'Archive' : 'INBOX', [
        { raw: nobeliumCopy(u, i), ...(i === 0 ? { flags: 'FS' } : {}) },
      ]);
  });
  // A message the user deleted but did not expunge: a plain EXPUNGE would remove it.
  dove.deliver(users[2]!.address, 'INBOX', [
    {
      raw: message({
        headers: { From: 'a@b.example', To: users[2]!.address, Subject: 'old', 'Message-ID': '<deleted@b>' },
        text: 'bye',
      }),
      flags: 'T',
    },
  ]);
  // Received in June: the only message a hunt --since 2021-06-01 reads.
  dove.deliver(users[11]!.address, 'INBOX', [
    {
      raw: message({
        headers: {
          From: 'june@b.example',
          To: users[11]!.address,
          Subject: 'june',
          'Message-ID': '<june@b>',
        },
        text: 'later',
      }),
      date: new Date('2021-06-10T09:00:00Z'),
    },
  ]);
  for (const f of corpus)
    dove.deliver(users[3]!.address, 'INBOX', [
      { raw: readFileSync(join(DATA, 'mail', 'modern-ham-dev', f)) },
    ]);
  // Bad input: a 60 MB message and broken MIME in one account; many 40 KB messages in another.
  const big = Buffer.alloc(45 * 1024 * 1024, 'A');
  dove.deliver('big@org7.example', 'INBOX', [
    {
      raw: message({
        headers: { From: 'x@big.example', To: 'big@org7.example', Subject: 'big', 'Message-ID': '<big@x>' },
        text: 'see attachment',
        attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data: big }],
      }),
    },
    {
      raw: Buffer.from(
        'From: broken@x.example\r\nTo: big@org7.example\r\nSubject: =?utf-8?B?broken\r\nMessage-ID: <broken@x>\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64<<<\r\n--zz\r\nContent-Type: multipart/alternative; boundary=\r\n\r\n',
      ),
    },
  ]);
  dove.deliver(
    'slow@org8.example',
    'INBOX',
    Array.from({ length: 30 }, (_, i) => ({
      raw: message({
        headers: {
          From: 'n@x.example',
          To: 'slow@org8.example',
          Subject: `n${i}`,
          'Message-ID': `<slow${i}@x>`,
        },
        text: `${'lorem ipsum '.repeat(3500)}${i}`,
      }),
    })),
  );
  await dove.start();
  process.env['VIGIL_TEST_PW_8'] = PW(8);
  accountsFile = join(tmp, 'accounts.csv');
  writeFileSync(
    accountsFile,
    [
      'org,user,password,url',
      ...users.map((u, i) =>
        i >= 4 && i < 8
          ? `${u.org},${u.address}*${MASTER.user},${MASTER.password},`
          : i === 8
            ? `${u.org},${u.address},env:VIGIL_TEST_PW_8,`
            : `${u.org},${u.address},${PW(i)},`,
      ),
      'org6,carol@org6.example,wrong-password,',
      '',
    ].join('\n'),
  );
  intelFile = join(tmp, 'mstic-later.csv');
  writeFileSync(intelFile, 'type,value,comment\nemail,ashainfo@usaid.gov,NOBELIUM sender\n');
});

after(async () => {
  for (const p of proxies) p.close();
  if (!skip) await dove.dispose();
});

interface F {
  rule: string;
  source: { path: string };
  evidence: Record<string, unknown>;
}
const parse = (s: string): F[] =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as F);

test(
  'retro-hunt: indicators published later find every delivered copy; reading changes nothing',
  { skip },
  async () => {
    const beforeState = await snapshot();
    const purge = join(tmp, 'purge.csv');
    const out = join(tmp, 'hunt.jsonl');
    const r = await vigilAsync([
      'mail',
      'hunt',
      `imap://127.0.0.1:${dove.port}`,
      '--accounts',
      accountsFile,
      '--intel',
      intelFile,
      '--purge-list',
      purge,
      '--format',
      'jsonl',
      '--out',
      out,
      '--concurrency',
      '3',
    ]);
    assert.equal(r.code, 1, r.stderr);
    // The wrong password is reported; the other twelve accounts were read.
    assert.match(r.stderr, /org6\/carol@org6\.example at imap:\/\/127\.0\.0\.1:\d+: login failed/);
    assert.match(r.stderr, /mail hunt: \d+ messages from 0 files and 12 accounts \(1 accounts failed\)/);
    assert.deepEqual(await snapshot(), beforeState, 'no flag (\\Seen) and no message changed by the hunt');

    const fs = parse(readFileSync(out, 'utf8'));
    const verdicts = fs.filter((f) => f.rule === 'mail.verdict');
    assert.equal(verdicts.length, 12 + 11 + 1 + 1 + corpus.length);
    const lureIds = new Set<string>();
    const expected: string[] = [];
    for (const [user, rows] of beforeState)
      for (const m of rows)
        if (m.messageId.startsWith('<1140728754828.')) {
          lureIds.add(m.messageId);
          const u = users.find((x) => x.address === user)!;
          expected.push(`${u.org},${user},${m.mailbox},${m.uid}`);
        }
    assert.equal(expected.length, 11);
    // Every verdict names its message by an RFC 5092 URL with the server's UIDVALIDITY.
    const v0 = verdicts.find(
      (f) =>
        f.evidence['user'] === users[0]!.address &&
        f.evidence['mailbox'] === 'INBOX' &&
        lureIds.has(f.evidence['messageId'] as string),
    )!;
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: dove.port,
      secure: false,
      auth: { user: users[0]!.address, pass: PW(0) },
      logger: false,
    });
    await c.connect();
    const st = (await c.status('INBOX', { uidValidity: true })) as { uidValidity: bigint };
    await c.logout();
    assert.equal(v0.evidence['uidValidity'], String(st.uidValidity));
    assert.equal(
      v0.source.path,
      messageUrl(
        { secure: false, host: '127.0.0.1', port: dove.port },
        users[0]!.address,
        'INBOX',
        st.uidValidity,
        v0.evidence['uid'] as number,
      ),
    );
    assert.match(
      v0.source.path,
      /^imap:\/\/anna\.0%40org0\.example@127\.0\.0\.1:\d+\/INBOX;UIDVALIDITY=\d+\/;UID=\d+$/,
    );
    // The master-user login is reported as written in the accounts file.
    assert.ok(verdicts.some((f) => f.evidence['user'] === `${users[4]!.address}*hunter`));

    const lure = fs.find(
      (f) => f.rule === 'mail.campaign' && (f.evidence['subjects'] as string[])[0] === 'USAID Special Alert!',
    )!;
    assert.equal(lure.evidence['size'], 11);
    assert.deepEqual(lure.evidence['orgs'], ['org0', 'org1', 'org2', 'org3', 'org4', 'org5']);
    assert.equal(lure.evidence['action'], 'reject');
    assert.equal(lure.evidence['signal'], 'CAMPAIGN_IOC');
    const news = fs.find(
      (f) =>
        f.rule === 'mail.campaign' && (f.evidence['subjects'] as string[])[0]!.startsWith('USAID Weekly'),
    )!;
    assert.equal(news.evidence['size'], 12);
    assert.equal(news.evidence['action'], 'no_action');

    const rows = readFileSync(purge, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'org,user,mailbox,uid,message_id,campaign,action,reason');
    const got = rows.slice(1).map((l) => l.split(','));
    assert.deepEqual(got.map((x) => x.slice(0, 4).join(',').replace('*hunter', '')).sort(), expected.sort());
    for (const x of got) {
      assert.equal(x[5], lure.evidence['campaign']);
      assert.equal(x[6], 'reject');
      assert.ok(lureIds.has(x[4]!));
    }
  },
);

test('bad input: a connection cut mid-FETCH, a 60 MB message, broken MIME', { skip }, async () => {
  // A proxy that forwards to Dovecot and cuts the stream after 60 KB from the server (inside the FETCH).
  const proxy = createServer((client) => {
    const server = connect(dove.port, '127.0.0.1');
    let sent = 0;
    client.pipe(server);
    server.on('data', (b: Buffer) => {
      sent += b.length;
      if (sent > 60_000) {
        client.destroy();
        server.destroy();
      } else client.write(b);
    });
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
  });
  proxies.push(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const proxyPort = (proxy.address() as { port: number }).port;
  const acc = join(tmp, 'bad.csv');
  writeFileSync(
    acc,
    `org,user,password,url\norg8,slow@org8.example,slowpw,imap://127.0.0.1:${proxyPort}\norg7,big@org7.example,bigpw,\n`,
  );
  const out = join(tmp, 'bad.jsonl');
  const r = await vigilAsync([
    'mail',
    'hunt',
    `imap://127.0.0.1:${dove.port}`,
    '--accounts',
    acc,
    '--format',
    'jsonl',
    '--out',
    out,
  ]);
  assert.match(
    r.stderr,
    /org8\/slow@org8\.example at imap:\/\/127\.0\.0\.1:\d+: .*\(in INBOX, after \d+ messages; the rest of this account was not read\)/,
  );
  assert.match(r.stderr, /12? ?accounts|1 accounts failed/);
  const fs = parse(readFileSync(out, 'utf8')).filter((f) => f.rule === 'mail.verdict');
  const big = fs.filter((f) => f.evidence['user'] === 'big@org7.example');
  assert.deepEqual(big.map((f) => f.evidence['messageId']).sort(), ['<big@x>', '<broken@x>']);
  const bigv = big.find((f) => f.evidence['messageId'] === '<big@x>')!;
  assert.ok((bigv.evidence['attachments'] as { size: number }[])[0]!.size === 45 * 1024 * 1024);
  const slow = fs.filter((f) => f.evidence['user'] === 'slow@org8.example');
  assert.ok(slow.length < 30, `${slow.length} messages read before the cut`);
  assert.equal(r.code, 2, 'an account could not be fully read and nothing reached --fail-on');
});

test(
  'TLS with a self-signed certificate: refused by default, accepted with --insecure',
  { skip },
  async () => {
    const tls = new Dovecot();
    try {
      tls.addUser('big@org7.example', 'bigpw');
      tls.deliver('big@org7.example', 'INBOX', [{ raw: nobeliumCopy(users[0]!, 0) }]);
      await tls.start({ tls: true });
      const tlsAcc = join(tmp, 'tls.csv');
      writeFileSync(tlsAcc, `org,user,password\norg7,big@org7.example,bigpw\n`);
      const args = ['mail', 'hunt', `imaps://127.0.0.1:${tls.tlsPort}`, '--accounts', tlsAcc, '-f', 'jsonl'];
      const refused = await vigilAsync(args);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /big@org7\.example at imaps:\/\/127\.0\.0\.1:\d+: self[- ]signed certificate/i,
      );
      const accepted = await vigilAsync([...args, '--insecure']);
      assert.match(accepted.stderr, /1 messages from 0 files and 1 accounts;/);
      assert.equal(parse(accepted.stdout).filter((f) => f.rule === 'mail.verdict').length, 1);
    } finally {
      await tls.dispose();
    }
  },
);

const isLure = (m: { messageId: string }) => m.messageId.startsWith('<1140728754828.');

test(
  '--apply skips messages whose UIDVALIDITY changed or whose UID is gone, and changes nothing then',
  { skip },
  async () => {
    const u = users[11]!;
    const beforeState = await snapshot();
    const inbox = beforeState.get(u.address)!.find((m) => m.mailbox === 'INBOX')!;
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: dove.port,
      secure: false,
      auth: { user: u.address, pass: PW(11) },
      logger: false,
    });
    await c.connect();
    const st = (await c.status('INBOX', { uidValidity: true })) as { uidValidity: bigint };
    await c.logout();
    const item = (uid: number, uidValidity: string) =>
      ({
        ref: { path: 'x', org: u.org, user: u.address, mailbox: 'INBOX', uid, uidValidity },
        verdict: { messageId: '<x>' },
      }) as never;
    const events: { uid: number; outcome: string; reason?: string }[] = [];
    const failures: string[] = [];
    await applyMoves(
      [
        {
          task: {
            account: { org: u.org, user: u.address, password: PW(11), line: 2 },
            server: { secure: false, host: '127.0.0.1', port: dove.port },
          },
          items: [
            item(inbox.uid + 1000, String(st.uidValidity)),
            item(inbox.uid, String(st.uidValidity + 1n)),
          ],
        },
      ],
      'Quarantine',
      { concurrency: 1 },
      (e) => events.push(e),
      (a, m) => failures.push(`${a}: ${m}`),
    );
    assert.deepEqual(failures, []);
    assert.deepEqual(
      events.map((e) => [e.uid, e.outcome, e.reason?.replace(/\(.*\)/, '(…)')]).sort(),
      [
        [
          inbox.uid,
          'skipped',
          'UIDVALIDITY changed since the scan (…): UIDs no longer name the same messages',
        ],
        [inbox.uid + 1000, 'skipped', 'the message is no longer in the mailbox'],
      ].sort(),
    );
    assert.deepEqual(await snapshot(), beforeState);
  },
);

test(
  '--apply move:Quarantine moves exactly the purge list, keeps flags, and changes nothing else',
  { skip },
  async () => {
    const beforeState = await snapshot();
    const r = await vigilAsync([
      'mail',
      'hunt',
      `imap://127.0.0.1:${dove.port}`,
      '--accounts',
      accountsFile,
      '--intel',
      intelFile,
      '--format',
      'jsonl',
      '--out',
      join(tmp, 'apply.jsonl'),
      '--apply',
      'move:Quarantine',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const summary = r.stderr.indexOf(
      '--apply move:Quarantine: 11 messages in 11 mailboxes of 11 accounts will be moved',
    );
    assert.ok(summary >= 0, r.stderr);
    assert.ok(r.stderr.indexOf('moved to Quarantine') > summary, 'the dry-run summary comes first');
    assert.equal((r.stderr.match(/ UID \d+ moved to Quarantine \(UID \d+\)/g) ?? []).length, 11);
    const moved = parse(readFileSync(join(tmp, 'apply.jsonl'), 'utf8')).filter(
      (f) => f.rule === 'mail.hunt.moved',
    );
    assert.equal(moved.filter((f) => f.evidence['outcome'] === 'moved').length, 11);

    const afterState = await snapshot();
    for (const u of users) {
      const b = beforeState.get(u.address)!;
      const a = afterState.get(u.address)!;
      assert.deepEqual(
        a.filter((m) => m.mailbox !== 'Quarantine'),
        b.filter((m) => !isLure(m)),
        `${u.address}: every other message keeps its mailbox, UID and flags`,
      );
      assert.deepEqual(
        a.filter((m) => m.mailbox === 'Quarantine').map((m) => [m.messageId, m.flags]),
        b.filter(isLure).map((m) => [m.messageId, m.flags]),
        `${u.address}: the lure is in Quarantine with its flags`,
      );
    }
    assert.equal(afterState.get(users[0]!.address)!.find(isLure)!.flags, '\\Flagged \\Seen');
    assert.ok(
      afterState
        .get(users[2]!.address)!
        .some((m) => m.messageId === '<deleted@b>' && m.flags === '\\Deleted'),
    );
    // Created at the top level with Dovecot's separator; not created where nothing was moved.
    const list = async (i: number) => {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: dove.port,
        secure: false,
        auth: { user: users[i]!.address, pass: PW(i) },
        logger: false,
      });
      await c.connect();
      const l = (await c.list()).map((f) => [f.path, f.delimiter]);
      await c.logout();
      return l;
    };
    assert.ok((await list(0)).some(([p, d]) => p === 'Quarantine' && d === '.'));
    assert.ok(!(await list(11)).some(([p]) => p === 'Quarantine'));

    // A second run finds the copies in Quarantine and leaves them there.
    const again = await vigilAsync([
      'mail',
      'hunt',
      `imap://127.0.0.1:${dove.port}`,
      '--accounts',
      accountsFile,
      '--intel',
      intelFile,
      '-f',
      'jsonl',
      '--apply',
      'move:Quarantine',
    ]);
    assert.equal((again.stderr.match(/skipped: already in the quarantine folder/g) ?? []).length, 11);
    assert.deepEqual(await snapshot(), afterState);
  },
);

test(
  'without MOVE: UID COPY + UID EXPUNGE of those UIDs only; without UIDPLUS too: nothing moved',
  { skip },
  async () => {
    for (const uidplus of [true, false]) {
      const d = new Dovecot();
      try {
        const u = users[0]!;
        d.addUser(u.address, 'pw');
        d.deliver(u.address, 'INBOX', [
          { raw: nobeliumCopy(u, 0), flags: 'F' },
          {
            raw: message({
              headers: { From: 'a@b.example', To: u.address, Subject: 'x', 'Message-ID': '<gone@b>' },
              text: 'x',
            }),
            flags: 'T',
          },
        ]);
        await d.start({
          capability: `IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE${uidplus ? ' UIDPLUS' : ''}`,
        });
        const acc = join(d.dir, 'acc.csv');
        writeFileSync(acc, `org,user,password\norg0,${u.address},pw\n`);
        const intel = join(d.dir, 'intel.csv');
        writeFileSync(intel, 'type,value\nemail,ashainfo@usaid.gov\n');
        const r = await vigilAsync([
          'mail',
          'hunt',
          `imap://127.0.0.1:${d.port}`,
          '--accounts',
          acc,
          '--intel',
          intel,
          '-f',
          'jsonl',
          '--apply',
          'move:Quarantine',
        ]);
        const c = new ImapFlow({
          host: '127.0.0.1',
          port: d.port,
          secure: false,
          auth: { user: u.address, pass: 'pw' },
          logger: false,
        });
        await c.connect();
        const state: string[] = [];
        for (const f of await c.list()) {
          const box = await c.mailboxOpen(f.path, { readOnly: true });
          if (!box.exists) continue;
          for await (const m of c.fetch('1:*', { flags: true, envelope: true }))
            state.push(
              `${f.path} ${m.envelope?.messageId} ${[...(m.flags ?? [])]
                .filter((x) => x !== '\\Recent')
                .sort()
                .join(' ')}`,
            );
        }
        await c.logout();
        const lureId = '<1140728754828.1133104752381.1941549819.0.260913JL.2002@synd.ccsend.com>';
        if (uidplus) {
          assert.match(r.stderr, /INBOX UID 1 moved to Quarantine/);
          assert.deepEqual(
            state.sort(),
            [`INBOX <gone@b> \\Deleted`, `Quarantine ${lureId} \\Flagged`].sort(),
          );
        } else {
          assert.match(r.stderr, /skipped: the server offers neither MOVE nor UIDPLUS/);
          assert.deepEqual(state.sort(), [`INBOX <gone@b> \\Deleted`, `INBOX ${lureId} \\Flagged`].sort());
        }
      } finally {
        await d.dispose();
      }
    }
  },
);

test('--since is a server-side SEARCH SINCE on the INTERNALDATE', { skip }, async () => {
  const r = await vigilAsync([
    'mail',
    'hunt',
    `imap://127.0.0.1:${dove.port}`,
    '--accounts',
    accountsFile,
    '--since',
    '2021-06-01',
    '-f',
    'jsonl',
  ]);
  const fs = parse(r.stdout).filter((f) => f.rule === 'mail.verdict');
  assert.deepEqual(
    fs.map((f) => f.evidence['messageId']),
    ['<june@b>'],
  );
  assert.match(r.stderr, /1 messages from 0 files and 12 accounts/);
});
