import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { vigil } from '../support/cli.ts';

/**
 * Issue 12, item 3: every feed and indicator that matched is credited, `matched` is the value as
 * compared, and `intel match --format stix` gives sightings back to MISP / OpenCTI.
 */
const USER_ID = 'indicator--00000000-0000-4000-8000-000000000001';

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sightings-'));
  writeFileSync(
    join(dir, 'bundle.json'),
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--00000000-0000-4000-8000-0000000000b1',
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id: USER_ID,
          created: '2021-05-28T00:00:00.000Z',
          modified: '2021-05-28T00:00:00.000Z',
          name: 'NOBELIUM landing domain',
          pattern: "[domain-name:value = 'theyardservice.com']",
          pattern_type: 'stix',
          valid_from: '2021-05-28T00:00:00Z',
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'defanged.txt'), 'malicious-cdn[.]example[.]org\n');
  mkdirSync(join(dir, 'logs'));
  // BIND query log lines (the format of `querylog yes`).
  writeFileSync(
    join(dir, 'logs', 'named.log'),
    [
      '28-May-2021 09:14:02.120 queries: info: client @0x7f3a5c0b1000 10.20.1.15#53211 (usaid.theyardservice.com): query: usaid.theyardservice.com IN A +E(0)K (10.20.0.53)',
      '28-May-2021 09:20:44.001 queries: info: client @0x7f3a5c0b1000 10.20.1.16#53212 (cdn.malicious-cdn.example.org): query: cdn.malicious-cdn.example.org IN A +E(0)K (10.20.0.53)',
      '28-May-2021 11:02:13.500 queries: info: client @0x7f3a5c0b1000 10.20.1.15#53300 (usaid.theyardservice.com): query: usaid.theyardservice.com IN A +E(0)K (10.20.0.53)',
      '',
    ].join('\n'),
  );
  return dir;
}

test("a user's own STIX indicator is credited beside the built-in pack entry; matched is the refanged value", () => {
  const dir = fixture();
  try {
    const r = vigil([
      'intel',
      'match',
      join(dir, 'logs'),
      '--intel',
      join(dir, 'bundle.json'),
      join(dir, 'defanged.txt'),
      '--format',
      'jsonl',
      '--quiet',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const f = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: { line: number }; evidence: Record<string, unknown> });
    assert.deepEqual(
      f.map((x) => [x.source.line, x.evidence['feed'], x.evidence['indicator'], x.evidence['matched']]),
      [
        [1, 'nobelium', 'theyardservice.com', 'theyardservice.com'],
        [2, 'defanged.txt', 'malicious-cdn[.]example[.]org', 'malicious-cdn.example.org'],
        [3, 'nobelium', 'theyardservice.com', 'theyardservice.com'],
      ],
    );
    assert.deepEqual(f[0]!.evidence['indicators'], [
      { feed: 'nobelium', id: 'theyardservice.com', type: 'domain', value: 'theyardservice.com' },
      { feed: 'bundle.json', id: USER_ID, type: 'domain', value: 'theyardservice.com' },
    ]);
    assert.deepEqual(f[1]!.evidence['indicators'], [
      {
        feed: 'defanged.txt',
        id: 'malicious-cdn[.]example[.]org',
        type: 'domain',
        value: 'malicious-cdn.example.org',
      },
    ]);
    assert.equal(f[1]!.evidence['value'], 'cdn.malicious-cdn.example.org');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The parts of the STIX 2.1 specification (sections 3, 4, 5.2, 5.7, 5.8) a consumer checks.
const ID = (t: string) => ({
  type: 'string',
  pattern: `^${t}--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
});
const TS = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
const common = (t: string) => ({
  type: { const: t },
  spec_version: { const: '2.1' },
  id: ID(t),
  created: TS,
  modified: TS,
  created_by_ref: ID('identity'),
});
const STIX_BUNDLE = {
  type: 'object',
  required: ['type', 'id', 'objects'],
  properties: {
    type: { const: 'bundle' },
    id: ID('bundle'),
    objects: {
      type: 'array',
      minItems: 1,
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['type', 'spec_version', 'id', 'created', 'modified', 'name'],
            properties: { ...common('identity'), identity_class: { type: 'string' } },
          },
          {
            type: 'object',
            required: [
              'type',
              'spec_version',
              'id',
              'created',
              'modified',
              'pattern',
              'pattern_type',
              'valid_from',
            ],
            properties: {
              ...common('indicator'),
              pattern: { type: 'string', minLength: 1 },
              pattern_type: { enum: ['stix', 'pcre', 'sigma', 'snort', 'suricata', 'yara'] },
              valid_from: TS,
            },
          },
          {
            type: 'object',
            required: ['type', 'spec_version', 'id', 'created', 'modified', 'sighting_of_ref'],
            properties: {
              ...common('sighting'),
              sighting_of_ref: ID('indicator'),
              first_seen: TS,
              last_seen: TS,
              count: { type: 'integer', minimum: 0, maximum: 999999999 },
            },
          },
        ],
      },
    },
  },
};

test('intel match --format stix: a STIX 2.1 bundle of sightings of every matched indicator, with first/last seen and count', () => {
  const dir = fixture();
  try {
    const r = vigil([
      'intel',
      'match',
      join(dir, 'logs'),
      '--intel',
      join(dir, 'bundle.json'),
      join(dir, 'defanged.txt'),
      '--format',
      'stix',
      '--quiet',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const bundle = JSON.parse(r.stdout) as { objects: Record<string, unknown>[] };
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(STIX_BUNDLE);
    assert.ok(validate(bundle), JSON.stringify(validate.errors));
    const byId = new Map(bundle.objects.map((o) => [o['id'], o]));
    const sightings = bundle.objects.filter((o) => o['type'] === 'sighting');
    // Every reference resolves inside the bundle, except the user's own indicator (they hold it).
    for (const s of sightings) {
      assert.ok(byId.has(s['created_by_ref']));
      if (s['sighting_of_ref'] !== USER_ID)
        assert.ok(byId.has(s['sighting_of_ref']), String(s['sighting_of_ref']));
    }
    const summary = sightings.map((s) => {
      const ind = byId.get(s['sighting_of_ref']);
      return [
        ind ? ind['pattern'] : s['sighting_of_ref'],
        ind ? ind['labels'] : null,
        s['first_seen'],
        s['last_seen'],
        s['count'],
      ];
    });
    assert.deepEqual(summary, [
      [
        "[domain-name:value = 'theyardservice.com']",
        ['feed:nobelium'],
        '2021-05-28T09:14:02.120Z',
        '2021-05-28T11:02:13.500Z',
        2,
      ],
      [USER_ID, null, '2021-05-28T09:14:02.120Z', '2021-05-28T11:02:13.500Z', 2],
      [
        "[domain-name:value = 'malicious-cdn.example.org']",
        ['feed:defanged.txt'],
        '2021-05-28T09:20:44.001Z',
        '2021-05-28T09:20:44.001Z',
        1,
      ],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
