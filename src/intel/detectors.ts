import { defineDetector } from '../model/detector.ts';
import { makeFinding } from '../model/finding.ts';
import { builtinIntel, matchDomain, type Indicator } from './packs.ts';
import { isSunburstName } from '../dns/sunburst/decode.ts';
import { orionBuilds } from '../supplychain/orion.ts';

/** Evidence in the shape the intel contract fixes: indicator, feed, type, value, matched. */
function intelEvidence(ind: Indicator, value: string, extra: Record<string, string | number> = {}) {
  return { indicator: ind.value, feed: ind.pack, type: ind.type, value, matched: ind.value, reference: ind.source, note: ind.note, ...extra };
}

const CAMPAIGN: Record<string, { attack: string[]; remediation: string }> = {
  hafnium: { attack: ['T1505.003'], remediation: 'Isolate the server, preserve a copy of the file and logs, remove the web shell, patch Exchange, and hunt for what it was used for.' },
  sunburst: { attack: ['T1195.002'], remediation: 'Isolate affected SolarWinds Orion hosts, follow CISA ED 21-01, rebuild Orion from a clean release and rotate credentials it held.' },
};

export const fileHashDetector = defineDetector({
  id: 'intel.file-hash',
  description: 'Files whose SHA-256, SHA-1 or MD5 is a known-bad indicator (built-in HAFNIUM and SUNBURST packs)',
  kinds: ['file', 'file.entry'],
  rules: [{ id: 'intel.match', title: 'Indicator of compromise matched' }],
  create() {
    const intel = builtinIntel();
    const orion = orionBuilds().bySha;
    return {
      onRecord(rec, emit) {
        // Orion business-layer builds get their verdict (backdoored / test / clean) from orion.build.
        if (rec.sha256 && orion.has(rec.sha256)) return;
        for (const h of [rec.sha256, rec.sha1, rec.md5]) {
          if (!h) continue;
          const ind = intel.hashes.get(h);
          if (!ind) continue;
          const c = CAMPAIGN[ind.pack];
          emit(makeFinding({
            rule: 'intel.match',
            title: `Known-bad file: ${ind.note}`,
            severity: 'critical',
            attack: c?.attack ?? [],
            source: rec.source,
            evidence: intelEvidence(ind, h, { file: rec.kind === 'file' ? rec.source.path : rec.path, name: rec.name, ...(rec.size !== undefined ? { size: rec.size } : {}) }),
            ...(c ? { remediation: c.remediation } : {}),
          }));
          return; // one finding per file, even when several of its hashes are listed
        }
      },
    };
  },
});

export const dnsDomainDetector = defineDetector({
  id: 'intel.dns-domain',
  description: 'DNS queries for known-bad domains or their subdomains (built-in SUNBURST pack)',
  kinds: ['dns.query'],
  rules: [{ id: 'intel.match', title: 'Indicator of compromise matched' }],
  create() {
    const intel = builtinIntel();
    return {
      onRecord(rec, emit) {
        // SUNBURST's DGA names are decoded (and reported in more depth) by the sunburst detector;
        // answer lines repeat a question already seen.
        if (rec.response || isSunburstName(rec.qname)) return;
        const m = matchDomain(intel, rec.qname);
        if (!m) return;
        const c = CAMPAIGN[m.indicator.pack];
        emit(makeFinding({
          rule: 'intel.match',
          title: `DNS query for known-bad domain ${m.indicator.value}: ${m.indicator.note}`,
          severity: 'high',
          attack: [...(c?.attack ?? []), 'T1071.004'],
          ...(rec.time ? { time: rec.time } : {}),
          source: rec.source,
          evidence: intelEvidence(m.indicator, rec.qname, { depth: m.depth, ...(rec.client ? { client: rec.client } : {}), ...(rec.qtype ? { qtype: rec.qtype } : {}) }),
          ...(c ? { remediation: c.remediation } : {}),
        }));
      },
    };
  },
});
