/*
 * Vigil's web-shell rules for Exchange servers (written for Vigil; the traits are those public
 * write-ups of the 2021 Exchange campaigns describe). Matched by @litko/yara-x on collected files.
 * External variable: filename (the file's base name, lower-case).
 */

rule vigil_aspx_eval_request
{
  meta:
    description = "ASP.NET server-side script that evaluates a request parameter (China Chopper family)"
    severity = "critical"
    attack = "T1505.003"
  strings:
    $run = /runat\s*=\s*["']?server/ nocase
    $page = /<%@\s*Page[^>]{0,200}Language\s*=\s*["']?(Jscript|C#|VB)/ nocase
    $eval = /eval\s*\(\s*Request(\.Item)?\s*[\[(]/ nocase
  condition:
    filesize < 5MB and ($run or $page) and $eval
}

rule vigil_oab_export_webshell
{
  meta:
    description = "Offline Address Book virtual-directory export with script in ExternalUrl (CVE-2021-27065 artefact)"
    severity = "critical"
    attack = "T1505.003"
  strings:
    $oab1 = "OfflineAddressBooks" nocase
    $oab2 = "ExternalUrl" nocase
    $script = /ExternalUrl[^\n]{0,80}<script/ nocase
  condition:
    filesize < 1MB and $oab1 and $oab2 and $script
}

rule vigil_pst_export_webshell
{
  meta:
    description = "Mailbox export (PST) written to a web folder with a script inside (ProxyShell New-MailboxExportRequest)"
    severity = "critical"
    attack = "T1505.003"
  strings:
    $script = /<script[^>]{0,100}runat/ nocase
    $page = "<%@" nocase
  condition:
    uint32(0) == 0x4E444221 and ($script or $page)
}

rule vigil_aspx_process_exec
{
  meta:
    description = "ASP.NET page that starts processes from request input (command shell)"
    severity = "high"
    attack = "T1505.003"
  strings:
    $start = "Process.Start" nocase
    $psi = "ProcessStartInfo" nocase
    $cmd = "cmd.exe" nocase
    $req = /Request(\.Form|\.QueryString|\.Item)?\s*[\[(]/ nocase
    $asp = /<%@\s*(Page|WebHandler)/ nocase
  condition:
    filesize < 2MB and $asp and $req and (($start or $psi) and $cmd)
}

rule vigil_http_tunnel
{
  meta:
    description = "HTTP tunnel page (reGeorg-style SOCKS over HTTP: CONNECT / READ / FORWARD commands in headers)"
    severity = "high"
    attack = "T1090.001"
  strings:
    $x = "X-CMD" nocase
    $c = "CONNECT"
    $r = "READ"
    $f = "FORWARD"
    $d = "DISCONNECT"
    $sock = "Socket" nocase
  condition:
    filesize < 2MB and $x and $sock and 3 of ($c, $r, $f, $d)
}

rule vigil_lsass_minidump
{
  meta:
    description = "Minidump of LSASS (credential theft); context unless the server was exploited"
    severity = "low"
    attack = "T1003.001"
  condition:
    uint32(0) == 0x504D444D and filename matches /lsass/
}
