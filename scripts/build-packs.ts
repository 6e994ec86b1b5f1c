/**
 * Regenerates the built-in indicator packs in src/intel/packs/ from the public sources kept in
 * ../shared/data (see the READMEs there for provenance). Run: node scripts/build-packs.ts
 * The packs are data: one indicator a line, each with its pack, source and date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data');
const OUT = join(import.meta.dirname, '..', 'src', 'intel', 'packs');

type Row = [type: string, value: string, pack: string, source: string, date: string, note: string];

function csv(path: string): string[][] {
  return readFileSync(path, 'utf8').split(/\r?\n/).filter(Boolean).map((l) => {
    const out: string[] = []; let cur = ''; let q = false;
    for (const ch of l) {
      if (ch === '"') q = !q; else if (ch === ',' && !q) { out.push(cur); cur = ''; } else cur += ch;
    }
    out.push(cur);
    return out.map((s) => s.trim());
  });
}
const refang = (s: string) => s.replace(/\[\.\]/g, '.');
const clean = (s: string) => s.replace(/[\t\r\n]/g, ' ').trim();

const files: Row[] = [];
for (const line of readFileSync(join(DATA, 'exchange/signature-base_hash-iocs_hafnium_excerpt.txt'), 'utf8').split('\n')) {
  const [hash] = line.split(';');
  if (hash && /^[0-9a-f]{64}$/i.test(hash)) files.push(['sha256', hash.toLowerCase(), 'hafnium', 'Neo23x0/signature-base iocs/hash-iocs.txt (DRL 1.1), from Microsoft HAFNIUM blog', '2021-03-02', 'HAFNIUM web shell']);
}
for (const r of csv(join(DATA, 'exchange/mstic_iocs_exchange_march2021.csv')).slice(1)) {
  if (r[3] === 'sha256' && r[2]) files.push(['sha256', r[2].toLowerCase(), 'hafnium', 'MSTIC IoCs, Exchange Server vulnerabilities disclosed March 2021 (TLP:WHITE)', r[0] ?? '', 'HAFNIUM/Exchange exploitation file']);
}
for (const r of csv(join(DATA, 'exchange/mstic_iocs_exchange_march2021_hash_metadata.csv')).slice(1)) {
  for (const v of r) {
    if (/^[0-9a-f]{32}$/i.test(v)) files.push(['md5', v.toLowerCase(), 'hafnium', 'MSTIC IoCs March 2021 (JSON twin of the feed)', '2021-03-10', 'HAFNIUM/Exchange exploitation file']);
    if (/^[0-9a-f]{40}$/i.test(v)) files.push(['sha1', v.toLowerCase(), 'hafnium', 'MSTIC IoCs March 2021 (JSON twin of the feed)', '2021-03-10', 'HAFNIUM/Exchange exploitation file']);
  }
}
for (const r of csv(join(DATA, 'sunburst/fireeye_Indicator_Release_Hashes.csv')).slice(1)) {
  const [sha256, sha1, md5, name, , , , , family, role] = r;
  // The legitimate SolarWinds signing certificate is context, not a bad file; the attacker's
  // "Benign" test builds are judged by the Orion build check, not as malware.
  if (!family || /certificate|benign/i.test(family)) continue;
  const note = clean(`${family}${role ? ` ${role}` : ''}${name ? ` (${name})` : ''}`);
  const src = 'FireEye/Mandiant sunburst_countermeasures Indicator_Release_Hashes.csv (BSD-2-Clause)';
  if (sha256) files.push(['sha256', sha256.toLowerCase(), 'sunburst', src, '2020-12-13', note]);
  if (sha1) files.push(['sha1', sha1.toLowerCase(), 'sunburst', src, '2020-12-13', note]);
  if (md5) files.push(['md5', md5.toLowerCase(), 'sunburst', src, '2020-12-13', note]);
}

// TEARDROP (CISA MAR-10320115 via cisagov/CHIRP cisa_teardrop.yaml, CC0) and SUNSPOT
// (Taillon indicators/sha256.csv, CC0), transcribed in shared/reference/sunburst.md §4.2.
for (const [type, value, note, src] of [
  ['sha256', 'dc20f4e50784533d7d10925e4b056f589cc73c139e97f40c0b7969728a28125c', 'TEARDROP memory-only dropper', 'CISA MAR-10320115 (cisagov/CHIRP cisa_teardrop.yaml)'],
  ['md5', 'f612bce839d855bbff98214a197489f7', 'TEARDROP memory-only dropper', 'CISA MAR-10320115 (cisagov/CHIRP cisa_teardrop.yaml)'],
  ['sha256', 'b37007db21a7f969d2c838f3bbbeb78a7402d66735bb5845ef31df9048cc33f0', 'TEARDROP memory-only dropper', 'CISA MAR-10320115 (cisagov/CHIRP cisa_teardrop.yaml)'],
  ['sha256', '1817a5bf9c01035bcf8a975c9f1d94b0ce7f6a200339485d8f93859f8f6d730c', 'TEARDROP memory-only dropper', 'CISA MAR-10320115 (cisagov/CHIRP cisa_teardrop.yaml)'],
  ['sha256', 'c45c9bda8db1d470f1fd0dcc346dc449839eb5ce9a948c70369230af0b3ef168', 'SUNSPOT build implant (taskhostsvc.exe)', 'christian-taillon/sunburst-hunting indicators/sha256.csv (CC0)'],
] as const) files.push([type, value, 'sunburst', src, '2021-01-12', note]);

const domains: Row[] = [['domain', 'avsvmcloud.com', 'sunburst', 'FireEye/Mandiant, SUNBURST DGA parent domain', '2020-12-13', 'SUNBURST first-stage C2 (DGA subdomains)']];
for (const r of csv(join(DATA, 'sunburst/fireeye_Indicator_Release_NBIs.csv')).slice(1)) {
  const [family, , fqdn, , target] = r;
  const src = 'FireEye/Mandiant sunburst_countermeasures Indicator_Release_NBIs.csv (BSD-2-Clause)';
  for (const d of [fqdn, target]) {
    if (!d) continue;
    const v = refang(d).toLowerCase();
    if (v.endsWith('.avsvmcloud.com')) continue; // covered by the parent domain
    domains.push(['domain', v, 'sunburst', src, '2020-12-13', clean(`${family || 'SUNBURST-related'} infrastructure`)]);
  }
}

function write(name: string, header: string, rows: Row[]) {
  const seen = new Set<string>();
  const body = rows.filter((r) => { const k = `${r[0]}\t${r[1]}`; if (seen.has(k)) return false; seen.add(k); return true; });
  writeFileSync(join(OUT, name), `${header}\n# type\tvalue\tpack\tsource\tdate\tnote\n${body.map((r) => r.join('\t')).join('\n')}\n`);
  console.log(`${name}: ${body.length} indicators`);
}
write('files.tsv', '# Vigil built-in pack: known-bad file hashes (HAFNIUM web shells, SUNBURST builds). Generated by scripts/build-packs.ts from public sources named per row.', files);
write('domains.tsv', '# Vigil built-in pack: known-bad domains (SUNBURST infrastructure). Generated by scripts/build-packs.ts from public sources named per row.', domains);
