import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigmaRuleSet } from '../../src/rules/sigma/ruleset.ts';
import type { WinEvent } from '../../src/model/records.ts';

/**
 * The Sigma specification's modifiers and condition forms, each shown to match what it should
 * and to refuse what it should not, on events shaped as the EVTX reader yields them.
 */
const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

function proc(data: Record<string, string>, eventId = 1, channel = SYSMON): WinEvent {
  return {
    kind: 'winevent',
    source: { path: 't.evtx', offset: 0 },
    provider: channel === SYSMON ? 'Microsoft-Windows-Sysmon' : 'Microsoft-Windows-Security-Auditing',
    eventId,
    channel,
    data,
  };
}

function rules(yaml: string, opts: ConstructorParameters<typeof SigmaRuleSet>[0] = {}): SigmaRuleSet {
  return new SigmaRuleSet(opts).addText(yaml, 'inline.yml');
}

/** A process_creation rule with the given detection block. */
function detection(block: string, opts: ConstructorParameters<typeof SigmaRuleSet>[0] = {}): SigmaRuleSet {
  const rs = rules(
    `title: t\nid: r1\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n${block}`,
    opts,
  );
  assert.deepEqual([...rs.errors, ...rs.unsupported], [], 'the rule loads');
  return rs;
}

const fires = (rs: SigmaRuleSet, e: WinEvent) =>
  rs
    .matchWinEvent(e)
    .map((m) => m.rule.id)
    .includes('r1');

test('plain values: case-insensitive equality, wildcards * and ?, escapes, lists are OR, maps are AND', () => {
  const rs = detection(
    `  sel:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n    CommandLine:\n      - '*whoami*'\n      - 'net? user'\n      - 'literal \\* star'\n  condition: sel\n`,
  );
  assert.ok(fires(rs, proc({ Image: 'c:\\windows\\system32\\CMD.EXE', CommandLine: 'cmd /c WHOAMI /all' })));
  assert.ok(fires(rs, proc({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'net1 user' })));
  assert.ok(fires(rs, proc({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'literal * star' })));
  assert.ok(
    !fires(rs, proc({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'literal x star' })),
    'an escaped * is literal',
  );
  assert.ok(
    !fires(rs, proc({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'net12 user' })),
    '? is exactly one character',
  );
  assert.ok(
    !fires(rs, proc({ Image: 'C:\\Windows\\System32\\cmd.exe.bak', CommandLine: 'whoami' })),
    'plain value is whole-field equality',
  );
  assert.ok(!fires(rs, proc({ CommandLine: 'whoami' })), 'AND needs Image too');
});

test('contains, startswith, endswith, all, cased', () => {
  const rs = detection(
    `  a:\n    CommandLine|contains|all:\n      - ' -enc '\n      - 'hidden'\n  b:\n    Image|endswith: '\\powershell.exe'\n  c:\n    ParentImage|startswith: 'C:\\Users\\'\n  d:\n    CurrentDirectory|cased: 'C:\\Temp\\'\n  condition: a and b and c or d\n`,
  );
  assert.ok(
    fires(
      rs,
      proc({
        CommandLine: 'powershell -W Hidden -enc AAAA',
        Image: 'C:\\x\\PowerShell.exe',
        ParentImage: 'c:\\users\\bob\\a.exe',
      }),
    ),
  );
  assert.ok(
    !fires(
      rs,
      proc({
        CommandLine: 'powershell -enc AAAA',
        Image: 'C:\\x\\powershell.exe',
        ParentImage: 'C:\\Users\\a.exe',
      }),
    ),
    'all: every value',
  );
  assert.ok(fires(rs, proc({ CurrentDirectory: 'C:\\Temp\\' })));
  assert.ok(!fires(rs, proc({ CurrentDirectory: 'c:\\temp\\' })), 'cased is case-sensitive');
});

test('base64 and base64offset (also after wide): a value found at any byte offset of an encoded text', () => {
  const rs = detection(
    `  a:\n    CommandLine|base64offset|contains: '/bin/bash'\n  b:\n    CommandLine|wide|base64offset|contains: 'ping'\n  c:\n    CommandLine|base64: 'whoami'\n  condition: 1 of them\n`,
  );
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64w = (s: string) => Buffer.from(s, 'utf16le').toString('base64');
  for (const prefix of ['', 'a', 'ab', 'abc']) {
    assert.ok(
      fires(rs, proc({ CommandLine: `echo ${b64(`${prefix}/bin/bash -i`)} | base64 -d` })),
      `utf-8 at offset ${prefix.length}`,
    );
    assert.ok(
      fires(rs, proc({ CommandLine: `powershell -enc ${b64w(`${prefix}ping 10.0.0.1`)}` })),
      `utf-16 at offset ${prefix.length}`,
    );
  }
  assert.ok(fires(rs, proc({ CommandLine: b64('whoami') })));
  assert.ok(
    !fires(rs, proc({ CommandLine: b64('whoami').toLowerCase() })),
    'base64 text is compared exactly',
  );
  assert.ok(!fires(rs, proc({ CommandLine: `powershell -enc ${b64w('pong 10.0.0.1')}` })));
  assert.ok(!fires(rs, proc({ CommandLine: `echo ${b64('/bin/dash')}` })));
});

test('windash: -x, /x and the Unicode dashes Windows accepts', () => {
  const rs = detection(`  sel:\n    CommandLine|windash|contains: ' -urlcache '\n  condition: sel\n`);
  for (const d of ['-', '/', '\u2013', '\u2014', '\u2015'])
    assert.ok(fires(rs, proc({ CommandLine: `certutil ${d}urlcache -f http://x` })), `dash ${d}`);
  assert.ok(!fires(rs, proc({ CommandLine: 'certutil urlcache' })));
});

test('re with flags i, m, s; PCRE inline (?i)', () => {
  const rs = detection(
    `  a:\n    CommandLine|re: '^cmd\\.exe /c [a-z]+$'\n  b:\n    Image|re|i: 'PSEXE(SVC)?\\.exe$'\n  c:\n    Description|re|m: '^second$'\n  d:\n    Product|re|s: 'a.b'\n  e:\n    Company|re: '(?i)^evil'\n  condition: 1 of them\n`,
  );
  assert.ok(fires(rs, proc({ CommandLine: 'cmd.exe /c dir' })));
  assert.ok(!fires(rs, proc({ CommandLine: 'CMD.EXE /c dir' })), 're is case-sensitive by default');
  assert.ok(fires(rs, proc({ Image: 'C:\\psexesvc.exe' })));
  assert.ok(fires(rs, proc({ Description: 'first\nsecond' })));
  assert.ok(!fires(rs, proc({ Description: 'first second' })));
  assert.ok(fires(rs, proc({ Product: 'a\nb' })));
  assert.ok(fires(rs, proc({ Company: 'EVIL corp' })));
});

test('cidr (IPv4 and IPv6), exists, null, empty', () => {
  const rs = rules(
    `title: t\nid: r1\nlogsource:\n  product: windows\n  category: network_connection\ndetection:\n  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fe80::/10'\n  ex:\n    DestinationHostname|exists: false\n  nul:\n    User: null\n  condition: sel and ex and not nul\n`,
  );
  const net = (d: Record<string, string>) => proc(d, 3);
  assert.ok(rs.matchWinEvent(net({ DestinationIp: '10.1.2.3', User: 'x' })).length === 1);
  assert.ok(rs.matchWinEvent(net({ DestinationIp: 'fe80::1', User: 'x' })).length === 1);
  assert.ok(rs.matchWinEvent(net({ DestinationIp: '11.1.2.3', User: 'x' })).length === 0);
  assert.ok(rs.matchWinEvent(net({ DestinationIp: 'not an ip', User: 'x' })).length === 0);
  assert.ok(
    rs.matchWinEvent(net({ DestinationIp: '10.1.2.3', User: 'x', DestinationHostname: 'a' })).length === 0,
    'exists: false',
  );
  assert.ok(
    rs.matchWinEvent(net({ DestinationIp: '10.1.2.3' })).length === 0,
    'null matches a missing field',
  );
  assert.ok(
    rs.matchWinEvent(net({ DestinationIp: '10.1.2.3', User: '' })).length === 0,
    'null matches an empty field',
  );
  assert.ok(
    rs.matchWinEvent(proc({ DestinationIp: '10.1.2.3', User: 'x' }, 1)).length === 0,
    'network_connection is Sysmon 3, not 1',
  );
});

test('fieldref, gt/gte/lt/lte, expand with placeholders', () => {
  const rs = detection(
    `  same:\n    ParentImage|fieldref: Image\n  big:\n    TerminalSessionId|gt: 1\n  small:\n    ProcessId|lte: 4\n  condition: same and (big or small)\n`,
  );
  assert.ok(fires(rs, proc({ Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE', TerminalSessionId: '2' })));
  assert.ok(
    fires(rs, proc({ Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE', TerminalSessionId: '1', ProcessId: '4' })),
  );
  assert.ok(
    !fires(
      rs,
      proc({ Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE', TerminalSessionId: '1', ProcessId: '5' }),
    ),
  );
  assert.ok(!fires(rs, proc({ Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe', TerminalSessionId: '9' })));

  const block = `  sel:\n    User|expand: '%admins%'\n  condition: sel\n`;
  const without = rules(
    `title: t\nid: r1\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n${block}`,
  );
  assert.equal(without.rules.length, 0);
  assert.match(without.unsupported[0]!.reason, /placeholder %admins% has no value/);
  const withValues = detection(block, { placeholders: { admins: ['CORP\\alice', 'CORP\\bob'] } });
  assert.ok(fires(withValues, proc({ User: 'corp\\bob' })));
  assert.ok(!fires(withValues, proc({ User: 'corp\\eve' })));
});

test('keywords: a value list searched in every field; |all keywords may sit in different fields', () => {
  const rs = rules(
    `title: t\nid: r1\nlogsource:\n  product: windows\n  service: msexchange-management\ndetection:\n  cmd:\n    '|all':\n      - 'New-MailboxExportRequest'\n      - ' -Mailbox '\n  params:\n    - '-FilePath "\\\\\\\\'\n    - '.aspx'\n  condition: cmd and params\n`,
  );
  assert.deepEqual(rs.errors, []);
  const ex = (data: Record<string, string>) => ({
    kind: 'winevent' as const,
    source: { path: 'x' },
    provider: 'MSExchange CmdletLogging',
    eventId: 1,
    channel: 'MSExchange Management',
    data,
  });
  assert.equal(
    rs.matchWinEvent(
      ex({
        Data1: 'New-MailboxExportRequest',
        Data2: '-Mailbox "a@b.c" -FilePath "\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\x.aspx"',
      }),
    ).length,
    1,
  );
  assert.equal(
    rs.matchWinEvent(
      ex({ Data1: 'New-MailboxExportRequest', Data2: '-Mailbox "a@b.c" -FilePath "D:\\backup\\a.pst"' }),
    ).length,
    0,
  );
  assert.equal(
    rs.matchWinEvent({
      ...ex({ Data1: 'New-MailboxExportRequest -Mailbox x -FilePath "\\\\h\\s\\x.aspx"' }),
      channel: 'Application',
    }).length,
    0,
    'other channels are not read',
  );
});

test('conditions: precedence (not > and > or), parentheses, 1 of / all of with wildcards, them without _ names, lists of conditions', () => {
  const block = (cond: string) =>
    `  selection_a:\n    Image|endswith: 'a.exe'\n  selection_b:\n    CommandLine|contains: 'bbb'\n  filter_x:\n    User: 'x'\n  _helper:\n    Product: 'never'\n  condition: ${cond}\n`;
  const e = proc({ Image: 'C:\\a.exe', CommandLine: 'bbb', User: 'x', Product: 'p' });
  const cases: [string, boolean][] = [
    ['selection_a and not filter_x', false],
    ['selection_a or selection_b and not filter_x', true],
    ['(selection_a or selection_b) and not filter_x', false],
    ['not not selection_a', true],
    ['all of selection_*', true],
    ['1 of selection_* and not 1 of filter_*', false],
    ['all of them', true],
    ['all of them and not _helper', true],
    ['1 of _helper*', false],
    ['any of selection_b', true],
  ];
  for (const [cond, want] of cases) assert.equal(fires(detection(block(cond)), e), want, cond);
  const list = rules(
    `title: t\nid: r1\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n${block('x').replace('  condition: x\n', '  condition:\n    - _helper\n    - selection_b\n')}`,
  );
  assert.equal(list.matchWinEvent(e).length, 1, 'a list of conditions is OR');
});

test('invalid rules are reported with the reason and skipped; unsupported ones say why', () => {
  const head = 'title: t\nlogsource:\n  product: windows\n  category: process_creation\n';
  const rs = new SigmaRuleSet()
    .addText(`${head}detection:\n  sel:\n    Image|nosuch: x\n  condition: sel\n`, 'a.yml')
    .addText(`${head}detection:\n  sel:\n    Image: x\n  condition: sel and other\n`, 'b.yml')
    .addText(`${head}detection:\n  sel:\n    Image: x\n  condition: sel | count() > 5\n`, 'c.yml')
    .addText(`${head}detection:\n  sel:\n    Image: x\n  condition: (sel\n`, 'd.yml')
    .addText(`${head}detection:\n  sel:\n    Image|re: '(['\n  condition: sel\n`, 'e.yml')
    .addText('title: [unclosed\n', 'f.yml')
    .addText(
      `title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    a: b\n  condition: sel\n`,
      'g.yml',
    )
    .addText(`title: c\ncorrelation:\n  type: event_count\n`, 'h.yml');
  assert.equal(rs.rules.length, 0);
  const why = (f: string) =>
    [...rs.errors, ...rs.unsupported]
      .filter((p) => p.file === f)
      .map((p) => p.reason)
      .join(' | ');
  assert.match(why('a.yml'), /unknown value modifier 'nosuch'/);
  assert.match(why('b.yml'), /'other'/);
  assert.match(why('c.yml'), /aggregation/);
  assert.match(why('d.yml'), /missing \)/);
  assert.match(why('e.yml'), /re:/);
  assert.match(why('f.yml'), /YAML/);
  assert.match(why('g.yml'), /no reader for logsource product: aws, service: cloudtrail/);
  assert.match(why('h.yml'), /correlation rules are not supported/);
  assert.deepEqual(rs.errors.map((e) => e.file).sort(), ['a.yml', 'b.yml', 'd.yml', 'e.yml', 'f.yml']);
});

test('process_creation reads Sysmon 1 and Security 4688 (under Sysmon names), but only for fields 4688 has', () => {
  const rs = rules(
    [
      'title: img\nid: img\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: \\whoami.exe\n    ParentImage|endswith: \\w3wp.exe\n  condition: sel\n',
      'title: ofn\nid: ofn\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: \\whoami.exe\n  filter:\n    OriginalFileName: whoami.exe\n  condition: sel and not filter\n',
    ].join('---\n'),
  );
  const sec = proc(
    {
      NewProcessName: 'C:\\Windows\\System32\\whoami.exe',
      ParentProcessName: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
      CommandLine: 'whoami',
    },
    4688,
    'Security',
  );
  assert.deepEqual(
    rs.matchWinEvent(sec).map((m) => m.rule.id),
    ['img'],
    '4688 has no OriginalFileName: that rule is not judged on it',
  );
  const m = rs.matchWinEvent(sec)[0]!;
  assert.deepEqual(m.fields, {
    NewProcessName: 'C:\\Windows\\System32\\whoami.exe',
    ParentProcessName: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
  });
  assert.deepEqual(
    rs
      .matchWinEvent(proc({ Image: 'C:\\Windows\\System32\\whoami.exe', ParentImage: 'C:\\w3wp.exe' }))
      .map((x) => x.rule.id)
      .sort(),
    ['img', 'ofn'],
  );
  assert.deepEqual(
    rs.matchWinEvent(proc({ Image: 'C:\\Windows\\System32\\whoami.exe', ParentImage: 'C:\\w3wp.exe' }, 11))
      .length,
    0,
    'Sysmon 11 is file_event',
  );
});

test("field names: Defender spaced names and nested UserData resolve to the rule's spelling", () => {
  const rs = rules(
    'title: d\nid: d\nlogsource:\n  product: windows\n  service: windefend\ndetection:\n  sel:\n    ThreatName|contains: EICAR\n  condition: sel\n---\ntitle: w\nid: w\nlogsource:\n  product: windows\n  service: wmi\ndetection:\n  sel:\n    Operation|contains: cleareventlog\n  condition: sel\n',
  );
  const ev = (channel: string, data: Record<string, string>) => ({
    kind: 'winevent' as const,
    source: { path: 'x' },
    provider: 'p',
    eventId: 1,
    channel,
    data,
  });
  assert.equal(
    rs.matchWinEvent(
      ev('Microsoft-Windows-Windows Defender/Operational', { 'Threat Name': 'Virus:DOS/EICAR_Test_File' }),
    )[0]?.rule.id,
    'd',
  );
  assert.equal(
    rs.matchWinEvent(
      ev('Microsoft-Windows-WMI-Activity/Operational', {
        'Operation_ClientFailure.Operation': 'x::cleareventlog',
      }),
    )[0]?.rule.id,
    'w',
  );
});
