import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { analyzeMessage } from '../../src/mail/analyze.ts';
import { analyzeOptions } from '../../src/mail/detector.ts';
import { parseZone, resolverFor } from '../../src/mail/zone.ts';
import { parseAuthResults } from '../../src/mail/auth.ts';
import { buildIndex } from '../../src/intel/builtin.ts';
import { fat, iso, lnk, message } from '../../scripts/lib/mailfix.ts';
import { DATA, needData } from '../support/paths.ts';

const { index } = buildIndex([], true);
const opts = analyzeOptions({}, index);
const names = (v: { signals: readonly { name: string }[] }) => v.signals.map((s) => s.name).sort();

// The NOBELIUM wave of 25 May 2021 as the public reports describe it: USAID's real Constant
// Contact account, the click tracker, an ISO holding a shortcut that runs a DLL.
const cc = {
  'Return-Path': '<AigXeKlyIRLG+DvWkRMsGUA==_1133104752381_sUQcUKVBEeynm/oWPlvDBA==@in.constantcontact.com>',
  Received:
    'from ccm30.constantcontact.com (ccm30.constantcontact.com. [208.75.123.226]) by mx.ministry.example with ESMTPS; Tue, 25 May 2021 14:02:11 +0000',
  'DKIM-Signature':
    'v=1; a=rsa-sha256; c=relaxed/relaxed; d=auth.ccsend.com; s=1000073432; h=from:subject; bh=x; b=x',
  'X-CTCT-ID': 'b1e9bf26-1c12-11eb-9a07-d4ae52a2cb2c',
  'X-Roving-Id': '1133104752381.1941549819',
  'Message-ID': '<1140728754828.1133104752381.1941549819.0.260913JL.2002@synd.ccsend.com>',
  'List-Unsubscribe': '<https://visitor.constantcontact.com/do?p=un&m=001xyz>',
  Date: 'Tue, 25 May 2021 14:02:10 +0000',
};

test('NOBELIUM-class mail (high-value sender via an ESP, tracked link, ISO with LNK + DLL) is caught offline', async () => {
  const payload = iso([
    { name: 'Reports.lnk', data: lnk('C:\\Windows\\System32\\rundll32.exe', 'Documents.dll,Open') },
    { name: 'Documents.dll', data: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(1000)]) },
    { name: 'ICA-declass.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') },
  ]);
  const raw = message({
    headers: {
      ...cc,
      From: 'USAID <ashainfo@usaid.gov>',
      To: 'analyst@ministry.example',
      Subject: 'USAID Special Alert!',
    },
    html: '<p>Donald Trump has published new documents on election fraud.</p><a href="https://r20.rs6.net/tn.jsp?f=001qpW9gPmB3sCmYw&amp;c=abc&amp;ch=def">View documents</a>',
    attachments: [{ filename: 'ICA-declass.iso', contentType: 'application/octet-stream', data: payload }],
  });
  const v = await analyzeMessage(raw, opts);
  for (const s of [
    'ESP_HIGH_VALUE_SENDER',
    'ATTACH_DISK_IMAGE',
    'ATTACH_LNK',
    'ATTACH_EXECUTABLE',
    'YARA_MATCH',
  ])
    assert.ok(names(v).includes(s), `${s} in ${names(v).join(', ')}`);
  assert.equal(v.esp, 'Constant Contact');
  assert.ok(v.action === 'quarantine' || v.action === 'reject', `${v.action} at ${v.score}`);
  const iso9660 = v.attachments[0]!;
  assert.equal(iso9660.type, 'iso');
  assert.deepEqual(
    iso9660.members!.map((m) => [m.name, m.type]),
    [
      ['REPORTS.LNK', 'lnk'],
      ['DOCUMENTS.DLL', 'pe'],
      ['ICA-DECLASS.PDF', 'pdf'],
    ],
  );
  const lnkSignal = v.signals.find((s) => s.name === 'ATTACH_LNK')!;
  assert.match(JSON.stringify(lnkSignal.evidence), /rundll32\.exe/);
  assert.match(JSON.stringify(lnkSignal.evidence), /Documents\.dll,Open/);
  assert.equal(v.signals.find((s) => s.name === 'YARA_MATCH')!.evidence['rule'], 'Vigil_ISO_With_Shortcut');
});

test("the same agency's genuine newsletter through an ESP, signed by its own domain, passes", async () => {
  const raw = message({
    headers: {
      From: 'USAID <usaid@public.govdelivery.com>',
      'Reply-To': 'usaid@public.govdelivery.com',
      To: 'subscriber@example.org',
      Subject: 'USAID Weekly: new funding for water projects',
      'Return-Path': '<bounce-123@public.govdelivery.com>',
      Received: 'from smtp.govdelivery.com (smtp.govdelivery.com [198.51.100.10]) by mx.example.org',
      'DKIM-Signature': 'v=1; a=rsa-sha256; d=govdelivery.com; s=gd; h=from; bh=x; b=x',
      'Message-ID': '<20210525.123@public.govdelivery.com>',
      'List-Unsubscribe': '<https://public.govdelivery.com/accounts/USAID/subscriber/edit>',
      Date: 'Tue, 25 May 2021 14:02:10 +0000',
    },
    html: '<p>This week USAID announced funding for water projects.</p><a href="https://links.govdelivery.com/track?type=click&amp;enid=ZWFzPTE">Read the story</a> <a href="https://public.govdelivery.com/accounts/USAID/subscriber/edit">Manage subscriptions</a>',
  });
  const v = await analyzeMessage(raw, opts);
  assert.equal(v.action, 'no_action', JSON.stringify(v.signals.map((s) => [s.name, s.weight])));
  assert.equal(v.esp, 'GovDelivery (Granicus)');
});

test('HTML smuggling (EnvyScout markers) and credential phishing with a brand display name', async () => {
  const html =
    '<html><body><script>var d=[]; for (var i=0;i<e.length;i++){d.push(e[i].charCodeAt(0) ^ 2);} var blob=new Blob([new Uint8Array(d)],{type:"application/x-cd-image"}); if (navigator.userAgent.indexOf("Win")!=-1){saveAs(blob, "NV.iso");}</script></body></html>';
  const raw = message({
    headers: {
      From: '"Microsoft account team" <no-reply@access-accsecurity.com>',
      To: 'victim@corp.example',
      Subject: 'victim@corp.example, unusual sign-in activity',
      'Message-ID': '<x@access-accsecurity.com>',
      Date: 'Mon, 1 Apr 2024 10:00:00 +0000',
    },
    html: '<p>We detected unusual sign-in activity. Verify your account within 24 hours.</p><a href="https://microsoft-verify.web.app/?u=victim@corp.example">Verify now</a>',
    attachments: [{ filename: 'NV.html', contentType: 'text/html', data: Buffer.from(html) }],
  });
  const v = await analyzeMessage(raw, opts);
  for (const s of [
    'FROM_BRAND_MISMATCH',
    'ATTACH_HTML_SMUGGLING',
    'URL_THROWAWAY_HOSTING',
    'URL_BRAND_ON_FOREIGN_DOMAIN',
    'URL_RECIPIENT_IN_URL',
    'SUBJECT_HAS_RECIPIENT',
    'LURE_CREDENTIALS',
    'LURE_URGENCY',
    'YARA_MATCH',
  ])
    assert.ok(names(v).includes(s), `${s} in ${names(v).join(', ')}`);
  assert.equal(v.action, 'reject');
  assert.equal(
    v.signals.find((s) => s.name === 'YARA_MATCH')!.evidence['rule'],
    'Vigil_EnvyScout_HTML_Smuggling',
  );
});

test('offline authentication: DKIM verified against a zone file; a changed body fails; trusted Authentication-Results are read', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const body = message({
    headers: {
      From: 'Alice <alice@example.org>',
      To: 'bob@example.net',
      Subject: 'Minutes',
      'Message-ID': '<m1@example.org>',
      Date: 'Mon, 1 Apr 2024 10:00:00 +0000',
    },
    text: 'Minutes of the meeting attached.\r\n',
  });
  // mailauth 7 takes signatureData; its bundled typings still describe the older flat options.
  const signed = await dkimSign(body, {
    signatureData: [
      {
        signingDomain: 'example.org',
        selector: 'sel1',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      },
    ],
  } as unknown as Parameters<typeof dkimSign>[1]);
  assert.match(signed.signatures, /^DKIM-Signature: /);
  const raw = Buffer.concat([Buffer.from(signed.signatures), body]);
  const zone = parseZone(
    `$ORIGIN example.org.\nsel1._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=${pub}" )\n@ IN TXT "v=spf1 ip4:192.0.2.10 -all"\n_dmarc IN TXT "v=DMARC1; p=reject"\n`,
  );
  const auth = {
    resolver: resolverFor(zone),
    resolverName: 'zone',
    ip: '192.0.2.10',
    helo: 'mail.example.org',
    sender: 'alice@example.org',
  };
  const ok = await analyzeMessage(raw, { ...opts, auth });
  assert.deepEqual(
    [ok.auth.dkim, ok.auth.spf, ok.auth.dmarc, ok.auth.dkimDomains],
    ['pass', 'pass', 'pass', ['example.org']],
  );
  assert.ok(
    names(ok).includes('AUTH_PASS') && ok.signals.find((s) => s.name === 'AUTH_PASS')!.weight === 0,
    'a pass is recorded with weight 0',
  );
  const tampered = Buffer.from(
    raw.toString('latin1').replace('Minutes of the meeting', 'Pay this invoice today'),
    'latin1',
  );
  const bad = await analyzeMessage(tampered, { ...opts, auth: { ...auth, ip: '203.0.113.9' } });
  // mailauth reports a body-hash mismatch as neutral (RFC 6376 6.1.3); DMARC then fails on both counts.
  assert.deepEqual([bad.auth.dkim, bad.auth.spf, bad.auth.dmarc], ['neutral', 'fail', 'fail']);
  assert.ok(names(bad).includes('AUTH_DMARC_FAIL') && names(bad).includes('AUTH_SPF_FAIL'));

  const ar = parseAuthResults(
    'mx.corp.example; dkim=pass header.d=ccsend.com header.s=1000073432; spf=pass (sender SPF authorized) smtp.mailfrom=in.constantcontact.com; dmarc=fail (p=QUARANTINE sp=NONE) header.from=usaid.gov',
  );
  assert.equal(ar.authserv, 'mx.corp.example');
  assert.deepEqual(
    [...ar.results.entries()].map(([k, v]) => [k, v.result]),
    [
      ['dkim', 'pass'],
      ['spf', 'pass'],
      ['dmarc', 'fail'],
    ],
  );
  const withAr = Buffer.concat([
    Buffer.from(
      'Authentication-Results: mx.corp.example; dkim=pass header.d=ccsend.com; spf=pass smtp.mailfrom=in.constantcontact.com; dmarc=fail (p=QUARANTINE) header.from=usaid.gov\r\n',
    ),
    body,
  ]);
  const untrusted = await analyzeMessage(withAr, opts);
  assert.equal(
    untrusted.auth.source,
    'not checked',
    'an Authentication-Results header from an unknown server is not believed',
  );
  const trusted = await analyzeMessage(withAr, { ...opts, auth: { trustedAuthserv: ['mx.corp.example'] } });
  assert.deepEqual(
    [trusted.auth.source, trusted.auth.dmarc, trusted.auth.spf],
    ['authserv:mx.corp.example', 'fail', 'pass'],
  );
});

test(
  'real mail: phishing from the honeypot corpus is flagged with its reasons; list ham is not',
  { skip: needData },
  async () => {
    const M = join(DATA, 'mail');
    const phish = await analyzeMessage(
      readFileSync(join(M, 'phishing_pot-subset/email/sample-1783.eml')),
      opts,
    );
    assert.deepEqual(
      names(phish),
      [
        'FROM_TENANT_DOMAIN',
        'LURE_DELIVERY_PAYMENT',
        'SUBJECT_HAS_RECIPIENT',
        'URL_FOREIGN_CTA',
        'URL_TOKEN_PATH',
      ].sort(),
    );
    assert.equal(phish.action, 'quarantine');
    const modern = readdirSync(join(M, 'modern-ham-dev'))
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .slice(0, 40);
    for (const f of modern) {
      const v = await analyzeMessage(readFileSync(join(M, 'modern-ham-dev', f)), opts);
      assert.equal(v.action, 'no_action', `${f}: ${v.score} ${names(v).join(',')}`);
    }
  },
);

test('genuine marketing newsletters through ESPs, with offers and tracked calls to action, pass', async () => {
  const mailchimp = message({
    headers: {
      From: 'Outdoor Gear Co <news@outdoorgear.example>',
      To: 'member@example.net',
      Subject: 'Members-only rewards: 20% off this weekend',
      'Reply-To': 'hello@outdoorgear.example',
      'Return-Path': '<bounce-mc.us21_123.456-member=example.net@mail123.atl91.mcsv.net>',
      'DKIM-Signature': 'v=1; a=rsa-sha256; d=outdoorgear.example; s=k1; h=from; bh=x; b=x',
      'X-MC-User': 'abc123',
      'List-Unsubscribe': '<https://outdoorgear.us21.list-manage.com/unsubscribe?u=abc&id=def&e=123>',
      'Message-ID': '<a1b2@mail123.atl91.mcsv.net>',
      Date: 'Fri, 3 May 2024 14:00:00 +0000',
    },
    html: '<h1>Exclusive rewards for members</h1><p>Claim your bonus points before Sunday.</p><a href="https://outdoorgear.us21.list-manage.com/track/click?u=abc&amp;id=XyZ123AbC456dEf789GhI012jKl&amp;e=123">Claim your bonus</a> <a href="https://outdoorgear.us21.list-manage.com/unsubscribe?u=abc">Unsubscribe</a>',
  });
  const unknownEsp = message({
    headers: {
      From: 'City Library <events@citylibrary.example>',
      To: 'reader@example.net',
      Subject: 'Final reminder: summer reading prize draw',
      'Return-Path': '<b-7f3a@bounces.mailer-tool.example>',
      'DKIM-Signature': 'v=1; a=rsa-sha256; d=mailer-tool.example; s=s1; h=from; bh=x; b=x',
      'List-Unsubscribe': '<https://t.mailer-tool.example/u/AbC123dEf456GhI789jKl012MnO345>',
      'Message-ID': '<x9@mailer-tool.example>',
      Date: 'Fri, 3 May 2024 14:00:00 +0000',
    },
    html: '<p>Last chance to enter the prize draw.</p><a href="https://t.mailer-tool.example/c/AbC123dEf456GhI789jKl012MnO345pQr">Enter now</a>',
  });
  for (const raw of [mailchimp, unknownEsp]) {
    const v = await analyzeMessage(raw, opts);
    assert.equal(v.action, 'no_action', `${v.subject}: ${v.score} ${names(v).join(',')}`);
  }
});

test('a FAT disk image named like a PDF: found by its bytes, its shortcut listed', async () => {
  const img = fat([
    { name: 'NV.LNK', data: lnk('C:\\Windows\\System32\\cmd.exe', '/c start BOOM.exe') },
    { name: 'BOOM.EXE', data: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(600)]) },
  ]);
  const raw = message({
    headers: {
      From: 'Embassy <info@embassy-events.example>',
      To: 'x@ministry.example',
      Subject: 'Invitation',
      Date: 'Wed, 12 May 2021 09:00:00 +0000',
    },
    text: 'Please find the invitation attached.',
    attachments: [{ filename: 'invitation.pdf', contentType: 'application/pdf', data: img }],
  });
  const v = await analyzeMessage(raw, opts);
  for (const s of ['ATTACH_DISK_IMAGE', 'ATTACH_TYPE_MISMATCH', 'ATTACH_LNK', 'ATTACH_EXECUTABLE'])
    assert.ok(names(v).includes(s), `${s} in ${names(v).join(', ')}`);
  assert.deepEqual(
    v.attachments[0]!.members!.map((m) => [m.name, m.type]),
    [
      ['NV.LNK', 'lnk'],
      ['BOOM.EXE', 'pe'],
    ],
  );
  assert.match(JSON.stringify(v.signals.find((s) => s.name === 'ATTACH_LNK')!.evidence), /start BOOM\.exe/);
});
