import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/open.ts';
import { authenticate, type Role } from '../../store/tokens.ts';

export interface Caller {
  readonly tokenId: number;
  readonly role: Role;
  /** For the status log: the token's label, or its number. */
  readonly actor: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Error replies in one shape: { statusCode, error, message }. */
export function fail(reply: FastifyReply, code: number, message: string): FastifyReply {
  const error =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[code] ?? 'Error';
  return reply.code(code).send({ statusCode: code, error, message });
}

/**
 * Every /api route but the OpenAPI document needs `Authorization: Bearer TOKEN`. The token is
 * looked up in the store on each request, so a revocation holds at once for every API process.
 */
export function bearerAuth(store: Store) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/.exec(h) : null;
    const who = m ? await authenticate(store, m[1]!) : null;
    if (!who) {
      reply.header('www-authenticate', 'Bearer realm="vigil"');
      return fail(reply, 401, m ? 'unknown or revoked token' : 'Authorization: Bearer TOKEN required');
    }
    req.caller = { tokenId: who.id, role: who.role, actor: who.label || `token#${who.id}` };
  };
}

/** An org token sees its own organisation only: any other answers 403, existing or not. */
export function mayRead(c: Caller, org: string): boolean {
  return c.role.kind !== 'org' || c.role.org === org;
}

export function mayTriage(c: Caller): boolean {
  return c.role.kind === 'admin' || c.role.kind === 'analyst';
}

export function isAdmin(c: Caller): boolean {
  return c.role.kind === 'admin';
}
