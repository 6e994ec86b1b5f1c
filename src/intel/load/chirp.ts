import type * as Yaml from 'yaml';
import { lazyModule } from '../../io/lazy.ts';

const yaml = lazyModule<typeof Yaml>(import.meta.url, 'yaml');
import type { IntelIndex } from '../index.ts';
import type { LogScope } from '../indicator.ts';
import { addValue } from './common.ts';
import type { LoadReport } from './report.ts';

/**
 * CISA CHIRP indicator files (multi-document YAML). `network` documents give IPs and domains;
 * `yara` documents whose `files` glob names a log family give strings and regexes to match in that
 * family's raw lines (IIS W3SVC, ECP Server, OAB generator); YARA rules over arbitrary files and
 * `events` (Windows event log) documents need other engines and are reported as such.
 */
export function isChirp(text: string): boolean {
  return /^ioc_type:\s*["']?(network|yara|events|registry|files)/m.test(text) && /^indicator:/m.test(text);
}

function scopeOf(glob: string): LogScope | null {
  const g = glob.toLowerCase();
  if (g.includes('w3svc') || g.includes('inetpub\\logs')) return 'iis.w3c';
  if (g.includes('logging\\ecp\\server')) return 'exchange.ecp';
  if (g.includes('oabgeneratorlog')) return 'exchange.oab';
  if (g.includes('logging\\httpproxy')) return 'exchange.httpproxy';
  return null;
}

/** `$a= "text"` and `$b= /regex/` lines of a YARA rule's strings section. */
function yaraStrings(rule: string): { name: string; kind: 'text' | 'regex'; value: string }[] {
  const out: { name: string; kind: 'text' | 'regex'; value: string }[] = [];
  for (const m of rule.matchAll(/^\s*(\$\w*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|\/((?:[^/\\\n]|\\.)*)\/[is]*)/gm)) {
    if (m[2] !== undefined)
      out.push({
        name: m[1]!,
        kind: 'text',
        value: m[2]
          .replace(/\\(["\\])/g, '$1')
          .replace(/\\n/g, '\n')
          .replace(/\\t/g, '\t'),
      });
    else if (m[3] !== undefined) out.push({ name: m[1]!, kind: 'regex', value: m[3] });
  }
  return out;
}

export function loadChirp(
  text: string,
  index: IntelIndex,
  report: LoadReport,
  feed: string,
  file: string,
): void {
  const docs = yaml().parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, d) => {
    const line = doc.range ? text.slice(0, doc.range[0]).split('\n').length : 0;
    const where = `${file}:${line} (document ${d + 1})`;
    if (doc.errors.length) {
      report.rejected.push({ where, value: '', reason: `YAML: ${doc.errors[0]!.message}` });
      return;
    }
    const o = doc.toJS() as Record<string, unknown> | null;
    if (!o || typeof o !== 'object') return;
    const name = typeof o['name'] === 'string' ? o['name'] : undefined;
    const conf = typeof o['confidence'] === 'number' ? Math.round(o['confidence'] * 10) : undefined; // CHIRP scores 0–10
    const ind = (o['indicator'] ?? {}) as Record<string, unknown>;
    const type = String(o['ioc_type'] ?? '');
    const base = { feed, note: name, confidence: conf, source: 'CISA CHIRP' };
    if (type === 'network') {
      for (const [key, t] of [
        ['ips', 'ipv4'],
        ['domains', 'domain'],
        ['urls', 'url'],
      ] as const) {
        const v = ind[key];
        if (typeof v !== 'string') continue;
        v.split(/\s+/)
          .filter(Boolean)
          .forEach((x) =>
            addValue(index, report, t === 'ipv4' && x.includes(':') ? 'ipv6' : t, x, { ...base, where }),
          );
      }
    } else if (type === 'yara') {
      const glob = String(ind['files'] ?? '');
      const scope = scopeOf(glob);
      const rule = String(ind['rule'] ?? '');
      const ruleName = /rule\s+(\w+)/.exec(rule)?.[1] ?? 'rule';
      if (!scope) {
        report.unsupported.push({
          where,
          reason: `YARA rule ${ruleName} over files (${glob}): run it with a YARA engine, not the IOC index`,
        });
        return;
      }
      const strings = yaraStrings(rule);
      if (!strings.length) {
        report.rejected.push({ where, value: ruleName, reason: 'no strings found in the YARA rule' });
        return;
      }
      // CISA: the user agents "are not necessarily indicative of compromise" (crawlers among them): hints only.
      const confidence = /user.?agent/i.test(`${ruleName} ${name ?? ''}`) ? 20 : conf;
      for (const s of strings)
        addValue(index, report, s.kind === 'text' ? 'log-string' : 'log-regex', s.value, {
          ...base,
          confidence,
          where: `${where} ${ruleName} ${s.name}`,
          scope,
          note: `${name ?? ruleName} (${s.name})`,
        });
    } else {
      report.unsupported.push({
        where,
        reason: `CHIRP ${type} indicator "${name ?? ''}" needs ${type === 'events' ? 'the Windows event log reader' : 'a host collection'}, not the IOC index`,
      });
    }
  });
}
