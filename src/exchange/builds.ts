/**
 * Exchange builds and what they are exposed to: the fixed-build tables for ProxyLogon (March 2021
 * security update) and ProxyShell (April and May 2021 updates), from Microsoft's build-number page
 * and the CVE records (shared/reference/exchange.md §4.1–4.2). The one source of truth for every
 * command that judges a build (`exchange probe`, `exchange hunt`).
 */
export const PROXYLOGON = ['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065'] as const;
export const PROXYSHELL_APR = ['CVE-2021-34473', 'CVE-2021-34523'] as const;
export const PROXYSHELL_MAY = ['CVE-2021-31207'] as const;

type Fix = number | 'included' | null; // revision of the fixing SU on that CU; included in the CU's own build; no fix for this CU

interface Cu {
  readonly product: string;
  readonly cu: string;
  readonly minor: number;
  readonly build: number;
  readonly rtm: number;
  readonly proxyLogon: Fix;
  readonly psApr: Fix;
  readonly psMay: Fix;
}

// product, CU, minor, build, RTM revision, Mar21SU revision, Apr21SU revision, May21SU revision
const TABLE: readonly Cu[] = (
  [
    ['Exchange 2013', 'SP1', 0, 847, 32, 64, null, null],
    ['Exchange 2013', 'CU21', 0, 1395, 4, 12, null, null],
    ['Exchange 2013', 'CU22', 0, 1473, 3, 6, null, null],
    ['Exchange 2013', 'CU23', 0, 1497, 2, 12, 15, 18],
    ['Exchange 2016', 'CU8', 1, 1415, 2, 10, null, null],
    ['Exchange 2016', 'CU9', 1, 1466, 3, 16, null, null],
    ['Exchange 2016', 'CU10', 1, 1531, 3, 12, null, null],
    ['Exchange 2016', 'CU11', 1, 1591, 10, 18, null, null],
    ['Exchange 2016', 'CU12', 1, 1713, 5, 10, null, null],
    ['Exchange 2016', 'CU13', 1, 1779, 2, 8, null, null],
    ['Exchange 2016', 'CU14', 1, 1847, 3, 12, null, null],
    ['Exchange 2016', 'CU15', 1, 1913, 5, 12, null, null],
    ['Exchange 2016', 'CU16', 1, 1979, 3, 8, null, null],
    ['Exchange 2016', 'CU17', 1, 2044, 4, 13, null, null],
    ['Exchange 2016', 'CU18', 1, 2106, 2, 13, null, null],
    ['Exchange 2016', 'CU19', 1, 2176, 2, 9, 12, 14],
    ['Exchange 2016', 'CU20', 1, 2242, 4, 'included', 8, 10],
    ['Exchange 2016', 'CU21', 1, 2308, 8, 'included', 'included', 'included'],
    ['Exchange 2019', 'RTM', 2, 221, 12, 18, null, null],
    ['Exchange 2019', 'CU1', 2, 330, 5, 11, null, null],
    ['Exchange 2019', 'CU2', 2, 397, 3, 11, null, null],
    ['Exchange 2019', 'CU3', 2, 464, 5, 15, null, null],
    ['Exchange 2019', 'CU4', 2, 529, 5, 13, null, null],
    ['Exchange 2019', 'CU5', 2, 595, 3, 8, null, null],
    ['Exchange 2019', 'CU6', 2, 659, 4, 12, null, null],
    ['Exchange 2019', 'CU7', 2, 721, 2, 13, null, null],
    ['Exchange 2019', 'CU8', 2, 792, 3, 10, 13, 15],
    ['Exchange 2019', 'CU9', 2, 858, 5, 'included', 10, 12],
    ['Exchange 2019', 'CU10', 2, 922, 7, 'included', 'included', 'included'],
  ] as const
).map(([product, cu, minor, build, rtm, proxyLogon, psApr, psMay]) => ({
  product,
  cu,
  minor,
  build,
  rtm,
  proxyLogon,
  psApr,
  psMay,
}));

const PRODUCT: Record<number, string> = { 0: 'Exchange 2013', 1: 'Exchange 2016', 2: 'Exchange 2019' };
/** The first CU of each version that includes every fix (what to upgrade to when a CU has none). */
const TARGET: Record<number, string> = {
  0: 'Exchange 2013 CU23 with the May 2021 SU (15.0.1497.18) or later',
  1: 'Exchange 2016 CU21 (15.1.2308.8) or later with its latest SU',
  2: 'Exchange 2019 CU10 (15.2.922.7) or later with its latest SU',
};

export type Verdict = 'vulnerable' | 'patched' | 'likely_vulnerable' | 'unknown';

export interface BuildAssessment {
  readonly build: string;
  readonly product: string;
  readonly cu?: string;
  readonly verdict: Verdict;
  /** CVEs the build is (or, for CU-level builds, may be) exposed to. */
  readonly cves: readonly string[];
  readonly fix: string;
  readonly reason: string;
}

/** Parse `15.1.2176.2`, `15.01.2176.002` or `15.1.2176` (CU level only). */
export function parseBuild(s: string): number[] | null {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{1,5})(?:\.(\d{1,5}))?$/.exec(s.trim());
  return m
    ? m
        .slice(1)
        .filter((x) => x !== undefined)
        .map(Number)
    : null;
}

const fixed = (fix: Fix, rev: number) => fix === 'included' || (typeof fix === 'number' && rev >= fix);

export function assessBuild(build: string): BuildAssessment {
  const p = parseBuild(build);
  if (!p)
    return {
      build,
      product: 'unknown',
      verdict: 'unknown',
      cves: [],
      fix: 'Read the build from the server (Get-ExchangeServer | fl AdminDisplayVersion, or ExSetup.exe file version).',
      reason: 'not an Exchange build number',
    };
  const [major, minor, cuBuild, rev] = p as [number, number, number, number | undefined];
  const norm = p.join('.');
  if (major === 14) {
    const ok = minor > 3 || (minor === 3 && (cuBuild > 513 || (cuBuild === 513 && rev !== undefined)));
    if (rev === undefined && minor === 3 && cuBuild < 513)
      return {
        build: norm,
        product: 'Exchange 2010',
        verdict: 'vulnerable',
        cves: ['CVE-2021-26857'],
        fix: 'Install Exchange 2010 SP3 Update Rollup 32 (14.3.513.0), then migrate: Exchange 2010 is out of support.',
        reason: 'Exchange 2010 before RU32: CVE-2021-26857 only (UM role); ProxyShell does not apply',
      };
    return ok
      ? {
          build: norm,
          product: 'Exchange 2010',
          verdict: 'patched',
          cves: [],
          fix: 'Exchange 2010 is out of support: migrate.',
          reason: 'Exchange 2010 SP3 RU32 or later',
        }
      : {
          build: norm,
          product: 'Exchange 2010',
          verdict: 'vulnerable',
          cves: ['CVE-2021-26857'],
          fix: 'Install Exchange 2010 SP3 Update Rollup 32 (14.3.513.0), then migrate: Exchange 2010 is out of support.',
          reason: 'Exchange 2010 before RU32: CVE-2021-26857 only (UM role); ProxyShell does not apply',
        };
  }
  const product = PRODUCT[minor];
  if (major !== 15 || !product)
    return {
      build: norm,
      product: 'unknown',
      verdict: 'unknown',
      cves: [],
      fix: 'Identify the product version by hand.',
      reason: `build ${norm} is not Exchange 2010–2019`,
    };
  const cu = TABLE.find((c) => c.minor === minor && c.build === cuBuild);
  const all = [...PROXYLOGON, ...PROXYSHELL_APR, ...PROXYSHELL_MAY];
  if (!cu) {
    const newest = Math.max(...TABLE.filter((c) => c.minor === minor).map((c) => c.build));
    if (cuBuild > newest)
      return {
        build: norm,
        product,
        verdict: 'patched',
        cves: [],
        fix: 'Keep installing the monthly security updates.',
        reason: `a CU newer than every CU with ProxyLogon/ProxyShell exposure`,
      };
    return {
      build: norm,
      product,
      verdict: 'vulnerable',
      cves: all,
      fix: `Update to ${TARGET[minor]}: no security update exists for this CU.`,
      reason: 'an old CU for which Microsoft released no ProxyLogon or ProxyShell fix',
    };
  }
  const name = `${product} ${cu.cu}`;
  const fixText = (missing: string) =>
    cu.psMay === null
      ? `Update to ${TARGET[minor]} (${cu.cu} has no ProxyShell fix)${cu.proxyLogon !== 'included' && missing.includes('Mar') ? '; meanwhile the March 2021 SU (KB5000871) closes ProxyLogon' : ''}.`
      : `Install the May 2021 security update (KB5003435) or later for ${name} (build 15.${minor}.${cu.build}.${cu.psMay === 'included' ? cu.rtm : cu.psMay}).`;
  if (rev === undefined) {
    if (cu.proxyLogon === 'included' && cu.psApr === 'included' && cu.psMay === 'included')
      return {
        build: norm,
        product,
        cu: cu.cu,
        verdict: 'patched',
        cves: [],
        fix: 'Keep installing the monthly security updates.',
        reason: `${name} includes every fix`,
      };
    const possible = [
      ...(cu.proxyLogon === 'included' ? [] : PROXYLOGON),
      ...PROXYSHELL_APR,
      ...PROXYSHELL_MAY,
    ];
    return {
      build: norm,
      product,
      cu: cu.cu,
      verdict: cu.psMay === null ? 'vulnerable' : 'likely_vulnerable',
      cves: possible,
      fix: fixText('Mar'),
      reason:
        cu.psMay === null
          ? `${name} has no ProxyShell fix at any update level`
          : `CU level only (${name}): the security update level is unknown`,
    };
  }
  const cves = [
    ...(fixed(cu.proxyLogon, rev) ? [] : PROXYLOGON),
    ...(fixed(cu.psApr, rev) ? [] : PROXYSHELL_APR),
    ...(fixed(cu.psMay, rev) ? [] : PROXYSHELL_MAY),
  ];
  if (!cves.length)
    return {
      build: norm,
      product,
      cu: cu.cu,
      verdict: 'patched',
      cves,
      fix: 'Keep installing the monthly security updates.',
      reason: `${name} with the May 2021 security update or later`,
    };
  return {
    build: norm,
    product,
    cu: cu.cu,
    verdict: 'vulnerable',
    cves,
    fix: fixText(fixed(cu.proxyLogon, rev) ? '' : 'Mar'),
    reason: `${name} at revision ${rev}: ${fixed(cu.proxyLogon, rev) ? 'ProxyLogon fixed, ProxyShell not' : 'before the March 2021 security update'}`,
  };
}
