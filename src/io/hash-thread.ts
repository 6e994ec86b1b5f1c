/**
 * The hashing thread: SHA-256, SHA-1 and MD5 of large files are computed here, beside the main
 * thread that parses them, so the two cores share the work. Messages: `u` (update a session with
 * bytes, acknowledged with their count), `d` (digest and forget a session).
 */
import { parentPort } from 'node:worker_threads';
import { createHash, type Hash } from 'node:crypto';

type Msg = { t: 'u'; id: number; b: Uint8Array } | { t: 'd'; id: number };
const sessions = new Map<number, Hash[]>();
const open = () => [createHash('sha256'), createHash('sha1'), createHash('md5')];

parentPort!.on('message', (m: Msg) => {
  if (m.t === 'u') {
    let h = sessions.get(m.id);
    if (!h) { h = open(); sessions.set(m.id, h); }
    for (const x of h) x.update(m.b);
    parentPort!.postMessage({ t: 'a', n: m.b.byteLength });
  } else {
    const h = sessions.get(m.id) ?? open();
    sessions.delete(m.id);
    parentPort!.postMessage({ t: 'd', id: m.id, r: h.map((x) => x.digest('hex')) });
  }
});
