/**
 * ReDoS audit of Vigil's own regular expressions: every regex literal and every `new RegExp` with a
 * literal source in src/ is checked with recheck (automaton and fuzzing checker; its Linux binary
 * ships in the recheck-linux-x64 package). `npm test` runs the same check (test/rules/regex-audit.test.ts)
 * on every regex not already recorded here as safe.
 * Usage: node scripts/regex-audit.ts            list every finding
 *        node scripts/regex-audit.ts --update   also rewrite test/support/regex-audit.json
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditFile, checkRegex, collectRegexes, keyOf, loadAudit } from '../test/support/regex-audit.ts';

const update = process.argv.includes('--update');
const found = collectRegexes(join(import.meta.dirname, '..', 'src'));
const audit = loadAudit();
const safe = new Set<string>();
let bad = 0;
for (const r of found) {
  const key = keyOf(r);
  const d = audit.safe.includes(key) ? { status: 'safe' as const } : await checkRegex(r);
  if (d.status === 'safe') safe.add(key);
  else if (!audit.allow[key]) {
    bad++;
    console.log(`${r.file}:${r.line} /${r.source}/${r.flags} ${d.status} ${d.detail ?? ''}`);
  }
}
console.log(`${found.length} regexes, ${safe.size} safe, ${bad} not safe and not allowed`);
if (update) writeFileSync(auditFile, `${JSON.stringify({ ...audit, safe: [...safe].sort() }, null, 2)}\n`);
process.exit(bad ? 1 : 0);
