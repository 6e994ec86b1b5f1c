import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/open.ts';
import { storeVersion } from '../../store/queries.ts';

/**
 * Whole-store answers (the organisation list, the summary) reused while the store's version is
 * unchanged. The version is read from the database on every request, before the answer is
 * computed, so a second API process, an import from the CLI or a status change made elsewhere
 * is seen at once: an answer is only ever reused for the version it was computed at (or newer
 * data, which the next version change replaces). The version is also the ETag, so a dashboard
 * that polls gets 304s while nothing changed.
 */
export class VersionedAnswers {
  private readonly entries = new Map<string, { version: number; body: Buffer; gzip: Buffer }>();
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async send(req: FastifyRequest, reply: FastifyReply, key: string, compute: () => Promise<unknown>) {
    const version = await storeVersion(this.store);
    const tag = `"v${version}-${createHash('sha256').update(key).digest('base64url').slice(0, 12)}"`;
    reply.header('etag', tag);
    if (req.headers['if-none-match'] === tag) return reply.code(304).send();
    let hit = this.entries.get(key);
    if (!hit || hit.version !== version) {
      const body = Buffer.from(JSON.stringify(await compute()), 'utf8');
      // Compressed once per version: 30,000 organisations are ~8 MB of JSON, ~10× less gzipped.
      hit = { version, body, gzip: gzipSync(body, { level: 1 }) };
      this.entries.delete(key);
      this.entries.set(key, hit);
      // A few keys: the full list, and one per organisation whose token asked.
      if (this.entries.size > 64) this.entries.delete(this.entries.keys().next().value!);
    }
    reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')))
      return reply.header('content-encoding', 'gzip').send(hit.gzip);
    return reply.send(hit.body);
  }
}
