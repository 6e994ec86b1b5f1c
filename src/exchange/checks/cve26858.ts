import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';

/**
 * CVE-2021-26858 in the OAB generator log: the "Download failed and temporary file '<path>' needs
 * to be removed" message with a path outside `ClientAccess\OAB\Temp` is the arbitrary file write
 * (Test-ProxyLogon's check). The message is matched anywhere in the line: the log's column layout
 * is not publicly documented.
 */
const MSG = /Download failed and temporary file '([^']{1,1000})' needs to be removed/i;

export const cve26858Detector = defineDetector({
  id: 'exchange.cve-2021-26858',
  description:
    'CVE-2021-26858 in OAB generator logs: a "temporary file" written outside ClientAccess\\OAB\\Temp',
  kinds: ['exchange.oab'],
  rules: [
    {
      id: 'exchange.cve-2021-26858',
      title: 'CVE-2021-26858: OAB generator wrote a file outside its Temp folder',
    },
    {
      id: 'exchange.oab-temp',
      title: 'OAB generator removed a failed download from its own Temp folder (normal)',
    },
  ],
  lineFilter: /Download failed and temporary file/i,
  create() {
    return {
      onRecord(rec, emit) {
        const m = MSG.exec(rec.line);
        if (!m) return;
        const path = m[1]!;
        if (/\\ClientAccess\\OAB\\Temp\\/i.test(path)) {
          // The legitimate location: said as context, so the line is judged (a generic string match
          // on it, such as CISA's CHIRP, is then shown under this judgement, not above it).
          emit(
            makeFinding({
              rule: 'exchange.oab-temp',
              title: 'OAB generator removed a failed download from its own Temp folder (normal)',
              severity: 'info',
              ...(rec.time ? { time: rec.time } : {}),
              source: rec.source,
              evidence: { path, line: rec.line.slice(0, 1000) },
            }),
          );
          return;
        }
        emit(
          makeFinding({
            rule: 'exchange.cve-2021-26858',
            title: `CVE-2021-26858: file written to ${path}`,
            severity: 'critical',
            cve: ['CVE-2021-26858'],
            attack: ['T1190', 'T1505.003'],
            ...(rec.time ? { time: rec.time } : {}),
            source: rec.source,
            evidence: { path, line: rec.line.slice(0, 1000) },
            remediation: `Examine and remove ${path} (usually a web shell); install the March 2021 security update or later.`,
          }),
        );
      },
    };
  },
});
