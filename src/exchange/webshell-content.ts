import { defineDetector } from '../model/detector.ts';
import { makeFinding } from '../model/finding.ts';
import { RECORD_FILE_KINDS } from '../model/records.ts';

/**
 * China Chopper-style one-line web shells in server pages: server-side script that hands a request
 * parameter to `eval`. This is the code HAFNIUM planted through CVE-2021-27065 (in the OAB
 * virtual directory's ExternalUrl, exported to an .aspx) and through ProxyShell mailbox exports.
 * Only the first 64 KiB of each file is examined; the shells are one line.
 */
const SERVER_SCRIPT_EVAL =
  /<script\b[^>]{0,200}\brunat\s*=\s*["']?server["']?[^>]{0,200}>[^<]{0,400}?\beval\s*\(\s*Request(?:\.Item)?\s*[[(]\s*["']([^"']{1,64})["']/i;
const PAGE_EVAL =
  /<%@\s*Page\b[^>]{0,200}\bLanguage\s*=\s*["']?(?:Jscript|C#|VB)["']?[^>]{0,200}%>[^]{0,400}?\beval\s*\(\s*Request(?:\.Item)?\s*[[(]\s*["']([^"']{1,64})["']/i;
export const chopperDetector = defineDetector({
  id: 'exchange.webshell.chopper',
  description:
    'China Chopper-style web shells: server-side script that evals a request parameter (the HAFNIUM / ProxyLogon implant shape)',
  kinds: ['file'],
  rules: [
    {
      id: 'exchange.webshell.chopper',
      title: 'China Chopper-style web shell (server-side eval of a request parameter)',
    },
  ],
  create() {
    return {
      onRecord(rec, emit) {
        // Logs record attacker requests, not pages: those are for the log detectors.
        if (RECORD_FILE_KINDS.has(rec.fileKind)) return;
        const head = Buffer.from(rec.head.buffer, rec.head.byteOffset, rec.head.byteLength);
        if (head.indexOf('eval') < 0 || (head.indexOf('runat') < 0 && head.indexOf('<%') < 0)) return;
        const text = head.toString('latin1');
        const m = SERVER_SCRIPT_EVAL.exec(text) ?? PAGE_EVAL.exec(text);
        if (!m) return;
        emit(
          makeFinding({
            rule: 'exchange.webshell.chopper',
            title: `Web shell: server-side eval of request parameter "${m[1]}"`,
            severity: 'critical',
            cve: [],
            attack: ['T1505.003'],
            source: rec.source,
            evidence: {
              file: rec.name,
              parameter: m[1] ?? '',
              code: m[0],
              sha256: rec.sha256,
              size: rec.size,
            },
            remediation:
              'Preserve a copy, then delete the file; find how it was written (CVE-2021-27065 / CVE-2021-26858 / ProxyShell) and which clients used it (IIS logs), and reset credentials used on the server.',
          }),
        );
      },
    };
  },
});
