import type { ImapFlow } from 'imapflow';
import { messageUrl, type ImapServer } from './url.ts';

/**
 * Reads every message of one account without changing anything: each folder opened with EXAMINE
 * (read-only), messages fetched with BODY.PEEK (imapflow's `source`), `--since` as a server-side
 * SEARCH SINCE. Memory stays bounded: the folder's UIDs and sizes first, then the bodies in batches
 * of at most BATCH_MESSAGES messages and BATCH_BYTES bytes; a message over `maxMessageBytes` is
 * fetched only up to that size (and said so).
 */
export const BATCH_MESSAGES = 200;
export const BATCH_BYTES = 32 * 1024 * 1024;

export interface ReadOptions {
  readonly since?: Date;
  readonly skipJunkTrash?: boolean;
  readonly maxMessageBytes: number;
  /** Told each folder's name as it is opened (so a failure can say where it happened). */
  readonly onFolder?: (path: string) => void;
}

export interface FetchedMessage {
  readonly mailbox: string;
  readonly uid: number;
  readonly uidValidity: string;
  readonly url: string;
  readonly raw: Buffer;
  readonly size: number;
  readonly internalDate?: string;
  readonly truncated: boolean;
}

export interface FolderInfo {
  readonly path: string;
  readonly delimiter: string;
  readonly specialUse?: string;
}

/** Folders to read: all selectable ones; Junk and Trash left out only when asked. */
export async function folders(client: ImapFlow, skipJunkTrash: boolean): Promise<FolderInfo[]> {
  const list = await client.list();
  return list
    .filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'))
    .filter(
      (f) =>
        !skipJunkTrash ||
        !(
          f.specialUse === '\\Junk' ||
          f.specialUse === '\\Trash' ||
          /^(?:junk|spam|trash|deleted (?:items|messages))$/i.test(f.name)
        ),
    )
    .map((f) => ({
      path: f.path,
      delimiter: f.delimiter,
      ...(f.specialUse ? { specialUse: f.specialUse } : {}),
    }));
}

export async function* readAccount(
  client: ImapFlow,
  server: ImapServer,
  user: string,
  o: ReadOptions,
  onFolderError: (mailbox: string, message: string) => void,
): AsyncGenerator<FetchedMessage> {
  for (const folder of await folders(client, !!o.skipJunkTrash)) {
    let box;
    o.onFolder?.(folder.path);
    try {
      box = await client.mailboxOpen(folder.path, { readOnly: true });
    } catch (e) {
      if (!client.usable) throw e;
      onFolderError(folder.path, `cannot open: ${(e as Error).message}`);
      continue;
    }
    const uidValidity = String(box.uidValidity);
    if (box.exists === 0) continue;
    const found = o.since ? await client.search({ since: o.since }, { uid: true }) : undefined;
    if (o.since && !found) continue;
    // Sizes first (cheap), to plan batches and cut the oversized.
    const sizes: { uid: number; size: number }[] = [];
    const range = found ? found.join(',') : '1:*';
    if (found && found.length === 0) continue;
    for await (const m of client.fetch(range, { uid: true, size: true }, { uid: true }))
      sizes.push({ uid: m.uid, size: m.size ?? 0 });
    sizes.sort((a, b) => a.uid - b.uid);
    let batch: typeof sizes = [];
    let bytes = 0;
    const flush = async function* (this: void): AsyncGenerator<FetchedMessage> {
      if (!batch.length) return;
      const big = batch.filter((m) => m.size > o.maxMessageBytes);
      const small = batch.filter((m) => m.size <= o.maxMessageBytes);
      batch = [];
      bytes = 0;
      const runs: [typeof small, boolean][] = [
        [small, false],
        [big, true],
      ];
      for (const [set, cut] of runs) {
        if (!set.length) continue;
        const query = {
          uid: true,
          internalDate: true,
          size: true,
          source: cut ? { start: 0, maxLength: o.maxMessageBytes } : true,
        } as const;
        for await (const m of client.fetch(set.map((x) => x.uid).join(','), query, { uid: true })) {
          if (!m.source) continue;
          const idate = m.internalDate instanceof Date ? m.internalDate : undefined;
          yield {
            mailbox: folder.path,
            uid: m.uid,
            uidValidity,
            url: messageUrl(server, user, folder.path, uidValidity, m.uid),
            raw: m.source,
            size: m.size ?? m.source.length,
            ...(idate && !Number.isNaN(idate.getTime()) ? { internalDate: idate.toISOString() } : {}),
            truncated: cut,
          };
        }
      }
    };
    for (const s of sizes) {
      batch.push(s);
      bytes += Math.min(s.size, o.maxMessageBytes);
      if (batch.length >= BATCH_MESSAGES || bytes >= BATCH_BYTES) yield* flush();
    }
    yield* flush();
  }
}
