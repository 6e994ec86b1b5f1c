import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/open.ts';
import {
  decodeCursor,
  findingOrg,
  findingsPage,
  getFinding,
  listOrgs,
  orgDetail,
  orgId,
  summary,
  timeline,
  type FindingFilter,
} from '../../store/queries.ts';
import { setStatus } from '../../store/status.ts';
import { checkOrgName, importLines, StrictImportError, textLines } from '../../store/import.ts';
import { createToken, listTokens, parseRole, revokeToken } from '../../store/tokens.ts';
import type { FindingStatus } from '../../store/verdicts.ts';
import type { Severity } from '../../model/severity.ts';
import { FINDING_CSV_COLUMNS, csvRow, findingCsvRow } from '../../report/csv.ts';
import { fail, isAdmin, mayRead, mayTriage, type Caller } from './auth.ts';
import * as S from './schemas.ts';
import { VersionedAnswers } from './answers.ts';

export interface RouteOptions {
  readonly store: Store;
  /** Largest JSONL body POST /api/orgs/:org/import accepts. */
  readonly importLimit: number;
}

type Filters = {
  severity?: string;
  rule?: string;
  host?: string;
  status?: string;
  q?: string;
  since?: string;
  until?: string;
};

function filterOf(q: Filters): FindingFilter {
  return {
    ...(q.severity ? { severity: q.severity.split(',') as Severity[] } : {}),
    ...(q.rule !== undefined ? { rule: q.rule } : {}),
    ...(q.host !== undefined ? { host: q.host } : {}),
    ...(q.status ? { status: q.status.split(',') } : {}),
    ...(q.q !== undefined ? { q: q.q } : {}),
    ...(q.since !== undefined ? { since: new Date(q.since).toISOString() } : {}),
    ...(q.until !== undefined ? { until: new Date(q.until).toISOString() } : {}),
  };
}

const caller = (req: FastifyRequest): Caller => req.caller!;

/**
 * Resolve `:org` for the caller: 400 if the name is not a valid one, 403 if an org token asks for
 * another organisation (before looking it up, so existence is not revealed), 404 if unknown.
 */
async function orgFor(
  store: Store,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<{ id: number; name: string } | null> {
  const name = (req.params as { org: string }).org;
  const bad = checkOrgName(name);
  if (bad) {
    fail(reply, 400, bad);
    return null;
  }
  if (!mayRead(caller(req), name)) {
    fail(reply, 403, 'this token sees another organisation only');
    return null;
  }
  const id = await orgId(store, name);
  if (id === null) {
    fail(reply, 404, 'no such organisation');
    return null;
  }
  return { id, name };
}

export function apiRoutes(app: FastifyInstance, opts: RouteOptions): void {
  const { store } = opts;
  const only = (req: FastifyRequest) => {
    const r = caller(req).role;
    return r.kind === 'org' ? r.org : undefined;
  };

  app.get('/me', async (req) => {
    const c = caller(req);
    return { role: c.role.kind, org: c.role.kind === 'org' ? c.role.org : null, label: c.actor };
  });

  const answers = new VersionedAnswers(store);
  app.get('/orgs', async (req, reply) =>
    answers.send(req, reply, `orgs:${only(req) ?? '*'}`, () => listOrgs(store, only(req))),
  );

  app.get('/summary', async (req, reply) =>
    answers.send(req, reply, `summary:${only(req) ?? '*'}`, () => summary(store, only(req))),
  );

  app.get('/orgs/:org', { schema: { params: S.orgParams } }, async (req, reply) => {
    const org = await orgFor(store, req, reply);
    if (!org) return reply;
    return orgDetail(store, org.name);
  });

  app.get(
    '/orgs/:org/findings',
    { schema: { params: S.orgParams, querystring: S.findingsQuery } },
    async (req, reply) => {
      const org = await orgFor(store, req, reply);
      if (!org) return reply;
      const q = req.query as Filters & { limit?: string; cursor?: string };
      const limit = q.limit ? Number(q.limit) : 50;
      if (limit > 500) return fail(reply, 400, 'limit is at most 500');
      const cursor = q.cursor !== undefined ? decodeCursor(q.cursor) : null;
      if (q.cursor !== undefined && !cursor) return fail(reply, 400, 'invalid cursor');
      return findingsPage(store, org, filterOf(q), limit, cursor);
    },
  );

  app.get(
    '/orgs/:org/timeline',
    { schema: { params: S.orgParams, querystring: S.filterQuery } },
    async (req, reply) => {
      const org = await orgFor(store, req, reply);
      if (!org) return reply;
      return { days: await timeline(store, org.id, filterOf(req.query as Filters)) };
    },
  );

  app.get(
    '/orgs/:org/export',
    { schema: { params: S.orgParams, querystring: S.exportQuery } },
    async (req, reply) => {
      const org = await orgFor(store, req, reply);
      if (!org) return reply;
      const q = req.query as Filters & { format?: 'csv' | 'jsonl' };
      const format = q.format ?? 'jsonl';
      const filter = filterOf(q);
      async function* rows() {
        if (format === 'csv') yield csvRow(FINDING_CSV_COLUMNS);
        let cursor = null;
        for (;;) {
          const page = await findingsPage(store, org!, filter, 1000, cursor);
          let chunk = '';
          for (const f of page.findings)
            chunk += format === 'csv' ? findingCsvRow(f) : `${JSON.stringify(f.finding)}\n`;
          if (chunk) yield chunk;
          if (!page.next) return;
          cursor = decodeCursor(page.next);
        }
      }
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="findings.${format}"`);
      return reply.send(Readable.from(rows()));
    },
  );

  app.post(
    '/orgs/:org/import',
    {
      bodyLimit: opts.importLimit,
      schema: { params: S.orgParams, querystring: S.importQuery },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (req, reply) => {
      const name = (req.params as { org: string }).org;
      if (!isAdmin(caller(req))) return fail(reply, 403, 'importing needs an admin token');
      const bad = checkOrgName(name);
      if (bad) return fail(reply, 400, bad);
      if (typeof req.body !== 'string')
        return fail(reply, 400, 'the body must be JSON Lines (application/x-ndjson)');
      const q = req.query as { strict?: string; source?: string };
      try {
        const r = await importLines(store, textLines(req.body), {
          org: name,
          source: q.source ?? 'api',
          actor: caller(req).actor,
          strict: q.strict === 'true',
        });
        return reply.code(r.added ? 201 : 200).send(r);
      } catch (e) {
        if (e instanceof StrictImportError) return fail(reply, 400, e.message);
        throw e;
      }
    },
  );

  app.get('/findings/:id', { schema: { params: S.idParams } }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const org = await findingOrg(store, id);
    if (!org || !mayRead(caller(req), org))
      return caller(req).role.kind === 'org'
        ? fail(reply, 403, 'not a finding of this token’s organisation')
        : fail(reply, 404, 'no such finding');
    return getFinding(store, id);
  });

  app.patch('/findings/:id', { schema: { params: S.idParams, body: S.statusBody } }, async (req, reply) => {
    if (!mayTriage(caller(req))) return fail(reply, 403, 'changing a status needs an analyst or admin token');
    const id = Number((req.params as { id: string }).id);
    const b = req.body as { status: FindingStatus; reason?: string };
    const done = await setStatus(store, {
      id,
      status: b.status,
      actor: caller(req).actor,
      reason: b.reason ?? '',
    });
    if (!done) return fail(reply, 404, 'no such finding');
    return getFinding(store, id);
  });

  app.get('/tokens', async (req, reply) => {
    if (!isAdmin(caller(req))) return fail(reply, 403, 'managing tokens needs an admin token');
    return listTokens(store);
  });

  app.post('/tokens', { schema: { body: S.tokenBody } }, async (req, reply) => {
    if (!isAdmin(caller(req))) return fail(reply, 403, 'managing tokens needs an admin token');
    const b = req.body as { role: string; label?: string };
    let role;
    try {
      role = parseRole(b.role);
    } catch (e) {
      return fail(reply, 400, (e as Error).message);
    }
    const t = await createToken(store, role, b.label ?? '');
    return reply.code(201).send({ token: t.token, ...t.info });
  });

  app.delete('/tokens/:id', { schema: { params: S.idParams } }, async (req, reply) => {
    if (!isAdmin(caller(req))) return fail(reply, 403, 'managing tokens needs an admin token');
    const ok = await revokeToken(store, Number((req.params as { id: string }).id));
    if (!ok) return fail(reply, 404, 'no such active token');
    return reply.code(204).send();
  });
}
