import { lineBatches } from '../io/lines.ts';
import type { ReadContext } from '../io/reader.ts';
import type { MailRecord } from '../model/records.ts';

/** Messages larger than this are cut (and the cut is reported): mail is attacker-controlled. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** One message per file (`.eml`, a Maildir entry, a SpamAssassin corpus file). */
export async function* readMessage(ctx: ReadContext): AsyncGenerator<MailRecord[]> {
  const parts: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  for await (const chunk of ctx.chunks) {
    if (cut) continue; // keep draining so the file hashes still cover every byte
    if (size + chunk.length > MAX_MESSAGE_BYTES) {
      parts.push(chunk.subarray(0, MAX_MESSAGE_BYTES - size));
      size = MAX_MESSAGE_BYTES;
      cut = true;
      ctx.problem({
        level: 'warning',
        source: { path: ctx.path },
        message: `message larger than ${MAX_MESSAGE_BYTES} bytes; analysed the first ${MAX_MESSAGE_BYTES}`,
      });
      continue;
    }
    parts.push(chunk);
    size += chunk.length;
  }
  yield [{ kind: 'mail', source: { path: ctx.path, line: 1 }, raw: Buffer.concat(parts, size) }];
}

/**
 * An mbox: messages start at a `From ` line at the start of the file or after a blank line
 * (mboxo/mboxrd both). Streamed message by message, so a mailbox of any size uses the memory of
 * its largest message.
 */
export async function* readMbox(ctx: ReadContext): AsyncGenerator<MailRecord[]> {
  let current: string[] = [];
  let bytes = 0;
  let startLine = 0;
  let prevBlank = true;
  let cut = false;
  const flush = (): MailRecord | null => {
    if (startLine === 0 || current.length === 0) return null;
    const raw = Buffer.from(current.join('\n'), 'latin1'); // latin1 round-trips the original bytes
    const rec: MailRecord = { kind: 'mail', source: { path: ctx.path, line: startLine }, raw };
    current = [];
    bytes = 0;
    cut = false;
    return rec;
  };
  for await (const batch of lineBatches(ctx.chunks, { encoding: 'latin1', maxLineBytes: 4 * 1024 * 1024 })) {
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      const lineNo = batch.firstLine + i;
      if (prevBlank && line.startsWith('From ')) {
        const rec = flush();
        if (rec) yield [rec];
        startLine = lineNo;
        prevBlank = false;
        continue; // the separator is not part of the message
      }
      prevBlank = line === '';
      if (startLine === 0) continue; // junk before the first separator
      if (cut) continue;
      bytes += line.length + 1;
      if (bytes > MAX_MESSAGE_BYTES) {
        cut = true;
        ctx.problem({
          level: 'warning',
          source: { path: ctx.path, line: startLine },
          message: `message larger than ${MAX_MESSAGE_BYTES} bytes; analysed the first part`,
        });
        continue;
      }
      current.push(line);
    }
  }
  const last = flush();
  if (last) yield [last];
}
