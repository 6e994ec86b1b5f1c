import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { REPO } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';
import { makeZip } from '../../scripts/lib/zip.ts';
import { httpProxyLog } from '../../scripts/lib/formats.ts';

// The official SARIF 2.1.0 schema and Microsoft's validator, both from @microsoft/sarif-multitool.
const TOOL_DIR = join(REPO, 'node_modules/@microsoft/sarif-multitool-linux');
const schema = JSON.parse(readFileSync(join(TOOL_DIR, 'sarif-2.1.0.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

test('the schema check itself rejects a broken log (so a pass means something)', () => {
  assert.notDeepEqual(
    schemaErrors({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'bad', message: {} }] }],
    }),
    [],
  );
});

test('SARIF of the example incident validates against the official SARIF 2.1.0 schema', () => {
  const r = vigil(['triage', 'examples/incident', '--format', 'sarif']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    runs: {
      results: {
        ruleId: string;
        level: string;
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
        }[];
      }[];
      tool: { driver: { rules: { id: string }[] } };
    }[];
  };
  assert.deepEqual(schemaErrors(doc), []);
  const run = doc.runs[0]!;
  assert.equal(run.results.length, 31);
  const probe = run.results.find(
    (x) =>
      x.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('HttpProxy_2021030215-1.LOG') &&
      x.level === 'note',
  )!;
  assert.equal(probe.ruleId, 'exchange.proxylogon.ssrf');
  assert.equal(probe.locations[0]!.physicalLocation.region!.startLine, 7);
  for (const res of run.results) assert.ok(run.tool.driver.rules.some((rule) => rule.id === res.ruleId));
});

test('hostile paths (spaces, #, %, !, unicode) become valid URI references', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sarif-'));
  const log = httpProxyLog([
    {
      DateTime: '2021-03-03T06:49:43.699Z',
      AnchorMailbox: 'ServerInfo~a]@ex01:444/mapi/emsmdb/?#',
      HttpStatus: '200',
    },
  ]);
  writeFileSync(
    join(dir, 'weird #1 100% é.zip'),
    makeZip([{ name: 'Logs [copy]/Http Proxy?.LOG', data: log }]),
  );
  const r = vigil(['triage', dir, '--format', 'sarif']);
  const doc = JSON.parse(r.stdout) as {
    runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
  };
  assert.deepEqual(schemaErrors(doc), []);
  assert.equal(
    doc.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri,
    'weird%20%231%20100%25%20%C3%A9.zip%21/Logs%20%5Bcopy%5D/Http%20Proxy%3F.LOG',
  );
});

/** Errors that Microsoft's SARIF validator (schema + SARIF1xxx rules) reports for a log. */
function multitoolErrors(sarifText: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sarif-'));
  const input = join(dir, 'in.sarif');
  const output = join(dir, 'validation.sarif');
  writeFileSync(input, sarifText);
  execFileSync(join(TOOL_DIR, 'Sarif.Multitool'), ['validate', input, '-o', output], {
    stdio: 'pipe',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  const results = (
    JSON.parse(readFileSync(output, 'utf8')) as { runs: { results: { ruleId: string; level?: string }[] }[] }
  ).runs[0]!.results;
  // Warnings (e.g. whole-file findings without a region) are advice; errors break consumers.
  return results.filter((x) => x.level === 'error').map((x) => x.ruleId);
}

const noMultitool =
  !existsSync(join(TOOL_DIR, 'Sarif.Multitool')) && 'Sarif.Multitool not installed for this platform';

test("Microsoft's SARIF validator reports no error on our output", { skip: noMultitool }, () => {
  assert.deepEqual(multitoolErrors(vigil(['triage', 'examples/incident', '--format', 'sarif']).stdout), []);
});

test("Microsoft's SARIF validator does catch a broken log", { skip: noMultitool }, () => {
  const bad = {
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'x', rules: [{ id: 'a' }] } },
        results: [
          {
            ruleId: 'b',
            ruleIndex: 5,
            message: { text: 'm' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'a b' }, region: { startLine: 0 } } }],
          },
        ],
      },
    ],
  };
  assert.deepEqual(multitoolErrors(JSON.stringify(bad)).sort(), [
    'JSON1008',
    'SARIF1002',
    'SARIF1007',
    'SARIF1009',
  ]);
});
