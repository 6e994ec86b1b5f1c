/**
 * JSON Schemas of the API: used by Fastify to validate input (strictly: unknown fields are an
 * error, nothing is coerced) and gathered into the OpenAPI document served at /api/openapi.json.
 */
const severity = { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;
const verdict = {
  type: 'string',
  enum: ['compromised', 'attempted', 'vulnerable', 'probed', 'clean', 'unknown'],
} as const;
const status = { type: 'string', enum: ['open', 'triaged', 'false_positive', 'remediated'] } as const;
const nullableString = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const severityCounts = {
  type: 'object',
  required: ['critical', 'high', 'medium', 'low', 'info'],
  properties: { critical: count, high: count, medium: count, low: count, info: count },
} as const;

export const orgSummary = {
  type: 'object',
  required: ['org', 'verdict', 'hosts', 'findings', 'sunburst', 'mail', 'lastImport'],
  properties: {
    org: { type: 'string', description: 'The organisation name as given (Unicode).' },
    verdict,
    hosts: { ...count, description: 'Number of hosts.' },
    findings: { ...severityCounts, description: 'Findings per severity; false positives excluded.' },
    sunburst: { type: 'object', required: ['victims'], properties: { victims: count } },
    mail: {
      type: 'object',
      required: ['campaigns', 'malicious'],
      properties: {
        campaigns: { ...count, description: 'Campaigns received (mail.campaign findings).' },
        malicious: { ...count, description: 'Messages whose verdict is quarantine or reject.' },
        maliciousCampaigns: count,
      },
    },
    lastImport: { ...nullableString, format: 'date-time' },
  },
} as const;

export const host = {
  type: 'object',
  required: ['name', 'verdict', 'build', 'fix'],
  properties: {
    name: { type: 'string' },
    verdict: { ...verdict, description: "The host's latest exchange.verdict; unknown when none." },
    verdictFindingId: { type: ['integer', 'null'] },
    firstActivity: nullableString,
    build: {
      type: 'object',
      properties: {
        now: { ...nullableString, description: 'Exchange build running now (e.g. 15.1.2176.2).' },
        nowVerdict: { ...nullableString, description: 'vulnerable, likely_vulnerable, patched, unknown.' },
        label: nullableString,
        atFirstActivity: { ...nullableString, description: 'The build the first attack met.' },
        exposedAtFirstActivity: { type: ['boolean', 'null'] },
      },
    },
    fix: { ...nullableString, description: 'The exact update to install.' },
    attackerIps: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const findingItem = {
  type: 'object',
  required: ['id', 'org', 'rule', 'severity', 'time', 'host', 'title', 'status', 'finding'],
  properties: {
    id: { type: 'integer' },
    org: { type: 'string' },
    rule: { type: 'string' },
    severity,
    time: nullableString,
    host: nullableString,
    title: { type: 'string' },
    status,
    finding: { type: 'object', description: 'The finding as imported (DESIGN.md shape).' },
  },
} as const;

export const orgParams = {
  type: 'object',
  required: ['org'],
  additionalProperties: false,
  properties: { org: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } },
} as const;

const filterProps = {
  severity: {
    type: 'string',
    pattern: '^(info|low|medium|high|critical)(,(info|low|medium|high|critical)){0,4}$',
    description: 'Comma-separated severities.',
  },
  rule: { type: 'string', minLength: 1, maxLength: 200, description: 'A rule id, or a prefix ending in *.' },
  host: { type: 'string', minLength: 1, maxLength: 4096 },
  status: {
    type: 'string',
    pattern: '^(open|triaged|false_positive|remediated)(,(open|triaged|false_positive|remediated)){0,3}$',
  },
  q: { type: 'string', maxLength: 200, description: 'Text in the title (case-insensitive).' },
  since: { type: 'string', format: 'date-time' },
  until: { type: 'string', format: 'date-time' },
} as const;

export const findingsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProps,
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1–500, default 50.' },
    cursor: { type: 'string', maxLength: 200, description: 'The `next` of the previous page.' },
  },
} as const;

export const filterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: filterProps,
} as const;

export const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...filterProps, format: { type: 'string', enum: ['csv', 'jsonl'] } },
} as const;

export const statusBody = {
  type: 'object',
  required: ['status'],
  additionalProperties: false,
  properties: { status, reason: { type: 'string', maxLength: 2000 } },
} as const;

export const tokenBody = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: {
    role: { type: 'string', minLength: 1, maxLength: 210, description: 'admin, analyst or org:ORG.' },
    label: { type: 'string', maxLength: 200 },
  },
} as const;

export const importQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    strict: { type: 'string', enum: ['true', 'false'] },
    source: { type: 'string', maxLength: 200 },
  },
} as const;

export const importResult = {
  type: 'object',
  required: ['org', 'lines', 'added', 'duplicates', 'malformed', 'problems'],
  properties: {
    org: { type: 'string' },
    importId: { type: 'integer' },
    lines: count,
    added: count,
    duplicates: count,
    malformed: count,
    problems: {
      type: 'array',
      items: { type: 'object', properties: { line: { type: 'integer' }, message: { type: 'string' } } },
    },
  },
} as const;

export const error = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;
