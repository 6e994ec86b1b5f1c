import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from '../support/cli.ts';

const shells: Record<string, string | Buffer> = {
  'inetpub/wwwroot/aspnet_client/system_web/a.aspx':
    '<%@ Page Language="Jscript"%><%eval(Request.Item["p"],"unsafe");%>',
  'FrontEnd/HttpProxy/owa/auth/b.aspx':
    'Name : OAB (Default Web Site)\r\nOfflineAddressBooks :\r\nExternalUrl : http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["k"],"unsafe");}</script>\r\n',
  'inetpub/wwwroot/aspnet_client/c.aspx': Buffer.concat([
    Buffer.from('!BDN'),
    Buffer.alloc(512),
    Buffer.from('<script language="JScript" runat="server">x</script>'),
  ]),
  'inetpub/wwwroot/aspnet_client/d.aspx':
    '<%@ Page Language="C#" %><% var p = new System.Diagnostics.ProcessStartInfo("cmd.exe", "/c " + Request.Form["c"]); System.Diagnostics.Process.Start(p); %>',
  'inetpub/wwwroot/aspnet_client/tunnel.aspx':
    '<%@ Page Language="C#" %><% String cmd = Request.Headers.Get("X-CMD"); if (cmd == "CONNECT") { Socket s; } else if (cmd == "DISCONNECT") {} else if (cmd == "FORWARD") {} else if (cmd == "READ") {} %>',
  'FrontEnd/HttpProxy/owa/auth/logon.aspx':
    '<%@ Page language="c#" AutoEventWireup="false" Inherits="Microsoft.Exchange.HttpProxy.Logon" %><html><body><form action="/owa/auth.owa" method="POST"></form></body></html>',
  'Windows/Temp/lsass.dmp': Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(64)]),
  'Windows/Temp/notes.dmp': Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(64)]),
};

test("Vigil's YARA rules find the 2021 Exchange web-shell shapes and leave stock pages alone", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-yara-'));
  for (const [p, data] of Object.entries(shells)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), data);
  }
  const r = vigil(['exchange', 'hunt', dir, '--format', 'jsonl', '--quiet']);
  const hits = r.stdout
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { rule: string; source: { path: string }; evidence: Record<string, unknown> },
    )
    .filter((f) => f.rule === 'yara.match')
    .map((f) => `${f.source.path} ${String(f.evidence['yaraRule'])}`)
    .sort();
  assert.deepEqual(hits, [
    'FrontEnd/HttpProxy/owa/auth/b.aspx vigil_aspx_eval_request',
    'FrontEnd/HttpProxy/owa/auth/b.aspx vigil_oab_export_webshell',
    'Windows/Temp/lsass.dmp vigil_lsass_minidump',
    'inetpub/wwwroot/aspnet_client/c.aspx vigil_pst_export_webshell',
    'inetpub/wwwroot/aspnet_client/d.aspx vigil_aspx_process_exec',
    'inetpub/wwwroot/aspnet_client/system_web/a.aspx vigil_aspx_eval_request',
    'inetpub/wwwroot/aspnet_client/tunnel.aspx vigil_http_tunnel',
  ]);
});

test('--yara adds rule files; a rule file that does not compile is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-yara-'));
  writeFileSync(join(dir, 'x.txt'), 'hello VIGIL-TEST-MARKER world');
  writeFileSync(
    join(dir, 'mine.yar'),
    'rule my_marker { meta: severity = "medium" strings: $a = "VIGIL-TEST-MARKER" condition: $a }',
  );
  const r = vigil([
    'exchange',
    'hunt',
    join(dir, 'x.txt'),
    '--yara',
    join(dir, 'mine.yar'),
    '--format',
    'jsonl',
    '--quiet',
  ]);
  const f = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; severity: string; evidence: Record<string, unknown> })
    .filter((x) => x.rule === 'yara.match');
  assert.deepEqual(
    f.map((x) => [x.evidence['yaraRule'], x.severity]),
    [['my_marker', 'medium']],
  );
  writeFileSync(join(dir, 'bad.yar'), 'rule broken { condition: $nope }');
  const bad = vigil(['exchange', 'hunt', join(dir, 'x.txt'), '--yara', join(dir, 'bad.yar')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /YARA rules do not compile/);
});
