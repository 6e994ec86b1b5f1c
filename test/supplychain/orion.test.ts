import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { orionBuilds } from '../../src/supplychain/orion.ts';
import { vigil } from '../support/cli.ts';
import { DATA, dataTest } from '../support/paths.ts';

dataTest('the build table agrees with FireEye and the Taillon list', () => {
  const { bySha } = orionBuilds();
  // Every SUNBURST DLL FireEye lists is backdoored in our table; its "Benign" test builds are tampered_test.
  for (const row of readFileSync(join(DATA, 'sunburst/fireeye_Indicator_Release_Hashes.csv'), 'utf8')
    .split('\n')
    .slice(1)) {
    const [sha256, , , name, , , , , family] = row.split(',');
    if (name !== 'SolarWinds.Orion.Core.BusinessLayer.dll') continue;
    assert.equal(bySha.get(sha256!)?.verdict, family === 'Benign' ? 'tampered_test' : 'backdoored', sha256);
  }
  for (const row of readFileSync(join(DATA, 'sunburst/taillon_affected_solarwinds_products.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)) {
    const [, present, version, sha256] = row.trim().split(',');
    const b = bySha.get(sha256!);
    assert.ok(b, sha256);
    assert.equal(b.version, version);
    assert.equal(
      b.verdict,
      present === 'Yes' ? 'backdoored' : present === 'No' ? 'clean_unverified' : 'tampered_test',
      row,
    );
  }
});

test('vigil orion check: a Get-FileHash listing and a collected folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-orion-'));
  mkdirSync(join(dir, 'SolarWinds/Orion'), { recursive: true });
  writeFileSync(join(dir, 'SolarWinds/Orion/SolarWinds.Orion.Core.BusinessLayer.dll'), randomBytes(4096));
  writeFileSync(
    join(dir, 'hashes.csv'),
    [
      '#TYPE Microsoft.PowerShell.Commands.FileHashInfo',
      '"Algorithm","Hash","Path"',
      '"SHA256","CE77D116A074DAB7A22A0FD4F2C1AB475F16EEC42E1DED3C0B0AA8211FE858D6","C:\\Program Files (x86)\\SolarWinds\\Orion\\SolarWinds.Orion.Core.BusinessLayer.dll"',
      '"SHA256","D3C6785E18FBA3749FB785BC313CF8346182F532C59172B69ADFB31B96A5D0AF","D:\\backup\\SolarWinds.Orion.Core.BusinessLayer.dll"',
      '"SHA256","CC870C07EEB672AB33B6C2BE51B173AD5564AF5D98BFC02DA02367A9E349A76F","E:\\SolarWinds.Orion.Core.BusinessLayer.dll"',
      '"SHA256","C15ABAF51E78CA56C0376522D699C978217BF041A3BD3C71D09193EFA5717C71","C:\\inetpub\\SolarWinds\\bin\\App_Web_logoimagehandler.ashx.b6031896.dll"',
      '"MD5","F612BCE839D855BBFF98214A197489F7","C:\\Windows\\SysWOW64\\NetSetupSvc.dll"',
      '"SHA256","0000000000000000000000000000000000000000000000000000000000000000","C:\\Windows\\notepad.exe"',
    ].join('\r\n'),
  );
  writeFileSync(
    join(dir, 'inventory.csv'),
    'FullPath,SHA256,FileVersion\n"C:\\Orion\\SolarWinds.Orion.Core.BusinessLayer.dll",1111111111111111111111111111111111111111111111111111111111111111,2020.2.5300.12432\n',
  );
  const r = vigil(['orion', 'check', dir, '--format', 'jsonl']);
  assert.equal(r.code, 1, r.stderr);
  const got = r.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          rule: string;
          severity: string;
          source: { path: string; line?: number };
          evidence: Record<string, string>;
        },
    )
    .map(
      (f) =>
        `${f.severity} ${f.rule} ${f.source.path}${f.source.line ? `:${f.source.line}` : ''} ${f.evidence['verdict'] ?? String(f.evidence['note']).split(' ')[0]}`,
    )
    .sort();
  assert.deepEqual(got, [
    'critical intel.match hashes.csv:6 SUPERNOVA',
    'critical intel.match hashes.csv:7 TEARDROP',
    'critical orion.build hashes.csv:3 backdoored',
    'high orion.build inventory.csv:2 backdoored_version',
    'info orion.build hashes.csv:5 clean_unverified',
    'low orion.build SolarWinds/Orion/SolarWinds.Orion.Core.BusinessLayer.dll unknown',
    'medium orion.build hashes.csv:4 tampered_test',
  ]);
});
