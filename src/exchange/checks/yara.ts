import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as YaraXModule from '@litko/yara-x';
import type { YaraX } from '@litko/yara-x';
import { lazyModule } from '../../io/lazy.ts';
import { contextKey, defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';
import { isSeverity, type Severity } from '../../model/severity.ts';
import { RECORD_FILE_KINDS } from '../../model/records.ts';

/**
 * YARA rules over collected files, through YARA-X (@litko/yara-x): Vigil's web-shell rules
 * (src/exchange/rules/webshells.yar) plus any rule files the user gives. Files on disk up to 64 MiB
 * are scanned whole (memory-mapped by the engine); archive members by their first 64 KiB; parsed
 * logs, mail and listings are left to their own detectors.
 */
const yarax = lazyModule<typeof YaraXModule>(import.meta.url, '@litko/yara-x');

export const BUILTIN_RULES = join(import.meta.dirname, '..', 'rules', 'webshells.yar');

export function compileRules(files: readonly string[]): YaraX {
  const source = files.map((f) => `// ${f}\n${readFileSync(f, 'utf8')}`).join('\n');
  return yarax().compile(source, { defineVariables: { filename: '' } });
}

/** Extra YARA rule files in a scan's context (--yara). */
export const YARA_FILES = contextKey<readonly string[]>('yara', 'extra YARA rule files (--yara)');

let builtin: YaraX | null = null;

const MAX_SCAN_BYTES = 64 * 1024 * 1024;
export const yaraDetector = defineDetector({
  id: 'exchange.yara',
  description: 'YARA rules (Vigil web-shell rules plus --yara files) over collected files, through YARA-X',
  kinds: ['file'],
  rules: [{ id: 'yara.match', title: 'YARA rule matched' }],
  options: [YARA_FILES],
  create(ctx) {
    const user = YARA_FILES.get(ctx) ?? [];
    // Compiled at the first file that needs it: a start that scans no such file pays nothing
    // (the CLI checks --yara files compile before the scan, so errors still come first).
    let compiled: YaraX | null = null;
    const ruleSet = (): YaraX =>
      (compiled ??= user.length
        ? compileRules([BUILTIN_RULES, ...user])
        : (builtin ??= compileRules([BUILTIN_RULES])));
    return {
      onRecord(rec, emit) {
        // Web shells are small pages, not logs or mailboxes (which quote attack strings and would
        // match as evidence of themselves): those are the log and mail detectors' job.
        if (rec.size === 0 || rec.size > MAX_SCAN_BYTES || RECORD_FILE_KINDS.has(rec.fileKind)) return;
        const rules = ruleSet();
        const vars = { filename: rec.name.toLowerCase() };
        let matches;
        try {
          matches = rec.diskPath
            ? rules.scanFile(rec.diskPath, vars)
            : rules.scan(Buffer.from(rec.head), vars);
        } catch (e) {
          throw new Error(`YARA scan failed: ${(e as Error).message}`, { cause: e });
        }
        for (const m of matches) {
          const meta = (m.meta ?? {}) as Record<string, unknown>;
          const sev = String(meta['severity'] ?? 'high');
          const severity: Severity = isSeverity(sev) ? sev : 'high';
          const strings = (m.matches ?? [])
            .slice(0, 5)
            .map((x) => `${x.identifier}@${x.offset}: ${x.data.slice(0, 120)}`);
          emit(
            makeFinding({
              rule: 'yara.match',
              title: `YARA ${m.ruleIdentifier}: ${String(meta['description'] ?? 'rule matched')}`,
              severity,
              cve: [],
              attack: typeof meta['attack'] === 'string' ? [meta['attack']] : [],
              source: rec.source,
              evidence: {
                yaraRule: m.ruleIdentifier,
                namespace: m.namespace,
                file: rec.source.path,
                sha256: rec.sha256,
                size: rec.size,
                strings,
                ...(rec.diskPath ? {} : { scanned: 'first 64 KiB (archive member)' }),
              },
              remediation:
                'Preserve the file, then remove it; find how it was written and which clients used it (exchange.webshell-access findings, IIS logs).',
            }),
          );
        }
      },
    };
  },
});
