/**
 * Starts N simulated Exchange front ends for the probe benchmark, on loopback only: addresses
 * 127.0.1.1–127.0.1.X, several ports each, mixed builds and behaviours. Prints the target list as
 * JSON on stdout once listening, then runs until killed.
 */
import https from 'node:https';
import { handler, selfSigned, type Behaviour } from '../test/support/exchange-sim.ts';

const total = Number(process.argv[2] ?? 5000);
const perIp = 50;
const builds = ['15.1.2176.2', '15.2.858.12', '15.2.922.7', '15.0.1497.2', '15.1.2242.4', '15.2.792.3'];
const cert = selfSigned();
const targets: string[] = [];
const listening: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const ip = `127.0.1.${1 + Math.floor(i / perIp)}`;
  const port = 21000 + (i % perIp);
  const k = i % 10;
  const b: Behaviour =
    k === 9
      ? { kind: 'other' }
      : { kind: 'exchange', build: builds[i % builds.length]!, header: k < 6, exporttool: k >= 6 && k < 8 };
  const srv = https.createServer(cert, handler(b));
  listening.push(
    new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, ip, () => resolve());
    }),
  );
  targets.push(`https://${ip}:${port}`);
}
await Promise.all(listening);
process.stdout.write(`${JSON.stringify(targets)}\n`);
