import type { Command } from 'commander';
import { readFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import pc from 'picocolors';
import type { ProbeOptions, ProbeResult } from '../exchange/probe.ts';
import { exposureFinding, csvHeader, csvRow } from '../exchange/exposure.ts';
import { compareFindings, type Finding } from '../model/finding.ts';
import { atLeast, isSeverity, SEVERITIES } from '../model/severity.ts';
import type { Report } from '../report/report.ts';
import { chooseFormat, Output } from './output.ts';
import { exitCode, UsageError } from './exit.ts';
import { VERSION } from './version.ts';
import { addCommonOptions, addSigmaOptions, runScan, type CommonOptions } from './triage.ts';
import { readInventoryFile, type InventoryEntry } from '../exchange/inventory-input.ts';
import { printable, where } from '../report/report.ts';

interface ProbeCliOptions {
  targets?: string;
  format?: string;
  out?: string;
  failOn: string;
  quiet?: boolean;
  progress: boolean;
  concurrency: string;
  timeout: string;
  retries: string;
  rate: string;
  active?: boolean;
}

/** A token bucket shared by every request of the run (`--rate` requests per second). */
function rateLimiter(perSecond: number): () => Promise<void> {
  if (!(perSecond > 0)) return () => Promise.resolve();
  let next = Date.now();
  return () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / perSecond;
    return at <= now ? Promise.resolve() : new Promise((r) => setTimeout(r, at - now));
  };
}

function readTargets(args: string[], file: string | undefined): string[] {
  const out = [...args];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --targets ${file}: ${(e as Error).message}`);
    }
    for (const l of text.split(/\r?\n/)) {
      const t = l.replace(/#.*/, '').trim();
      if (t) out.push(t);
    }
  }
  return [...new Set(out)];
}

export function exchangeCommand(program: Command): void {
  const ex = program
    .command('exchange')
    .summary('Exchange Server: compromise assessment and exposure probe')
    .description('Exchange Server commands.');
  const hunt = ex
    .command('hunt')
    .summary('was this Exchange server exploited, what was done, are shells still there?')
    .description(
      `Assess a copy of an Exchange server's logs and files (a folder, zip or several): CVE-2021-26855
SSRF in HttpProxy logs (AnchorMailbox and BackEndCookie, graded probe / attempt / exploitation /
exploited), CVE-2021-27065 in ECP Server logs (script planted in a virtual directory and its
export), CVE-2021-26858 in OAB generator logs, ProxyShell in IIS and HttpProxy logs, web-shell
requests in IIS logs, web shells by content and by the HAFNIUM indicators, staged archives and
LSASS dumps as context, and the build timeline from the logs judged against the fixed builds.
Ends with one verdict per server — compromised, attempted, vulnerable, probed or clean — with the
build it ran at the first attack and the update to install now.

Log families are found by content, wherever they sit in the collection.`,
    )
    .argument('<path...>', 'collected folders, archives or log files');
  addSigmaOptions(addCommonOptions(hunt))
    .option('--yara <rules...>', 'also run these YARA rule files over the collected files')
    .option('-j, --jobs <n>', 'worker threads sharing the files (default: one per core on large collections)')
    .option(
      '--inventory <file...>',
      'what each server runs now: the JSON Lines of vigil exchange probe, or Get-ExchangeServer | Export-Csv',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vigil exchange hunt /cases/ex01/           # a KAPE or manual copy of the server
  $ vigil exchange hunt ex01-logs.zip --format html --out ex01.html
  $ vigil exchange probe mail.example.org --format jsonl > probe.jsonl
  $ vigil exchange hunt /cases/dag/ --inventory probe.jsonl   # what runs now, from the probe`,
    )
    .action(async (paths: string[], opts: CommonOptions & { inventory?: string[] }) => {
      const inventory: InventoryEntry[] = [];
      for (const file of opts.inventory ?? []) {
        const problems: string[] = [];
        try {
          inventory.push(
            ...(await readInventoryFile(file, (p) => {
              if (p.level === 'error') problems.push(`${where(p)}: ${p.message}`);
              else if (!opts.quiet)
                process.stderr.write(`vigil: ${printable(`${where(p)}: ${p.message}`)}\n`);
            })),
          );
        } catch (e) {
          throw new UsageError(`cannot read --inventory ${file}: ${(e as Error).message}`);
        }
        if (problems.length) throw new UsageError(`--inventory ${problems.slice(0, 3).join('; ')}`);
      }
      process.exitCode = await runScan(paths, opts, {
        command: 'exchange hunt',
        profile: 'exchange',
        inventory,
      });
    });

  ex.command('probe')
    .summary('learn Exchange builds remotely and say who is exposed to ProxyLogon / ProxyShell')
    .description(
      `Probe Exchange servers without exploiting anything: read the build from the X-OWA-Version header,
the ECP export tool's manifest (both exact) or the /owa/auth/<build>/ resource paths of the login
page (CU level only: the security-update level is then unknown), judge it against the fixed
builds of ProxyLogon (March 2021) and ProxyShell (April/May 2021), and say what to install.
Self-signed certificates are accepted and their subject, SAN, issuer and expiry recorded;
HTTP(S)_PROXY / NO_PROXY are honoured. Verdicts: vulnerable, patched, likely_vulnerable,
not_exchange, unreachable.

--active adds the well-known harmless vulnerability checks for CVE-2021-26855 and CVE-2021-34473
(as nmap, Metasploit and nuclei send them). They leave lines in the target's logs: use them only
on servers you are responsible for.`,
    )
    .argument('[target...]', 'host names, IPs or URLs (https:// is assumed; http:// works)')
    .option('-t, --targets <file>', 'read targets from a file, one host or URL a line (# comments)')
    .option('-f, --format <format>', 'text, jsonl, sarif, html or csv (default: from --out, else text)')
    .option('-o, --out <file>', 'write the report to this file')
    .option(
      '--fail-on <severity>',
      `exit 1 when a finding is at or above this severity (${SEVERITIES.join(', ')})`,
      'high',
    )
    .option('-c, --concurrency <n>', 'targets probed at once', '32')
    .option('--timeout <seconds>', 'per-request timeout', '10')
    .option('--retries <n>', 'retries of a request after a network error, with backoff', '2')
    .option('--rate <n>', 'at most this many requests per second over the whole run (0 = no limit)', '50')
    .option(
      '--active',
      "also run the harmless CVE-2021-26855 / CVE-2021-34473 checks (they leave traces in the target's logs)",
    )
    .option('-q, --quiet', 'no progress display')
    .option('--no-progress', 'no progress display')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil exchange probe mail.example.org
  $ vigil exchange probe --targets constituency.txt --format csv --out exposure.csv
  $ vigil exchange probe https://10.0.0.5 --active --format jsonl`,
    )
    .action(async (args: string[], opts: ProbeCliOptions) => {
      process.exitCode = await runProbe(args, opts);
    });
}

async function runProbe(args: string[], opts: ProbeCliOptions): Promise<number> {
  if (!isSeverity(opts.failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${opts.failOn}")`);
  const targets = readTargets(args, opts.targets);
  if (!targets.length) throw new UsageError('no targets: give hosts or URLs, or --targets FILE');
  const num = (v: string, name: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new UsageError(`${name} must be a number ≥ ${min} (got "${v}")`);
    return n;
  };
  const concurrency = num(opts.concurrency, '--concurrency', 1);
  // The HTTP(S) stack costs ~0.1 CPU-s to load: only `exchange probe` pays for it.
  const { probe, DEFAULT_PROBE } = await import('../exchange/probe.ts');
  const probeOpts: ProbeOptions = {
    ...DEFAULT_PROBE,
    timeoutMs: num(opts.timeout, '--timeout', 0.1) * 1000,
    retries: num(opts.retries, '--retries', 0),
    active: !!opts.active,
    beforeRequest: rateLimiter(num(opts.rate, '--rate', 0)),
  };
  const csv = opts.format === 'csv' || (opts.format === undefined && /\.csv$/i.test(opts.out ?? ''));
  const format = csv ? 'jsonl' : chooseFormat(opts.format, opts.out);
  const output = csv
    ? null
    : new Output(format, opts.out, process.stdout, (r, color) => renderProbeText(r, color));
  const csvOut = csv ? (opts.out ? createWriteStream(opts.out) : process.stdout) : null;
  csvOut?.write(csvHeader());
  const showProgress = !opts.quiet && opts.progress && process.stderr.isTTY === true;
  const startedAt = new Date().toISOString();
  const findings: Finding[] = [];
  let next = 0;
  let done = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++]!;
      let r: ProbeResult;
      try {
        r = await probe(t, probeOpts);
      } catch (e) {
        r = { target: t, url: t, verdict: 'unreachable', error: (e as Error).message, requests: 0, ms: 0 };
      }
      const f = exposureFinding(r);
      findings.push(f);
      output?.finding(f);
      csvOut?.write(csvRow(f));
      done++;
      if (showProgress) {
        const rate = done / Math.max(0.001, (Date.now() - t0) / 1000);
        process.stderr.write(
          `\r\x1b[2K${done}/${targets.length} targets · ${rate.toFixed(1)}/s · ETA ${Math.ceil((targets.length - done) / Math.max(rate, 0.001))} s · ${findings.filter((x) => x.evidence['verdict'] === 'vulnerable').length} vulnerable`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  if (showProgress) process.stderr.write('\r\x1b[2K');
  findings.sort(compareFindings);
  if (output) {
    const report: Report = {
      tool: { name: 'vigil', version: VERSION },
      command: 'exchange probe',
      roots: targets.length > 5 ? [`${targets.length} targets`] : targets,
      startedAt,
      finishedAt: new Date().toISOString(),
      findings,
      problems: [],
      skipped: [],
      rules: [{ id: 'exchange.exposure', title: 'Exchange exposure to ProxyLogon / ProxyShell' }],
      stats: { files: 0, bytes: 0, records: targets.length, archives: 0 },
    };
    await output.finish(report);
  } else if (csvOut && csvOut !== process.stdout) {
    (csvOut as ReturnType<typeof createWriteStream>).end();
    await once(csvOut, 'finish');
  }
  return exitCode(
    findings.some((f) => atLeast(f.severity, opts.failOn as 'high')),
    false,
  );
}

function renderProbeText(report: Report, color: boolean): string {
  const c = pc.createColors(color);
  const paint: Record<string, (s: string) => string> = {
    vulnerable: (s) => c.bold(c.red(s)),
    likely_vulnerable: c.yellow,
    patched: c.green,
    not_exchange: c.dim,
    unreachable: c.dim,
  };
  const rows = report.findings.map((f) => {
    const e = f.evidence as Record<string, unknown>;
    return {
      v: String(e['verdict']),
      cols: [
        String(e['target']),
        String(e['verdict']),
        String(e['build'] ?? '-'),
        `${e['buildSource'] ?? '-'}${e['build'] ? (e['exact'] ? '' : ' (CU only)') : ''}`,
        String(e['product'] ?? '-') + (e['cu'] ? ` ${String(e['cu'])}` : ''),
        f.cve.length ? `${f.cve.length} CVEs` : '-',
        String(e['error'] ?? e['fix'] ?? ''),
      ],
    };
  });
  const head = ['TARGET', 'VERDICT', 'BUILD', 'FROM', 'PRODUCT', 'EXPOSED', 'FIX / NOTE'];
  const width = head.map((h, i) =>
    i === head.length - 1 ? 0 : Math.min(48, Math.max(h.length, ...rows.map((r) => r.cols[i]!.length))),
  );
  const fmt = (cols: string[]) =>
    cols.map((x, i) => (i === cols.length - 1 ? x : x.slice(0, width[i]).padEnd(width[i]!))).join('  ');
  const out = [
    c.bold(`Vigil exchange probe — ${report.roots.join(', ')}`),
    '',
    c.bold(fmt(head)),
    ...rows.map((r) => paint[r.v]!(fmt(r.cols))),
  ];
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.v] = (counts[r.v] ?? 0) + 1;
  out.push('', c.bold('Summary'));
  for (const v of ['vulnerable', 'likely_vulnerable', 'patched', 'not_exchange', 'unreachable'])
    out.push(`  ${paint[v]!(v.padEnd(18))} ${counts[v] ?? 0}`);
  out.push(`  ${'total'.padEnd(18)} ${rows.length}`);
  return `${out.join('\n')}\n`;
}
