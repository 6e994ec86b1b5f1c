import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import { defineDetector } from '../model/detector.ts';
import { makeFinding } from '../model/finding.ts';
import { builtinIntel } from '../intel/packs.ts';

/**
 * Attachments that carried NOBELIUM's and HAFNIUM-era payloads: disk images (ISO/IMG/VHD, which
 * strip Mark-of-the-Web from the LNK and DLL inside) and any attachment whose hash is a known-bad
 * indicator. MIME parsing is bounded (nesting depth, header size) because mail is hostile.
 */
const DISK_IMAGE_NAME = /\.(?:iso|img|vhdx?)$/i;
const DISK_IMAGE_TYPE = /^application\/(?:x-iso9660-image|x-raw-disk-image|x-virtualbox-vhdx?|x-vhdx?)$/i;

export const PARSE_LIMITS = { maxNestingDepth: 32, maxHeadersSize: 1024 * 1024, maxRfc822NestingDepth: 4 } as const;

export const attachmentDetector = defineDetector({
  id: 'mail.attachment',
  description: 'Mail attachments that are disk images (ISO/IMG/VHD) or whose hash is a known-bad indicator',
  kinds: ['mail'],
  rules: [
    { id: 'mail.attachment.disk-image', title: 'Disk-image attachment (ISO/IMG/VHD) that bypasses Mark-of-the-Web' },
    { id: 'intel.match', title: 'Indicator of compromise matched' },
  ],
  create() {
    const intel = builtinIntel();
    return {
      async onRecord(rec, emit) {
        // Most mail has no attachment: skip the MIME parse unless a part could carry a file name.
        if (!mayHaveAttachment(rec.raw)) return;
        const email = await PostalMime.parse(rec.raw, PARSE_LIMITS);
        const time = email.date && !Number.isNaN(Date.parse(email.date)) ? new Date(email.date).toISOString() : undefined;
        const base = { messageId: email.messageId ?? '', from: email.from?.address ?? '', subject: email.subject ?? '' };
        for (const a of email.attachments) {
          const content = typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : new Uint8Array(a.content);
          const sha256 = createHash('sha256').update(content).digest('hex');
          const name = a.filename ?? '';
          const ind = intel.hashes.get(sha256);
          if (ind) {
            emit(makeFinding({
              rule: 'intel.match',
              title: `Known-bad attachment: ${ind.note}`,
              severity: 'critical',
              attack: ['T1566.001'],
              ...(time ? { time } : {}),
              source: rec.source,
              evidence: { indicator: ind.value, feed: ind.pack, type: ind.type, value: sha256, matched: ind.value, attachment: name, ...base },
              remediation: 'Purge this message from every mailbox it reached and block the sender; check whether any recipient opened the attachment.',
            }));
          }
          if (DISK_IMAGE_NAME.test(name) || DISK_IMAGE_TYPE.test(a.mimeType)) {
            emit(makeFinding({
              rule: 'mail.attachment.disk-image',
              title: `Disk-image attachment ${name || `(${a.mimeType})`}: the files inside escape Mark-of-the-Web`,
              severity: 'high',
              attack: ['T1566.001', 'T1553.005'],
              ...(time ? { time } : {}),
              source: rec.source,
              evidence: { attachment: name, mimeType: a.mimeType, size: content.length, sha256, ...base },
              remediation: 'Quarantine the message; block ISO/IMG/VHD attachments at the gateway unless a business need is documented.',
            }));
          }
        }
      },
    };
  },
});

/** A cheap byte scan: attachments need a `name=` / `filename*=` parameter or a non-text part. */
export function mayHaveAttachment(raw: Uint8Array): boolean {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const needle of ['name=', 'name*', 'NAME=', 'NAME*', 'Name=', 'Name*', 'application/', 'Application/', 'APPLICATION/']) {
    if (b.indexOf(needle, 0, 'latin1') >= 0) return true;
  }
  return false;
}
