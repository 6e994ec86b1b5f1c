/**
 * The hashing thread: SHA-256, SHA-1 and MD5 of large files are computed here, beside the main
 * thread that parses them, so the two cores share the work. Bytes arrive in slots of a shared
 * buffer (no allocation per chunk); each slot is handed back once hashed.
 * Messages: `u` (hash slot bytes into a session), `d` (digest and forget a session).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createHash, type Hash } from 'node:crypto';

const shared = new Uint8Array((workerData as { buffer: SharedArrayBuffer }).buffer);
type Msg = { t: 'u'; id: number; at: number; len: number } | { t: 'd'; id: number };
const sessions = new Map<number, Hash[]>();
const open = () => [createHash('sha256'), createHash('sha1'), createHash('md5')];

parentPort!.on('message', (m: Msg) => {
  if (m.t === 'u') {
    let h = sessions.get(m.id);
    if (!h) {
      h = open();
      sessions.set(m.id, h);
    }
    const view = shared.subarray(m.at, m.at + m.len);
    for (const x of h) x.update(view);
    parentPort!.postMessage({ t: 'a', at: m.at });
  } else {
    const h = sessions.get(m.id) ?? open();
    sessions.delete(m.id);
    parentPort!.postMessage({ t: 'd', id: m.id, r: h.map((x) => x.digest('hex')) });
  }
});
