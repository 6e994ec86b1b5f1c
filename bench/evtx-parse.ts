/**
 * In-process timing for the Sigma benchmark: stream an EVTX file into Windows events, optionally
 * matching every event against a Sigma rule set (loaded before the clock starts).
 * Prints one JSON line: events, seconds, matches by level, rules loaded, load seconds.
 * Usage: node bench/evtx-parse.ts FILE.evtx [RULES…]
 */
import { createReadStream } from 'node:fs';
import { streamEvtx } from '../src/evtx/file.ts';
import { toWinEvent } from '../src/evtx/reader.ts';
import { SigmaRuleSet } from '../src/rules/sigma/ruleset.ts';

const [file, ...rules] = process.argv.slice(2);
if (!file) throw new Error('usage: evtx-parse.ts FILE.evtx [RULES…]');
const t0 = performance.now();
const rs = rules.length ? new SigmaRuleSet().loadPaths(rules) : null;
const loadSecs = (performance.now() - t0) / 1000;
const byLevel: Record<string, number> = {};
const byRule = new Map<string, number>();
let events = 0;
const t1 = performance.now();
for await (const batch of streamEvtx(createReadStream(file, { highWaterMark: 1 << 20 }), () => undefined)) {
  for (const r of batch) {
    const e = toWinEvent(r.event, { path: file, offset: r.offset });
    events++;
    if (!rs) continue;
    for (const m of rs.matchWinEvent(e)) {
      byLevel[m.rule.level] = (byLevel[m.rule.level] ?? 0) + 1;
      byRule.set(m.rule.title, (byRule.get(m.rule.title) ?? 0) + 1);
    }
  }
}
const secs = (performance.now() - t1) / 1000;
console.log(
  JSON.stringify({
    events,
    secs,
    rules: rs?.rules.length ?? 0,
    loadSecs,
    byLevel,
    topRules: [...byRule].sort((a, b) => b[1] - a[1]).slice(0, 8),
  }),
);
