import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMbox, readMessage } from '../../src/mail/read.ts';
import { attachmentDetector, mayHaveAttachment } from '../../src/mail/attachments.ts';
import { mailMessage } from '../../scripts/lib/formats.ts';
import type { Finding } from '../../src/model/finding.ts';
import type { MailRecord } from '../../src/model/records.ts';
import { chunked, records, DATA, dataTest, needData } from '../support/paths.ts';
import { IntelIndex } from '../../src/intel/index.ts';

dataTest('mbox: SpamAssassin nice.mbox splits into its messages, bytes kept', async () => {
  const raw = readFileSync(join(DATA, 'mail/spamassassin-testdata/nice.mbox'));
  const lines = raw.toString('latin1').split('\n');
  const starts = lines.flatMap((l, i) =>
    l.startsWith('From ') && (i === 0 || lines[i - 1] === '') ? [i + 1] : [],
  );
  const msgs = await records(
    readMbox({ path: 'nice.mbox', chunks: chunked(raw, 1000), problem: () => undefined }),
  );
  assert.equal(msgs.length, starts.length);
  assert.deepEqual(
    msgs.map((m) => m.source.line),
    starts,
  );
  // Each message is exactly the lines between its separator and the next one.
  const second = lines.slice(starts[1]!, (starts[2] ?? lines.length + 1) - 1).join('\n');
  assert.equal(Buffer.from(msgs[1]!.raw).toString('latin1'), second);
});

test('mbox: a "From " inside a body (no blank line before it) does not split the message', async () => {
  const text =
    'From a@b Thu Jan  1 00:00:00 2020\nSubject: one\n\nhello\nFrom here on, text.\n\nFrom c@d Thu Jan  1 00:00:01 2020\nSubject: two\n\nbye\n';
  const msgs = await records(readMbox({ path: 'm', chunks: chunked(text, 7), problem: () => undefined }));
  assert.equal(msgs.length, 2);
  assert.match(Buffer.from(msgs[0]!.raw).toString(), /From here on, text\./);
});

test('a single message is passed whole', async () => {
  const text = mailMessage({
    from: 'a@example.org',
    to: 'b@example.org',
    subject: 's',
    date: 'Mon, 24 May 2021 07:00:00 +0000',
    messageId: '<x@example.org>',
    text: 'hi',
  });
  const [m] = await records(
    readMessage({ path: 'a.eml', chunks: chunked(text, 5), problem: () => undefined }),
  );
  assert.equal(Buffer.from(m!.raw).toString(), text);
});

async function scanMail(raw: Uint8Array): Promise<Finding[]> {
  const found: Finding[] = [];
  const rec: MailRecord = { kind: 'mail', source: { path: 'm.eml', line: 1 }, raw };
  await attachmentDetector.create({ intel: new IntelIndex() }).onRecord(rec, (f) => found.push(f));
  return found;
}

test('real phishing with an ISO attachment (phishing_pot sample-1266) is flagged, with the attachment hash', async (t) => {
  if (needData) return t.skip(needData);
  const raw = readFileSync(join(DATA, 'mail/phishing_pot-subset/email/sample-1266.eml'));
  const found = await scanMail(raw);
  assert.deepEqual(
    found.map((f) => [f.rule, f.severity, f.evidence['attachment']]),
    [['mail.attachment.disk-image', 'high', 'quotation.iso']],
  );
  assert.match(String(found[0]!.evidence['sha256']), /^[0-9a-f]{64}$/);
});

dataTest('modern ham with ordinary attachments raises nothing', async () => {
  const dir = join(DATA, 'mail/modern-ham-dev');
  const rows = readFileSync(join(DATA, 'mail/labels.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('modern-ham-dev/'))
    .slice(0, 200);
  let parsed = 0;
  for (const r of rows) {
    const raw = readFileSync(join(dir, r.split(',')[0]!.slice('modern-ham-dev/'.length)));
    if (mayHaveAttachment(raw)) parsed++;
    assert.deepEqual(await scanMail(raw), [], r);
  }
  assert.ok(parsed > 0);
});

test('a message without any named or application part skips the MIME parse', () => {
  assert.equal(mayHaveAttachment(Buffer.from('Subject: x\r\n\r\nhello')), false);
  assert.equal(mayHaveAttachment(Buffer.from('Content-Disposition: attachment; filename="a.iso"')), true);
});
