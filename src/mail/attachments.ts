import { createHash } from 'node:crypto';
import { defineDetector } from '../model/detector.ts';
import { makeFinding } from '../model/finding.ts';
import { mailTime, parseMail } from './parse.ts';

/**
 * Disk-image attachments (ISO/IMG/VHD): NOBELIUM's May 2021 delivery, because the LNK and DLL
 * inside escape Mark-of-the-Web. (Attachment hashes are the intel detector's job.)
 */
const DISK_IMAGE_NAME = /\.(?:iso|img|vhdx?)$/i;
const DISK_IMAGE_TYPE = /^application\/(?:x-iso9660-image|x-raw-disk-image|x-virtualbox-vhdx?|x-vhdx?)$/i;

export const attachmentDetector = defineDetector({
  id: 'mail.attachment',
  description: 'Mail attachments that are disk images (ISO/IMG/VHD), whose contents escape Mark-of-the-Web',
  kinds: ['mail'],
  rules: [
    {
      id: 'mail.attachment.disk-image',
      title: 'Disk-image attachment (ISO/IMG/VHD) that bypasses Mark-of-the-Web',
    },
  ],
  create() {
    return {
      async onRecord(rec, emit) {
        // Most mail has no attachment: skip the MIME parse unless a part could carry a file name.
        if (!mayHaveAttachment(rec.raw)) return;
        const email = await parseMail(rec);
        const time = mailTime(email);
        const base = {
          messageId: email.messageId ?? '',
          from: email.from?.address ?? '',
          subject: email.subject ?? '',
        };
        for (const a of email.attachments) {
          const content =
            typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : new Uint8Array(a.content);
          const sha256 = createHash('sha256').update(content).digest('hex');
          const name = a.filename ?? '';
          if (DISK_IMAGE_NAME.test(name) || DISK_IMAGE_TYPE.test(a.mimeType)) {
            emit(
              makeFinding({
                rule: 'mail.attachment.disk-image',
                title: `Disk-image attachment ${name || `(${a.mimeType})`}: the files inside escape Mark-of-the-Web`,
                severity: 'high',
                attack: ['T1566.001', 'T1553.005'],
                ...(time ? { time } : {}),
                source: rec.source,
                evidence: { attachment: name, mimeType: a.mimeType, size: content.length, sha256, ...base },
                remediation:
                  'Quarantine the message; block ISO/IMG/VHD attachments at the gateway unless a business need is documented.',
              }),
            );
          }
        }
      },
    };
  },
});

/** A cheap byte scan: attachments need a `name=` / `filename*=` parameter or a non-text part. */
export function mayHaveAttachment(raw: Uint8Array): boolean {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const needle of [
    'name=',
    'name*',
    'NAME=',
    'NAME*',
    'Name=',
    'Name*',
    'application/',
    'Application/',
    'APPLICATION/',
  ]) {
    if (b.indexOf(needle, 0, 'latin1') >= 0) return true;
  }
  return false;
}
