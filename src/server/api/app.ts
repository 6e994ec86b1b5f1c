import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import { sql } from 'kysely';
import type { Store } from '../../store/open.ts';
import { hashToken } from '../../store/tokens.ts';
import { apiRoutes } from './routes.ts';
import { bearerAuth, fail } from './auth.ts';
import { openApiDocument } from './openapi.ts';

export interface ApiOptions {
  readonly store: Store;
  /** The built dashboard (web/dist); served at / when it exists. */
  readonly webRoot?: string;
  /** Largest import body (bytes); default 64 MiB. */
  readonly importLimit?: number;
  /** Requests per minute per token (or address, before authentication). */
  readonly rateLimit?: number;
  readonly logger?: FastifyServerOptions['logger'];
}

/** The page and its assets hold no data; the CSP keeps attacker text shown in it inert. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  // No string ever becomes markup or script in the page: the browser refuses innerHTML and the like.
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const DEFAULT_WEB_ROOT = resolve(import.meta.dirname, '..', '..', '..', 'web', 'dist');

declare module 'fastify' {
  interface FastifyInstance {
    vigilRoutes: readonly string[];
  }
}

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    // Strict input: an unknown field is a 400, not silently dropped; "3" is not 3.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    routerOptions: { maxParamLength: 1000 },
    return503OnClosing: true,
  });

  // Every route, as registered: the OpenAPI test checks the document against this list.
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  app.decorate('vigilRoutes', routes);

  app.addHook('onSend', async (req, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (code >= 500) req.log.error({ err }, 'request failed');
    const message = code >= 500 ? 'internal error' : err.message;
    return reply.code(code).send({
      statusCode: code,
      error:
        code === 413
          ? 'Payload Too Large'
          : code === 429
            ? 'Too Many Requests'
            : code >= 500
              ? 'Internal Server Error'
              : 'Bad Request',
      message,
    });
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await sql`select 1`.execute(opts.store.db);
      return { ok: true, store: opts.store.dialect };
    } catch {
      return reply.code(503).send({ ok: false, store: opts.store.dialect });
    }
  });

  const doc = openApiDocument();
  app.get('/api/openapi.json', async () => doc);

  await app.register(rateLimit, { global: false });
  await app.register(
    async (api) => {
      await api.register(rateLimit, {
        max: opts.rateLimit ?? 1200,
        timeWindow: '1 minute',
        keyGenerator: (req) => {
          const h = req.headers.authorization;
          return typeof h === 'string' ? hashToken(h).slice(0, 32) : req.ip;
        },
      });
      api.addContentTypeParser(
        ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'text/plain'],
        { parseAs: 'string' },
        (_req, body, done) => done(null, body),
      );
      api.addHook('onRequest', bearerAuth(opts.store));
      apiRoutes(api, { store: opts.store, importLimit: opts.importLimit ?? 64 * 1024 * 1024 });
      api.setNotFoundHandler((_req, reply) => fail(reply, 404, 'no such API route'));
    },
    { prefix: '/api' },
  );

  const web = opts.webRoot ?? DEFAULT_WEB_ROOT;
  if (existsSync(resolve(web, 'index.html'))) {
    await app.register(fastifyStatic, { root: web, prefix: '/', index: 'index.html', wildcard: true });
    // Client-side routes (/org/…) get the page; the page then asks the API.
    app.setNotFoundHandler((req, reply) => {
      if (
        req.method === 'GET' &&
        !req.url.startsWith('/api/') &&
        !/\.[a-z0-9]+$/i.test(req.url.split('?')[0]!)
      )
        return reply.sendFile('index.html');
      return fail(reply, 404, 'not found');
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'Vigil API: the dashboard is not built (npm run build:web). API description: /api/openapi.json\n',
        ),
    );
  }
  return app;
}
