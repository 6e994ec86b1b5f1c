/**
 * Generated findings in the shapes Vigil's detectors write (DESIGN.md), for the case store's tests
 * and benchmarks: Exchange verdicts and builds per host, ProxyLogon requests, SUNBURST victims, mail
 * verdicts and campaigns. Deterministic for a seed, so two runs import the same findings.
 */
import type { Finding } from '../../src/model/finding.ts';

const VERDICTS = ['compromised', 'attempted', 'vulnerable', 'probed', 'clean'] as const;
const SEV = {
  compromised: 'critical',
  attempted: 'high',
  vulnerable: 'medium',
  probed: 'low',
  clean: 'info',
} as const;

/** A small fast PRNG (mulberry32): the same seed gives the same data on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  /** Findings to make (about: every host gets its verdict and build). */
  readonly count: number;
  readonly seed?: number;
  /** Prefix for host names, so two generated sets do not collide. */
  readonly hostPrefix?: string;
  /** Hosts to spread the findings over. */
  readonly hosts?: number;
}

export function* generateFindings(o: GenOptions): Generator<Finding> {
  const r = rng(o.seed ?? 1);
  const hosts = Math.max(1, o.hosts ?? Math.ceil(o.count / 200));
  const prefix = o.hostPrefix ?? 'EX';
  const base = Date.parse('2021-03-01T00:00:00Z');
  let made = 0;
  for (let h = 0; h < hosts && made < o.count; h++) {
    const host = `${prefix}${String(h + 1).padStart(2, '0')}`;
    const verdict = VERDICTS[Math.floor(r() * VERDICTS.length)]!;
    yield {
      rule: 'exchange.build',
      title: `${host} ran Exchange 2016 CU19 15.1.2176.2`,
      severity: 'medium',
      cve: ['CVE-2021-26855'],
      attack: [],
      time: new Date(base).toISOString(),
      host,
      source: { path: `exchange/Logging/HttpProxy/Owa/HttpProxy_${h}.LOG`, line: 1 },
      evidence: {
        build: '15.1.2176.2',
        product: 'Exchange 2016',
        cu: 'CU19',
        verdict: 'vulnerable',
        firstSeen: new Date(base).toISOString(),
        lastSeen: new Date(base + 86400000).toISOString(),
        fix: 'Install the May 2021 security update (KB5003435) or later for Exchange 2016 CU19 (build 15.1.2176.14).',
      },
    };
    yield {
      rule: 'exchange.verdict',
      title: `${host}: ${verdict}`,
      severity: SEV[verdict],
      cve: [],
      attack: [],
      time: new Date(base + 3600000).toISOString(),
      host,
      source: { path: `exchange/Logging/HttpProxy/Ecp/HttpProxy_${h}.LOG`, line: 10 },
      evidence: {
        verdict,
        buildNow: '15.1.2176.2',
        buildNowVerdict: 'vulnerable',
        buildAtFirstActivity: '15.1.2176.2',
        exposedAtFirstActivity: true,
        attackerIps: ['203.0.113.50'],
      },
      remediation:
        'Patch. Install now: Install the May 2021 security update (KB5003435) or later for Exchange 2016 CU19 (build 15.1.2176.14).',
    };
    made += 2;
    const per = Math.ceil((o.count - made) / (hosts - h));
    for (let i = 0; i < per && made < o.count; i++, made++) {
      const t = new Date(base + Math.floor(r() * 30 * 86400000)).toISOString();
      const k = r();
      if (k < 0.01)
        yield {
          rule: 'sunburst.victim',
          title: `SUNBURST victim corp${i}.example`,
          severity: 'high',
          cve: [],
          attack: ['T1195.002'],
          time: t,
          source: { path: 'dns/queries.log', line: i + 1 },
          evidence: {
            uid: `${host}-${i}`,
            domain: `corp${i}.example`,
            stage: 'beacon',
            firstSeen: t,
            lastSeen: t,
          },
        };
      else if (k < 0.02)
        yield {
          rule: 'mail.campaign',
          title: `campaign c${i % 7} (${i % 5} messages)`,
          severity: i % 2 ? 'critical' : 'info',
          cve: [],
          attack: ['T1566'],
          time: t,
          source: { path: `mail/campaign-${i}.eml`, line: 1 },
          evidence: {
            campaign: `c${i % 7}`,
            size: (i % 5) + 2,
            orgs: ['a', 'b'],
            action: i % 2 ? 'reject' : 'no_action',
            firstSeen: t,
            lastSeen: t,
            subjects: ['USAID Special Alert!'],
            senders: ['usaid@usaid.example'],
          },
        };
      else if (k < 0.1)
        yield {
          rule: 'mail.verdict',
          title: `reject (score 12): message ${i}`,
          severity: k < 0.05 ? 'critical' : 'low',
          cve: [],
          attack: ['T1566'],
          time: t,
          source: { path: `mail/${host}-${i}.eml`, line: 1 },
          evidence: {
            messageId: `<${host}.${i}@example>`,
            action: k < 0.05 ? 'reject' : 'no_action',
            score: 12,
          },
        };
      else
        yield {
          rule: 'exchange.proxylogon.ssrf',
          title: 'CVE-2021-26855 SSRF request reached the back end',
          severity: (['info', 'low', 'medium', 'high', 'critical'] as const)[Math.floor(r() * 5)]!,
          cve: ['CVE-2021-26855'],
          attack: ['T1190'],
          time: t,
          host,
          source: { path: `exchange/Logging/HttpProxy/Ecp/HttpProxy_${h}.LOG`, line: i + 2 },
          evidence: { clientIp: `198.51.100.${i % 250}`, url: `/ecp/y${i}.js`, stage: 'exploitation' },
        };
    }
  }
}

export function findingsJsonl(o: GenOptions): string {
  let s = '';
  for (const f of generateFindings(o)) s += `${JSON.stringify(f)}\n`;
  return s;
}
