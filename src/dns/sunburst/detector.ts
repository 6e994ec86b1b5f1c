import { defineDetector } from '../../model/detector.ts';
import { makeFinding, type Finding } from '../../model/finding.ts';
import type { DnsQuery } from '../../model/records.ts';
import { decodeQuery, isSunburstName, type Decoded } from './decode.ts';
import { productLabels } from './products.ts';
import { VictimTracker, type Victim } from './victims.ts';

/**
 * SUNBURST beacons in DNS logs: one `sunburst.query` finding per query under avsvmcloud.com
 * (decoded, or rejected with the reason) and, at the end, one `sunburst.victim` finding per
 * infected host id with its reassembled AD domain, products and the stage it reached.
 */
const ATTACK = ['T1195.002', 'T1071.004', 'T1568.002'];
const FIX =
  'Isolate the SolarWinds Orion server(s) that sent these queries, preserve memory and disk, follow CISA ED 21-01 (rebuild Orion from a clean release, rotate every credential Orion held), and hunt for STAGE2 activity (TEARDROP/RAINDROP, Cobalt Strike) from the CNAME hosts.';

export function queryEvidence(d: Decoded): Record<string, string | number | boolean | string[] | null> {
  if (d.kind === 'invalid') return { fqdn: d.fqdn, kind: 'invalid', reason: d.reason };
  const base = {
    fqdn: d.fqdn,
    kind: d.kind,
    uid: d.uid,
    region: d.region,
    key: `0x${d.key.toString(16).padStart(2, '0')}`,
  };
  if (d.kind === 'domain')
    return {
      ...base,
      index: d.index,
      last: d.index === 35,
      chunk: d.chunk,
      text: d.text,
      encoding: d.encoding,
    };
  return {
    ...base,
    beaconTime: d.time,
    stage2: d.stage2,
    ...(d.kind === 'services'
      ? { word: `0x${d.word!.toString(16).padStart(4, '0')}`, products: productLabels(d.products ?? []) }
      : {}),
  };
}

function queryTitle(d: Decoded): string {
  if (d.kind === 'invalid') return `avsvmcloud.com name that is not a SUNBURST beacon: ${d.reason}`;
  if (d.kind === 'domain')
    return `SUNBURST beacon from host ${d.uid}: domain chunk ${d.index === 35 ? 'last' : d.index}${d.text !== null ? ` "${d.text}"` : ' (base32 continuation)'}`;
  if (d.kind === 'ping')
    return `SUNBURST beacon from host ${d.uid}: ping at ${d.time.slice(0, 16)}Z${d.stage2 ? ' (STAGE2 flag)' : ''}`;
  const p = productLabels(d.products ?? []);
  return `SUNBURST beacon from host ${d.uid}: security products ${p.length ? p.join(', ') : 'none'}${d.stage2 ? ' (STAGE2 flag)' : ''}`;
}

export function queryFinding(q: DnsQuery, d: Decoded): Finding {
  return makeFinding({
    rule: 'sunburst.query',
    title: queryTitle(d),
    severity: d.kind === 'invalid' ? 'info' : 'high',
    attack: d.kind === 'invalid' ? [] : ATTACK,
    ...(q.time ? { time: q.time } : {}),
    source: q.source,
    evidence: {
      ...queryEvidence(d),
      ...(q.client ? { client: q.client } : {}),
      ...(q.answers ? { answers: [...q.answers] } : {}),
    },
    ...(d.kind === 'invalid' ? {} : { remediation: FIX }),
  });
}

export function victimFinding(v: Victim): Finding {
  const name = v.domain || '(domain not seen)';
  const severe = v.stage === 'stage2' || v.stage === 'targeted';
  const products = productLabels(v.products);
  return makeFinding({
    rule: 'sunburst.victim',
    title: `SUNBURST victim ${name} (host ${v.uid}): ${v.stage}${v.killSwitch ? ', kill switch answered' : ''}${products.length ? `; ${products.join(', ')}` : ''}`,
    severity: severe ? 'critical' : 'high',
    attack: ATTACK,
    ...(v.firstSeen ? { time: v.firstSeen } : {}),
    source: v.firstSource,
    evidence: {
      uid: v.uid,
      domain: v.domain,
      status: v.status,
      encoding: v.encoding,
      region: v.region,
      chunks: v.indices.join(','),
      queries: v.queries,
      firstSeen: v.firstSeen ?? null,
      lastSeen: v.lastSeen ?? null,
      products,
      stage: v.stage,
      stage2Flag: v.stage2Flag,
      killSwitch: v.killSwitch,
      answers: v.answers as Record<string, number>,
      beaconTimes: [...v.beaconTimes],
      conflicts: [...v.conflicts],
    },
    remediation: FIX,
  });
}

/** Feed one query to the tracker; returns the decode (or null when the name is not SUNBURST's). */
export function track(tracker: VictimTracker, q: DnsQuery): Decoded | null {
  if (!isSunburstName(q.qname)) return null;
  const d = decodeQuery(q.qname);
  if (d.kind === 'domain') tracker.addFragment(d, q.source, q.time, q.answers);
  else if (d.kind !== 'invalid') tracker.addData(d, q.source, q.time, q.answers);
  return d;
}

export const sunburstDetector = defineDetector({
  id: 'sunburst',
  description:
    "SUNBURST DGA beacons under avsvmcloud.com: decodes each query (host id, domain chunk, time, STAGE2, security products) and reassembles each victim's AD domain",
  kinds: ['dns.query'],
  rules: [
    { id: 'sunburst.query', title: 'SUNBURST DNS beacon (decoded)' },
    { id: 'sunburst.victim', title: 'SUNBURST victim host (reassembled domain, products, stage)' },
  ],
  lineFilter: /avsvmcloud/i,
  create() {
    const tracker = new VictimTracker();
    return {
      onRecord(q, emit) {
        // Cheap test first: almost every name in a resolver log is not SUNBURST's.
        if (q.qname.indexOf('avsvmcloud') < 0) return;
        const d = track(tracker, q);
        if (d && !q.response) emit(queryFinding(q, d));
      },
      finish(emit) {
        for (const v of tracker.victims()) emit(victimFinding(v));
      },
    };
  },
});
