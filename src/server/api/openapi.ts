import * as S from './schemas.ts';
import { VERSION } from '../../cli/version.ts';

/** The API's OpenAPI 3.1 description, served at /api/openapi.json (public: it holds no data). */
function queryParams(schema: { properties: Record<string, object> }) {
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
}

const orgParam = {
  name: 'org',
  in: 'path',
  required: true,
  description: 'Organisation name as given (Unicode), percent-encoded.',
  schema: S.orgParams.properties.org,
};
const idParam = { name: 'id', in: 'path', required: true, schema: S.idParams.properties.id };
const json = (schema: object, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: { $ref: '#/components/responses/BadRequest' },
  401: { $ref: '#/components/responses/Unauthorized' },
  403: { $ref: '#/components/responses/Forbidden' },
};
const orgErrors = { ...errors, 404: { $ref: '#/components/responses/NotFound' } };

const orgDetail = {
  allOf: [
    { $ref: '#/components/schemas/OrgSummary' },
    {
      type: 'object',
      properties: {
        hosts: { type: 'array', items: { $ref: '#/components/schemas/Host' } },
        hostCount: { type: 'integer' },
        campaigns: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              findingId: { type: 'integer' },
              campaign: { type: 'string' },
              action: { type: 'string' },
              size: { type: 'integer' },
              orgs: { type: 'integer' },
              firstSeen: { type: 'string' },
              lastSeen: { type: 'string' },
              subjects: { type: 'array', items: { type: 'string' } },
              senders: { type: 'array', items: { type: 'string' } },
              status: { type: 'string' },
            },
          },
        },
        victims: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              findingId: { type: 'integer' },
              uid: { type: 'string' },
              domain: { type: 'string' },
              stage: { type: 'string' },
              firstSeen: { type: 'string' },
              lastSeen: { type: 'string' },
              status: { type: 'string' },
            },
          },
        },
        rules: {
          type: 'array',
          description:
            'What was found, per rule (false positives excluded): count, worst severity, first and last time.',
          items: {
            type: 'object',
            properties: {
              rule: { type: 'string' },
              count: { type: 'integer' },
              worst: { type: 'string' },
              first: { type: ['string', 'null'] },
              last: { type: ['string', 'null'] },
            },
          },
        },
        imports: { type: 'array', items: { type: 'object' } },
      },
    },
  ],
};

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil case store API',
      version: VERSION,
      description:
        'Who has been hacked, what has been done, how to patch — across organisations. Every route under /api ' +
        'except this document needs `Authorization: Bearer TOKEN` (vigil token create). Org tokens see their ' +
        'own organisation only (others answer 403, existing or not). False positives count nowhere.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          summary: 'Liveness and store reachability (no auth)',
          security: [],
          responses: { 200: json({ type: 'object' }), 503: json({ type: 'object' }, 'Store unreachable') },
        },
      },
      '/api/openapi.json': {
        get: {
          summary: 'This document (no auth)',
          security: [],
          responses: { 200: json({ type: 'object' }) },
        },
      },
      '/api/me': {
        get: {
          summary: "The caller's role",
          responses: {
            200: json({
              type: 'object',
              properties: {
                role: { type: 'string', enum: ['admin', 'analyst', 'org'] },
                org: { type: ['string', 'null'] },
                label: { type: 'string' },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/orgs': {
        get: {
          summary: 'Organisations, worst verdict first',
          responses: {
            200: json({ type: 'array', items: { $ref: '#/components/schemas/OrgSummary' } }),
            ...errors,
          },
        },
      },
      '/api/orgs/{org}': {
        get: {
          summary:
            'One organisation: hosts (build, patch advice, verdict), campaigns, SUNBURST victims, rules, imports',
          parameters: [orgParam],
          responses: { 200: json(orgDetail), ...orgErrors },
        },
      },
      '/api/orgs/{org}/findings': {
        get: {
          summary: 'Findings, most severe first then newest; opaque cursor pagination',
          parameters: [orgParam, ...queryParams(S.findingsQuery)],
          responses: {
            200: json({
              type: 'object',
              required: ['findings', 'next'],
              properties: {
                findings: { type: 'array', items: { $ref: '#/components/schemas/FindingItem' } },
                next: { type: ['string', 'null'], description: 'Cursor of the next page; null on the last.' },
              },
            }),
            ...orgErrors,
          },
        },
      },
      '/api/orgs/{org}/timeline': {
        get: {
          summary: 'Findings per day and severity (false positives excluded unless status= asks)',
          parameters: [orgParam, ...queryParams(S.filterQuery)],
          responses: {
            200: json({
              type: 'object',
              properties: {
                days: {
                  type: 'array',
                  items: {
                    allOf: [
                      { type: 'object', properties: { day: { type: 'string' } } },
                      { $ref: '#/components/schemas/SeverityCounts' },
                    ],
                  },
                },
              },
            }),
            ...orgErrors,
          },
        },
      },
      '/api/orgs/{org}/export': {
        get: {
          summary: 'Every finding matching the filters, as CSV or JSON Lines (the findings as imported)',
          parameters: [orgParam, ...queryParams(S.exportQuery)],
          responses: {
            200: {
              description: 'A download',
              content: {
                'text/csv': { schema: { type: 'string' } },
                'application/x-ndjson': { schema: { type: 'string' } },
              },
            },
            ...orgErrors,
          },
        },
      },
      '/api/orgs/{org}/import': {
        post: {
          summary: 'Import JSON Lines findings (admin); one transaction; re-import adds nothing',
          parameters: [orgParam, ...queryParams(S.importQuery)],
          requestBody: {
            required: true,
            content: {
              'application/x-ndjson': { schema: { type: 'string' } },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          responses: {
            200: json(S.importResult, 'Nothing new'),
            201: json(S.importResult, 'Findings added'),
            413: { $ref: '#/components/responses/TooLarge' },
            ...errors,
          },
        },
      },
      '/api/summary': {
        get: {
          summary: 'Counts across the organisations the caller sees (ETag as /api/orgs)',
          responses: {
            200: json({
              type: 'object',
              required: ['orgs', 'byVerdict', 'sunburstVictims', 'maliciousCampaigns'],
              properties: {
                orgs: { type: 'integer' },
                byVerdict: {
                  type: 'object',
                  properties: Object.fromEntries(
                    S.orgSummary.properties.verdict.enum.map((v) => [v, { type: 'integer' }]),
                  ),
                },
                sunburstVictims: { type: 'integer' },
                maliciousCampaigns: { type: 'integer' },
                findings: { $ref: '#/components/schemas/SeverityCounts' },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/findings/{id}': {
        get: {
          summary: 'One finding with its status history',
          parameters: [idParam],
          responses: { 200: json({ $ref: '#/components/schemas/FindingDetail' }), ...orgErrors },
        },
        patch: {
          summary: 'Change the status (analyst, admin); recorded beside the finding with who, when and why',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: S.statusBody } } },
          responses: { 200: json({ $ref: '#/components/schemas/FindingDetail' }), ...orgErrors },
        },
      },
      '/api/tokens': {
        get: {
          summary: 'Tokens (admin); never the tokens themselves',
          responses: { 200: json({ type: 'array' }), ...errors },
        },
        post: {
          summary: 'Create a token (admin); the token is in this answer only',
          requestBody: { required: true, content: { 'application/json': { schema: S.tokenBody } } },
          responses: {
            201: json({ type: 'object', properties: { token: { type: 'string' }, id: { type: 'integer' } } }),
            ...errors,
          },
        },
      },
      '/api/tokens/{id}': {
        delete: {
          summary: 'Revoke a token (admin)',
          parameters: [idParam],
          responses: { 204: { description: 'Revoked' }, ...orgErrors },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        SeverityCounts: S.severityCounts,
        OrgSummary: S.orgSummary,
        Host: S.host,
        FindingItem: S.findingItem,
        FindingDetail: {
          allOf: [
            { $ref: '#/components/schemas/FindingItem' },
            {
              type: 'object',
              properties: {
                importId: { type: ['integer', 'null'] },
                history: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      status: { type: 'string' },
                      actor: { type: 'string' },
                      reason: { type: 'string' },
                      at: { type: 'string' },
                    },
                  },
                },
              },
            },
          ],
        },
        Error: S.error,
      },
      responses: {
        BadRequest: json({ $ref: '#/components/schemas/Error' }, 'Invalid input'),
        Unauthorized: json({ $ref: '#/components/schemas/Error' }, 'No valid bearer token'),
        Forbidden: json({ $ref: '#/components/schemas/Error' }, 'The token may not see or do this'),
        NotFound: json({ $ref: '#/components/schemas/Error' }, 'Not found'),
        TooLarge: json({ $ref: '#/components/schemas/Error' }, 'Body over the size limit'),
      },
    },
  };
}
