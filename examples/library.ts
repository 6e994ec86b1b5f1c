// Vigil as a library: run with `node examples/library.ts` from a checkout (see README, "Use Vigil
// as a library"). It scans the example incident, then judges one message as a mail-flow door would.
import { readFileSync } from 'node:fs';
import { analyzeMessage, loadEngine, openScan } from 'vigil';

const engine = loadEngine(); // built-in indicator packs and the shipped mail scoring, loaded once

// A scan: feed it paths (or messages), read findings as they come, close it for the conclusions.
const session = openScan(engine, { profile: 'triage' });
const done = session.add('examples/incident').then(() => session.close());
for await (const e of session)
  if (e.type === 'finding' && (e.finding.severity === 'critical' || e.finding.rule === 'exchange.verdict'))
    console.log(`${e.finding.severity.padEnd(8)} ${e.finding.rule}  ${e.finding.source.path}`);
const summary = await done;
console.log(`${summary.findings} findings in ${summary.stats.files} files`);

// One message in flight, with its SMTP envelope (SPF would be checked against it with `mail.dns`).
const bytes = readFileSync('examples/incident/mail/2021-05-25-special-alert.eml');
const verdict = await analyzeMessage(bytes, { clientIp: '192.0.2.7', helo: 'mta.example.net' }, engine);
console.log(`${verdict.action} (score ${verdict.score}): ${verdict.signals.map((s) => s.name).join(', ')}`);
