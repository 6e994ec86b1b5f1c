import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from '../support/cli.ts';
import { DATA, needData } from '../support/paths.ts';
import { writeEvtx } from '../../scripts/lib/evtx-write.ts';

// Windows event XML as `wevtutil qe <log> /f:xml /rd:true` writes it (one <Event> after another).
const ev = (o: {
  provider: string;
  id: number;
  level: number;
  time: string;
  channel: string;
  data: string[];
  message?: string;
}) =>
  `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="${o.provider}"/><EventID Qualifiers="49152">${o.id}</EventID><Level>${o.level}</Level><Task>0</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime="${o.time}"/><EventRecordID>1234</EventRecordID><Channel>${o.channel}</Channel><Computer>EX01.ecu.example</Computer><Security/></System><EventData>${o.data.map((d) => `<Data>${d}</Data>`).join('')}</EventData>${o.message ? `<RenderingInfo Culture="en-US"><Message>${o.message}</Message></RenderingInfo>` : ''}</Event>`;

test('event exports: CVE-2021-26857 in Application XML, ProxyShell cmdlets in the Management log (XML and CSV)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-events-'));
  writeFileSync(
    join(dir, 'Application.xml'),
    [
      ev({
        provider: 'MSExchange Unified Messaging',
        id: 1002,
        level: 2,
        time: '2021-03-03T06:40:01.000000000Z',
        channel: 'Application',
        data: [
          'System.InvalidCastException: Unable to cast object of type &apos;System.Windows.Data.ObjectDataProvider&apos; to type …',
        ],
      }),
      ev({
        provider: 'MSExchange Unified Messaging',
        id: 1002,
        level: 4,
        time: '2021-03-03T06:41:01.000000000Z',
        channel: 'Application',
        data: ['Call answered.'],
      }),
      ev({
        provider: 'MSSQLSERVER',
        id: 17137,
        level: 4,
        time: '2021-03-03T06:42:01.000000000Z',
        channel: 'Application',
        data: ['Starting up database'],
      }),
    ].join('\r\n'),
  );
  writeFileSync(
    join(dir, 'MSExchange Management.xml'),
    [
      ev({
        provider: 'MSExchange CmdletLogs',
        id: 1,
        level: 4,
        time: '2021-08-21T10:02:00.000000000Z',
        channel: 'MSExchange Management',
        data: [
          'New-ManagementRoleAssignment',
          '-Role "Mailbox Import Export" -User "administrator@ecu.example"',
          'ECU\\administrator',
          'Remote-PowerShell-Unknown',
        ],
      }),
      ev({
        provider: 'MSExchange CmdletLogs',
        id: 1,
        level: 4,
        time: '2021-08-21T10:03:00.000000000Z',
        channel: 'MSExchange Management',
        data: [
          'New-MailboxExportRequest',
          '-Mailbox "administrator@ecu.example" -FilePath "\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\gdjhs.aspx" -IncludeFolders "#Drafts#"',
          'NT AUTHORITY\\SYSTEM',
        ],
      }),
      ev({
        provider: 'MSExchange CmdletLogs',
        id: 1,
        level: 4,
        time: '2021-08-21T10:09:00.000000000Z',
        channel: 'MSExchange Management',
        data: [
          'Remove-MailboxExportRequest',
          '-Identity "administrator\\MailboxExport" -Confirm:$false',
          'NT AUTHORITY\\SYSTEM',
        ],
      }),
    ].join('\n'),
  );
  // Get-WinEvent -LogName 'MSExchange Management' | Export-Csv: an administrator's ordinary export.
  writeFileSync(
    join(dir, 'mgmt.csv'),
    [
      '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord',
      '"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId","ProviderName","ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId","TimeCreated","ContainerLog","MatchedQueryIds","LevelDisplayName","TaskDisplayName","OpcodeDisplayName","KeywordsDisplayNames","Properties"',
      '"Cmdlet succeeded. Cmdlet New-MailboxExportRequest, parameters {Mailbox=jdoe, FilePath=\\\\fs01\\pst$\\jdoe.pst}.","1",,"16384","4","1",,"36028797018963968","77","MSExchange CmdletLogs",,"MSExchange Management",,,"EX01.ecu.example",,"3/1/2021 9:15:00 AM","MSExchange Management",,"Information","General",,"{Classic}","System.Diagnostics.Eventing.Reader.EventProperty"',
    ].join('\r\n'),
  );
  const r = vigil(['exchange', 'hunt', dir, '--format', 'jsonl', '--quiet']);
  const fs = r.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          rule: string;
          severity: string;
          time?: string;
          host?: string;
          source: { path: string; line?: number };
          evidence: Record<string, unknown>;
        },
    );
  const brief = fs
    .filter((f) => f.rule !== 'exchange.verdict')
    .map(
      (f) =>
        `${f.severity} ${f.rule} ${f.source.path}:${f.source.line} ${String(f.evidence['cmdlet'] ?? f.evidence['eventId'])}`,
    )
    .sort();
  assert.deepEqual(brief, [
    'critical exchange.cmdlet MSExchange Management.xml:2 New-MailboxExportRequest',
    'high exchange.cmdlet MSExchange Management.xml:1 New-ManagementRoleAssignment',
    'high exchange.cve-2021-26857 Application.xml:1 1002',
    'low exchange.cmdlet MSExchange Management.xml:3 Remove-MailboxExportRequest',
    'low exchange.cmdlet mgmt.csv:3 New-MailboxExportRequest',
  ]);
  assert.deepEqual(
    fs.filter((f) => f.rule === 'exchange.verdict').map((f) => [f.host, f.evidence['verdict']]),
    [['EX01', 'compromised']],
  );
  assert.equal(fs.find((f) => f.rule === 'exchange.cve-2021-26857')?.time, '2021-03-03T06:40:01.000Z');
});

test(
  "the same evidence straight from .evtx files (MSExchange Management and Application logs), also through SigmaHQ's Exchange rules",
  { skip: needData },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-events-evtx-'));
    const base = { computer: 'EX01.ecu.example' };
    writeFileSync(
      join(dir, 'Application.evtx'),
      writeEvtx([
        {
          ...base,
          provider: 'MSExchange Unified Messaging',
          eventId: 1002,
          level: 2,
          time: '2021-03-03T06:40:01Z',
          channel: 'Application',
          data: {
            '#1': "System.InvalidCastException: Unable to cast object of type 'System.Windows.Data.ObjectDataProvider' to type …",
          },
        },
        {
          ...base,
          provider: 'MSExchange Unified Messaging',
          eventId: 1002,
          level: 4,
          time: '2021-03-03T06:41:01Z',
          channel: 'Application',
          data: { '#1': 'Call answered.' },
        },
      ]),
    );
    writeFileSync(
      join(dir, 'MSExchange Management.evtx'),
      writeEvtx([
        {
          ...base,
          provider: 'MSExchange CmdletLogs',
          eventId: 1,
          level: 4,
          time: '2021-08-21T10:02:00Z',
          channel: 'MSExchange Management',
          data: {
            '#1': 'New-ManagementRoleAssignment',
            '#2': '-Role "Mailbox Import Export" -User "administrator@ecu.example"',
            '#3': 'ECU\\administrator',
            '#4': 'Remote-PowerShell-Unknown',
          },
        },
        {
          ...base,
          provider: 'MSExchange CmdletLogs',
          eventId: 1,
          level: 4,
          time: '2021-08-21T10:03:00Z',
          channel: 'MSExchange Management',
          data: {
            '#1': 'New-MailboxExportRequest',
            '#2': '-Mailbox "administrator@ecu.example" -FilePath "\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\gdjhs.aspx" -IncludeFolders "#Drafts#"',
            '#3': 'NT AUTHORITY\\SYSTEM',
          },
        },
        {
          ...base,
          provider: 'MSExchange CmdletLogs',
          eventId: 1,
          level: 4,
          time: '2021-08-21T11:00:00Z',
          channel: 'MSExchange Management',
          data: { '#1': 'Get-Mailbox', '#2': '-ResultSize Unlimited', '#3': 'ECU\\administrator' },
        },
      ]),
    );
    const rules = join(DATA, 'sigma', 'rules', 'windows', 'builtin', 'msexchange');
    const r = vigil(['exchange', 'hunt', dir, '--sigma', rules, '--format', 'jsonl', '--quiet']);
    const fs = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            rule: string;
            title: string;
            severity: string;
            host?: string;
            source: { path: string; offset?: number };
            evidence: Record<string, unknown>;
          },
      );
    const brief = fs
      .filter((f) => f.rule !== 'exchange.verdict')
      .map(
        (f) =>
          `${f.severity} ${f.rule.startsWith('sigma.') ? `sigma: ${f.title}` : f.rule} ${f.source.path} ${String(f.evidence['cmdlet'] ?? f.evidence['eventId'])}`,
      )
      .sort();
    assert.deepEqual(brief, [
      'critical exchange.cmdlet MSExchange Management.evtx New-MailboxExportRequest',
      'critical sigma: Mailbox Export to Exchange Webserver MSExchange Management.evtx 1',
      'critical sigma: Mailbox Export to Exchange Webserver MSExchange Management.evtx 1',
      'high exchange.cmdlet MSExchange Management.evtx New-ManagementRoleAssignment',
      'high exchange.cve-2021-26857 Application.evtx 1002',
    ]);
    assert.deepEqual(
      fs.filter((f) => f.rule === 'exchange.verdict').map((f) => [f.host, f.evidence['verdict']]),
      [['EX01', 'compromised']],
    );
  },
);
