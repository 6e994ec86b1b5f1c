import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';

/**
 * Post-exploitation context in a collected tree: LSASS memory dumps and archives staged in
 * ProgramData or Windows\Temp (as HAFNIUM left them). Admins make dumps and zips too, so these are
 * context (low) unless the same collection shows exploitation; the verdict weighs them so.
 */
const LSASS = /(^|\/)lsass[^/]*\.dmp$/i;
const STAGED = /(^|\/)(programdata|windows\/temp|users\/public)\/[^/]+\.(zip|7z|rar)$/i;

export const stagedFilesDetector = defineDetector({
  id: 'exchange.staged-files',
  description: 'LSASS dumps and archives staged in ProgramData / Windows\\Temp / Users\\Public (context)',
  kinds: ['file', 'file.entry'],
  rules: [{ id: 'exchange.staged-file', title: 'LSASS dump or staged archive (post-exploitation context)' }],
  create() {
    return {
      onRecord(rec, emit) {
        const path = (rec.kind === 'file' ? rec.source.path : rec.path)
          .replace(/\\/g, '/')
          .replace(/!\//g, '/');
        const lsass = LSASS.test(path);
        if (!lsass && !STAGED.test(path)) return;
        emit(
          makeFinding({
            rule: 'exchange.staged-file',
            title: lsass
              ? `LSASS memory dump ${path.split('/').pop()}: credentials may have been taken`
              : `Archive staged in ${/programdata/i.test(path) ? 'ProgramData' : /temp/i.test(path) ? 'Windows\\Temp' : 'Users\\Public'}: ${path.split('/').pop()}`,
            severity: 'low',
            cve: [],
            attack: lsass ? ['T1003.001'] : ['T1560.001'],
            source: rec.source,
            evidence: {
              path,
              ...(rec.sha256 ? { sha256: rec.sha256 } : {}),
              ...(rec.size !== undefined ? { size: rec.size } : {}),
            },
            remediation: lsass
              ? 'If the server was exploited, reset every credential that was in memory (service accounts, admins).'
              : 'Check what the archive holds and when it was made; HAFNIUM staged mailbox exports this way.',
          }),
        );
      },
    };
  },
});
