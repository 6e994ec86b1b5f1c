import { createHash } from 'node:crypto';
import type { ObservableSink, Observation } from '../model/observable.ts';
import type { MailRecord } from '../model/records.ts';
import { address, header, mailTime, parseMail } from './parse.ts';
import { extractUrls, unwrap } from './urls.ts';
import { mayHaveAttachment } from './attachments.ts';

/**
 * What a message shows an indicator: the sender addresses (From, Reply-To, Return-Path, Sender),
 * the subject, every link after unwrapping redirectors, and the attachments' hashes and names.
 * Most mail needs no MIME parse for this: senders come from the header block and links from the
 * raw text (quoted-printable soft breaks undone). Messages with attachments or base64 bodies are
 * parsed (bounded, and shared with the other mail detectors).
 */
export async function observeMail(rec: MailRecord, sink: ObservableSink): Promise<Observation> {
  const bytes = Buffer.from(rec.raw.buffer, rec.raw.byteOffset, rec.raw.byteLength);
  if (
    !mayHaveAttachment(rec.raw) &&
    bytes.indexOf('base64', 0, 'latin1') < 0 &&
    bytes.indexOf('BASE64', 0, 'latin1') < 0 &&
    bytes.indexOf('Base64', 0, 'latin1') < 0
  ) {
    const raw = bytes.toString('latin1');
    const h = rawHeaders(raw);
    const from = address(h.get('from'));
    for (const [field, a] of [
      ['from', from],
      ['reply-to', address(h.get('reply-to'))],
      ['return-path', address(h.get('return-path'))],
      ['sender', address(h.get('sender'))],
    ] as const)
      if (a) sink.see('email', a, field);
    const subject = h.get('subject');
    if (subject) sink.see('email-subject', subject, 'subject');
    const body = raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
    seeLinks(extractUrls(body, body), sink);
    const date = h.get('date');
    const time = date && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : undefined;
    return {
      describe: () => ({
        time,
        evidence: { messageId: h.get('message-id') ?? '', from: from ?? '', subject: subject ?? '' },
      }),
    };
  }
  const email = await parseMail(rec);
  const from = email.from?.address?.toLowerCase();
  const senders: [string, string | undefined][] = [
    ['from', from],
    ['reply-to', address(header(email, 'reply-to'))],
    ['return-path', address(header(email, 'return-path'))],
    ['sender', address(header(email, 'sender'))],
  ];
  for (const [field, a] of senders) if (a) sink.see('email', a, field);
  if (email.subject) sink.see('email-subject', email.subject, 'subject');
  seeLinks(extractUrls(email.text ?? '', email.html ?? ''), sink);
  for (const a of email.attachments) {
    const content =
      typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : new Uint8Array(a.content);
    const name = a.filename ?? '';
    for (const alg of ['sha256', 'sha1', 'md5'] as const)
      sink.see('hash', createHash(alg).update(content).digest('hex'), `attachment ${name}`);
    if (name) sink.see('filename', name, 'attachment name');
  }
  const time = mailTime(email);
  return {
    describe: () => ({
      time,
      evidence: { messageId: email.messageId ?? '', from: from ?? '', subject: email.subject ?? '' },
    }),
  };
}

function seeLinks(urls: Iterable<string>, sink: ObservableSink): void {
  for (const u of urls)
    for (const target of unwrap(u))
      sink.see('url', target, target === u ? 'link' : `link (unwrapped from ${shorten(u, 60)})`);
}

/** The raw header block, unfolded, as name → first value (lower-case names). */
function rawHeaders(raw: string): Map<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? raw.slice(0, end) : raw).replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) {
      const k = line.slice(0, c).trim().toLowerCase();
      if (!out.has(k)) out.set(k, line.slice(c + 1).trim());
    }
  }
  return out;
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
