/**
 * Writes an N-line BIND query log of real-shaped benign names with a sprinkle of SUNBURST beacons
 * (the public Bambenek labels, one in 10,000 lines). Usage: node bench/gen-dns.ts OUT [LINES]
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node bench/gen-dns.ts OUT [LINES]');
  process.exit(2);
}
const total = Number(process.argv[3] ?? 10_000_000);
const beacons = readFileSync(
  join(import.meta.dirname, '..', '..', 'shared', 'data', 'sunburst', 'bambenek_uniq-hostnames.txt'),
  'utf8',
)
  .split('\n')
  .filter(Boolean);
const words = [
  'mail',
  'www',
  'login',
  'api',
  'cdn',
  'static',
  'outlook',
  'teams',
  'update',
  'time',
  'ocsp',
  'crl',
  'graph',
  'auth',
  'files',
  'sync',
  'edge',
  'img',
  'assets',
  'telemetry',
];
const zones = [
  'microsoft.com',
  'office365.com',
  'windowsupdate.com',
  'google.com',
  'gstatic.com',
  'akamaiedge.net',
  'cloudfront.net',
  'corp.example.org',
  'digicert.com',
  'apple.com',
  'amazonaws.com',
  'github.com',
  'slack.com',
  'zoom.us',
  'salesforce.com',
];
const types = ['A', 'A', 'A', 'AAAA', 'A', 'HTTPS', 'A', 'SRV', 'A', 'PTR'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let seed = 42;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const ws = createWriteStream(out);
const start = Date.UTC(2020, 5, 1);
for (let i = 0; i < total;) {
  let block = '';
  for (let k = 0; k < 10_000 && i < total; k++, i++) {
    const d = new Date(start + i * 37);
    const stamp = `${String(d.getUTCDate()).padStart(2, '0')}-${MON[d.getUTCMonth()]}-${d.getUTCFullYear()} ${d.toISOString().slice(11, 23)}`;
    const name =
      i % 10_000 === 5_000
        ? beacons[rnd(beacons.length)]!
        : `${words[rnd(words.length)]}${rnd(40)}.${rnd(3) ? `${words[rnd(words.length)]}.` : ''}${zones[rnd(zones.length)]}`;
    block += `${stamp} queries: info: client @0x7f3a5c0b${(i & 0xffff).toString(16)} 10.20.${rnd(8)}.${rnd(250)}#${49152 + rnd(16000)} (${name}): query: ${name} IN ${types[rnd(types.length)]} +E(0)K (10.20.0.53)\n`;
  }
  if (!ws.write(block)) await once(ws, 'drain');
}
ws.end();
await once(ws, 'finish');
