import type { ImapFlow } from 'imapflow';

/**
 * `--apply move:FOLDER`: moves exactly the listed messages of one account into FOLDER and
 * changes nothing else. The folder is created at the top of the personal namespace (with the
 * server's separator) if missing. Each mailbox is SELECTed (read-write) only here; a mailbox whose
 * UIDVALIDITY changed since the scan, and UIDs no longer there, are skipped and reported. MOVE
 * (RFC 6851) when the server advertises it after login, else UID COPY + \Deleted + UID EXPUNGE of
 * exactly those UIDs (UIDPLUS, RFC 4315); never a plain EXPUNGE, which would also remove other
 * messages flagged \Deleted. Flags travel with the message (COPY and MOVE keep them).
 */
export interface MoveItem {
  readonly mailbox: string;
  readonly uid: number;
  readonly uidValidity: string;
}

export interface MoveEvent {
  readonly mailbox: string;
  readonly uid: number;
  readonly outcome: 'moved' | 'skipped';
  /** The quarantine folder's full name (once known). */
  readonly folder: string;
  /** The message's UID in FOLDER (COPYUID), when the server said. */
  readonly newUid?: number;
  readonly reason?: string;
}

/** The folder's full name: the personal namespace's prefix + name, with the server's separator. */
export async function ensureFolder(
  client: ImapFlow,
  name: string,
): Promise<{ path: string; created: boolean }> {
  const ns = client.namespace as { prefix?: string; delimiter?: string } | undefined;
  const prefix = ns?.prefix ?? '';
  const path = prefix && !name.startsWith(prefix) ? `${prefix}${name}` : name;
  const existing = await client.list();
  if (existing.some((f) => f.path === path)) return { path, created: false };
  const r = await client.mailboxCreate(path);
  return { path: r.path, created: !!r.created };
}

/** Moves the items into `folderName` (created only when a message is about to move there). */
export async function moveMessages(
  client: ImapFlow,
  folderName: string,
  items: readonly MoveItem[],
  log: (e: MoveEvent) => void,
): Promise<void> {
  let folder = folderName;
  let ensured = false;
  const caps = client.capabilities;
  const canMove = caps.has('MOVE');
  const uidplus = caps.has('UIDPLUS');
  const byBox = new Map<string, MoveItem[]>();
  for (const it of items) {
    let l = byBox.get(it.mailbox);
    if (!l) byBox.set(it.mailbox, (l = []));
    l.push(it);
  }
  for (const [mailbox, list] of byBox) {
    const skip = (l: readonly MoveItem[], reason: string) => {
      for (const it of l) log({ mailbox, uid: it.uid, outcome: 'skipped', folder, reason });
    };
    if (mailbox === folder || mailbox === folderName) {
      skip(list, 'already in the quarantine folder');
      continue;
    }
    if (!canMove && !uidplus) {
      skip(list, 'the server offers neither MOVE nor UIDPLUS: moving would need a plain EXPUNGE');
      continue;
    }
    let box;
    try {
      box = await client.mailboxOpen(mailbox);
    } catch (e) {
      if (!client.usable) throw e;
      skip(list, `cannot select the mailbox: ${(e as Error).message}`);
      continue;
    }
    const now = String(box.uidValidity);
    const same = list.filter((it) => it.uidValidity === now);
    skip(
      list.filter((it) => it.uidValidity !== now),
      `UIDVALIDITY changed since the scan (${list[0]!.uidValidity} → ${now}): UIDs no longer name the same messages`,
    );
    if (!same.length) continue;
    const present = new Set(
      (await client.search({ uid: same.map((it) => it.uid).join(',') }, { uid: true })) || [],
    );
    skip(
      same.filter((it) => !present.has(it.uid)),
      'the message is no longer in the mailbox',
    );
    const go = same.filter((it) => present.has(it.uid));
    if (!go.length) continue;
    if (!ensured) {
      // Dovecot answers a later SELECT of the new folder fine; the current mailbox stays selected.
      folder = (await ensureFolder(client, folderName)).path;
      ensured = true;
      if (mailbox === folder) {
        skip(go, 'already in the quarantine folder');
        continue;
      }
    }
    const uids = go.map((it) => it.uid).join(',');
    const r = await client.messageMove(uids, folder, { uid: true });
    if (!r) {
      skip(go, `the server refused the ${canMove ? 'MOVE' : 'COPY'}`);
      continue;
    }
    for (const it of go)
      log({
        mailbox,
        uid: it.uid,
        outcome: 'moved',
        folder,
        ...(r.uidMap?.get(it.uid) !== undefined ? { newUid: r.uidMap.get(it.uid)! } : {}),
      });
  }
  // No CLOSE: it would expunge every \Deleted message of the selected mailbox. LOGOUT follows.
}
