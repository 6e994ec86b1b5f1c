import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyDetector, DetectorContext, RecordBudget } from '../../src/model/detector.ts';
import type { Problem } from '../../src/model/problem.ts';
import type { VigilRecord } from '../../src/model/records.ts';
import { Scanner } from '../../src/triage/scan.ts';
import { DETECTORS, READERS } from '../../src/triage/registry.ts';
import { DEFAULT_LIMITS } from '../../src/triage/limits.ts';
import { Budget, CPU_KINDS } from '../../src/triage/budget.ts';
import { builtinIndex } from '../../src/intel/builtin.ts';
import { ruleSetFor } from '../../src/rules/sigma/detector.ts';
import { DATA } from '../support/paths.ts';

/**
 * Issue 19: adversarial strings — long runs, near-misses of what rules look for, mixed Unicode —
 * through every rule engine at once (the whole SigmaHQ set, the built-in intel packs with their
 * path and log regexes, YARA, the built-in checks): the scan finishes, and no record takes any
 * detector longer than its budget without a problem naming that detector. Each detector is
 * wrapped to time its own calls; the dispatcher's clock starts before and stops after the
 * wrapper's, so every overrun the wrapper sees must have been reported (not a timing assertion).
 */
const SIGMA = join(DATA, 'sigma');
/** How the dispatcher words a budget report (triage/scan.ts). */
const BUDGET = /^detector (\S+) (?:\(rule \S+\) )?(?:took|stopped|went over)/;
const hasSigma = existsSync(SIGMA);

function adversarial(): string[] {
  const out: string[] = [];
  for (const n of [40, 2000, 30_000]) {
    out.push(
      `${'a'.repeat(n)}!`,
      `${'A'.repeat(n)}!`,
      '\\'.repeat(n),
      `${'/'.repeat(n)}x`,
      ' '.repeat(n) + 'x',
    );
    out.push('C:\\Windows\\System32\\'.repeat(n / 20), `${'-'.repeat(n)}enc`, '%'.repeat(n), '{'.repeat(n));
    // Near-misses: the start of what many rules want, then a long tail that never completes it.
    out.push(
      `powershell.exe -enc ${'A'.repeat(n)}`,
      `cmd.exe /c ${'^'.repeat(n)}`,
      `${'http://'.repeat(n / 7)}`,
    );
    out.push(`rundll32.exe ${'javascript:'.repeat(n / 11)}`, `${'aspnet_client\\'.repeat(n / 14)}.asp`);
    // Mixed scripts, combining marks, astral characters, bidi controls.
    out.push('раypаl\u0301😀\u202e'.repeat(n / 8), 'Ǆ\u0308ſK'.repeat(n / 4));
  }
  return out;
}

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function writeEvidence(dir: string, strings: readonly string[]): void {
  const ns = 'http://schemas.microsoft.com/win/2004/08/events/event';
  const events = strings.flatMap((s, i) => {
    const v = xmlEsc(s);
    const t = `2021-03-03T04:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`;
    return [
      `<Event xmlns="${ns}"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4688</EventID><Level>0</Level><TimeCreated SystemTime="${t}"/><Channel>Security</Channel><Computer>EX01</Computer></System><EventData><Data Name="NewProcessName">${v}</Data><Data Name="CommandLine">${v}</Data><Data Name="ParentProcessName">${v}</Data></EventData></Event>`,
      `<Event xmlns="${ns}"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>1</EventID><Level>4</Level><TimeCreated SystemTime="${t}"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>EX01</Computer></System><EventData><Data Name="Image">${v}</Data><Data Name="CommandLine">${v}</Data><Data Name="ParentImage">${v}</Data><Data Name="ParentCommandLine">${v}</Data><Data Name="OriginalFileName">${v}</Data></EventData></Event>`,
    ];
  });
  writeFileSync(join(dir, 'events.xml'), `<Events>\n${events.join('\n')}\n</Events>\n`);
  const iis = strings.map(
    (s) =>
      `2021-03-03 04:05:06 10.0.0.5 POST /owa/auth/${s.replace(/\s/g, '+')} q=${s.replace(/\s/g, '+').slice(0, 4000)} 443 - 203.0.113.7 ${s.replace(/\s/g, '+').slice(0, 2000)} - 200 0 0 15`,
  );
  writeFileSync(
    join(dir, 'u_ex210303.log'),
    [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
      ...iis,
      '',
    ].join('\r\n'),
  );
  // File names (paths are matched by the feed regexes) and contents (YARA, web-shell checks).
  const files = join(dir, 'inetpub', 'wwwroot', 'aspnet_client');
  mkdirSync(files, { recursive: true });
  strings.forEach((s, i) => {
    const name = `${s.replace(/[\\/\0]/g, '_').slice(0, 60)}${i}.aspx`;
    writeFileSync(join(files, name), `<%@ Page Language="Jscript"%>${s}`);
  });
}

test(
  'adversarial records through every rule engine: each budget overrun is reported',
  { skip: hasSigma ? false : 'no ../shared/data/sigma (SigmaHQ rules)' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-budget-fuzz-'));
    writeEvidence(dir, adversarial());
    const sigma = {
      paths: ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => join(SIGMA, d)),
    };
    assert.ok(ruleSetFor(sigma).rules.length > 2000, 'the SigmaHQ set is loaded');

    const ms = DEFAULT_LIMITS.recordBudgetMs!;
    const clock = new Budget(ms);
    const overruns: { id: string; ms: number }[] = [];
    const timed = (d: AnyDetector): AnyDetector => ({
      ...d,
      create(ctx: DetectorContext) {
        let excluded = 0;
        let cpu0: NodeJS.CpuUsage | null = null;
        const budget: RecordBudget | undefined = ctx.budget && {
          ms: ctx.budget.ms,
          spent: () => ctx.budget!.spent(),
          blame: (rule) => ctx.budget!.blame(rule),
          // After the dispatcher's own reading: this clock can only show less than the dispatcher's.
          measureCpu: () => {
            ctx.budget!.measureCpu();
            cpu0 = process.threadCpuUsage();
          },
          exclude: (setup) => {
            const t0 = performance.now();
            try {
              return ctx.budget!.exclude(setup);
            } finally {
              excluded += performance.now() - t0;
            }
          },
        };
        const run = d.create(budget ? { ...ctx, budget } : ctx);
        const seen = new Set<string>();
        return {
          ...run,
          onRecord(rec: VigilRecord, emit) {
            const first = !seen.has(rec.kind);
            seen.add(rec.kind);
            excluded = 0;
            // Read after the dispatcher's own readings, so this clock never shows more than it.
            cpu0 = CPU_KINDS.has(rec.kind) ? process.threadCpuUsage() : null;
            const t0 = performance.now();
            const p = run.onRecord(rec, emit);
            const wall = performance.now() - t0 - excluded;
            const base = cpu0 as NodeJS.CpuUsage | null; // set by measureCpu during the call
            const c = base && process.threadCpuUsage(base);
            const took = c ? Math.min(wall, (c.user + c.system) / 1000 - excluded) : wall;
            if (took > clock.limitFor(rec, first)) overruns.push({ id: d.id, ms: took });
            return p;
          },
        };
      },
    });

    const problems: Problem[] = [];
    const scanner = new Scanner(
      {
        detectors: DETECTORS.map(timed),
        readers: READERS,
        limits: DEFAULT_LIMITS,
        context: { intel: builtinIndex(), sigma },
      },
      { finding: () => undefined, problem: (p) => problems.push(p), skipped: () => undefined },
    );
    const stats = await scanner.scan([dir]);
    assert.ok(stats.records > 100, `only ${stats.records} records`);
    const reported = new Set(problems.map((p) => BUDGET.exec(p.message)?.[1]).filter(Boolean));
    const unreported = overruns.filter((o) => !reported.has(o.id));
    assert.deepEqual(unreported, [], 'an overrun the dispatcher did not report');
    // Records this long do take the Sigma set over 50 ms on a shared machine: the check above has work.
    t.diagnostic(`${overruns.length} overruns, ${reported.size} detectors reported`);
    // Only budget reports and nothing else went wrong: every record was read.
    assert.deepEqual(
      problems.filter((p) => !BUDGET.test(p.message)).map((p) => p.message),
      [],
    );
  },
);
