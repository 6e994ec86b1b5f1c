import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePattern, PatternError } from '../../src/intel/stix/pattern.ts';
import { IntelIndex } from '../../src/intel/index.ts';
import { loadFeedText } from '../../src/intel/load/index.ts';
import { intelDetector } from '../../src/intel/detectors.ts';
import { OBSERVER_TABLE } from '../../src/triage/registry.ts';
import type { Finding } from '../../src/model/finding.ts';
import type { VigilRecord } from '../../src/model/records.ts';

// The pattern examples of the STIX 2.1 specification (§9.9) and its grammar's corner cases.
const SPEC_EXAMPLES = [
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
  "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
  "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul']",
  "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
  "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
  "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
  "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
  "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
  "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
  "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
  "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
  "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
  "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
  "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
  "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
  "[x-usb-device:usbdrive.serial_number = '575833303953343246463336']",
  "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
  "[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
  "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
  "[file:name LIKE 'stuff%' OR file:name NOT IN ('a.exe', 'b.exe')]",
  '[file:size > 1000 AND file:size <= 2048] OR [EXISTS file:name AND NOT EXISTS file:hashes.MD5]',
];

test('every pattern example of the STIX 2.1 specification parses', () => {
  for (const p of SPEC_EXAMPLES) assert.doesNotThrow(() => parsePattern(p), p);
  const ast = parsePattern(SPEC_EXAMPLES[4]!);
  assert.equal(ast.kind, 'followedby');
  // The grammar binds a qualifier to the observation expression before it (here the second one).
  assert.ok(ast.kind === 'followedby' && ast.parts[1]!.qualifiers[0]?.kind === 'within');
  const rep = parsePattern(SPEC_EXAMPLES[11]!);
  assert.deepEqual(rep.qualifiers, [
    { kind: 'repeats', times: 5 },
    { kind: 'within', seconds: 180 },
  ]);
});

test('malformed patterns are rejected with the column', () => {
  const cases: [string, number, RegExp][] = [
    ["[file:name = 'x'", 17, /expected '\]'/],
    ["[file:name == 'x']", 13, /expected a literal/],
    ["[file:name = 'x] ", 14, /unterminated string/],
    ["[file:name = 'x'] WITHIN -5 SECONDS", 26, /WITHIN needs a positive number/],
    ["[file:created = t'2014-01-13']", 17, /invalid timestamp/],
    ["[file:name MATCHES '(']", 12, /invalid regular expression/],
    ["file:name = 'x'", 1, /expected '\[' or '\('/],
  ];
  for (const [p, col, re] of cases) {
    try {
      parsePattern(p);
      assert.fail(`accepted ${p}`);
    } catch (e) {
      assert.ok(e instanceof PatternError, p);
      assert.equal(e.column, col, `${p}: ${e.message}`);
      assert.match(e.message, re, p);
    }
  }
});

function bundle(patterns: readonly string[]): string {
  return JSON.stringify({
    type: 'bundle',
    id: 'bundle--00000000-0000-4000-8000-000000000000',
    objects: patterns.map((pattern, i) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: '2021-03-02T00:00:00.000Z',
      modified: '2021-03-02T00:00:00.000Z',
      name: `example ${i}`,
      pattern,
      pattern_type: 'stix',
      valid_from: '2021-03-02T00:00:00Z',
    })),
  });
}

test('a bundle of the spec examples: indexed, evaluated per record, or rejected with the reason', () => {
  const index = new IntelIndex();
  const r = loadFeedText(bundle([...SPEC_EXAMPLES, "[file:name = 'x'"]), 'spec.json', index, 'spec');
  assert.equal(r.format, 'stix');
  assert.deepEqual(
    r.rejected.map((x) => x.where),
    ['objects[24] indicator--00000000-0000-4000-8000-000000000024'],
  );
  const why = Object.fromEntries(
    r.unsupported.map((x) => [Number(/objects\[(\d+)\]/.exec(x.where)![1]), x.reason]),
  );
  assert.match(why[3]!, /AND between observation expressions needs several records/);
  assert.match(why[4]!, /FOLLOWEDBY between observation expressions/);
  assert.match(why[5]!, /AND between observation expressions/);
  assert.match(why[6]!, /no Vigil reader observes artifact:mime_type, artifact:payload_bin/);
  assert.match(why[8]!, /no Vigil reader observes/);
  assert.match(why[11]!, /REPEATS/);
  assert.match(why[14]!, /x509-certificate/);
  assert.match(why[18]!, /x-usb-device/);
  assert.match(why[19]!, /FOLLOWEDBY/);
  assert.match(why[20]!, /STARTSTOP/);
  assert.equal(
    r.loaded + r.rejected.length + r.unsupported.length,
    SPEC_EXAMPLES.length + 1,
    'every indicator accounted for',
  );
});

async function run(index: IntelIndex, rec: VigilRecord): Promise<Finding[]> {
  const out: Finding[] = [];
  await intelDetector.create({ intel: index, observers: OBSERVER_TABLE }).onRecord(rec, (f) => out.push(f));
  return out;
}

test('indexed and per-record STIX indicators match records, with the STIX id as evidence', async () => {
  const index = new IntelIndex();
  loadFeedText(bundle(SPEC_EXAMPLES), 'spec.json', index, 'spec');
  const file = {
    kind: 'file',
    source: { path: 'x/stuff-1.exe' },
    name: 'stuff-1.exe',
    size: 10,
    sha256: 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f',
    sha1: '',
    md5: '',
    fileKind: 'unknown',
    head: new Uint8Array(),
  } as const;
  const f = await run(index, file);
  const byId = f.map((x) => [x.evidence['indicator'], x.evidence['type'], x.evidence['value']]);
  assert.deepEqual(
    byId.sort(),
    [
      [
        'indicator--00000000-0000-4000-8000-000000000000',
        'sha256',
        'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f',
      ],
      ['indicator--00000000-0000-4000-8000-000000000022', 'stix-pattern', 'stuff-1.exe'], // LIKE 'stuff%' (predicate)
      ['indicator--00000000-0000-4000-8000-000000000023', 'stix-pattern', 'stuff-1.exe'], // EXISTS file:name AND NOT EXISTS file:hashes.MD5
    ].sort(),
  );
  const dns = await run(index, {
    kind: 'dns.query',
    source: { path: 'q.log', line: 3 },
    qname: 'a.www.5z8.info',
  });
  assert.deepEqual(
    dns,
    [],
    'the domain-name example is an AND with resolves_to_refs: a predicate, not a bare domain',
  );
  const ip = await run(index, {
    kind: 'dns.query',
    source: { path: 'q.log', line: 4 },
    qname: 'x.example.org',
    answers: ['198.51.100.77'],
  });
  assert.equal(ip.length, 1);
  assert.equal(ip[0]!.evidence['type'], 'cidr'); // [ipv4-addr:value ISSUBSET '198.51.100.0/24']
  assert.equal(ip[0]!.evidence['field'], 'answer');
});
