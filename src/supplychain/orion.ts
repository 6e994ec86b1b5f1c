import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDetector } from '../model/detector.ts';
import { makeFinding, type Finding } from '../model/finding.ts';
import type { FileEntry, FileRecord } from '../model/records.ts';

/**
 * SolarWinds Orion build check: is this `SolarWinds.Orion.Core.BusinessLayer.dll` one of the
 * builds that carry SUNBURST, the attacker's tampered test build, or a known clean one? Works on
 * collected files (by hash) and on file listings from collection tools (by hash, else by version).
 */
export type Verdict = 'backdoored' | 'tampered_test' | 'clean_unverified';
export interface OrionBuild {
  readonly version: string;
  readonly verdict: Verdict;
  readonly sha256: string;
  readonly release: string;
  readonly source: string;
}

export const ORION_DLL = 'solarwinds.orion.core.businesslayer.dll';

let table: { bySha: Map<string, OrionBuild>; byVersion: Map<string, OrionBuild[]> } | null = null;

export function orionBuilds() {
  if (table) return table;
  const bySha = new Map<string, OrionBuild>();
  const byVersion = new Map<string, OrionBuild[]>();
  const path = join(import.meta.dirname, 'orion-builds.tsv');
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim() || line.startsWith('#')) return;
      const [version, verdict, sha256, release, source] = line.split('\t');
      if (!version || !sha256 || !['backdoored', 'tampered_test', 'clean_unverified'].includes(verdict ?? ''))
        throw new Error(`${path}:${i + 1}: not a build line`);
      const b: OrionBuild = {
        version,
        verdict: verdict as Verdict,
        sha256: sha256.toLowerCase(),
        release: release ?? '',
        source: source ?? '',
      };
      bySha.set(b.sha256, b);
      if (version !== '-') byVersion.set(version, [...(byVersion.get(version) ?? []), b]);
    });
  table = { bySha, byVersion };
  return table;
}

const FIX_BACKDOORED =
  'Treat the Orion server as compromised: isolate it, follow CISA ED 21-01 (rebuild from a clean release, 2020.2.1 HF 2 or later), rotate every credential Orion held, and check DNS logs for avsvmcloud.com beacons (vigil dns sunburst) to see whether it reached STAGE2.';

function finding(
  f: { source: FileRecord['source']; path: string },
  title: string,
  severity: Finding['severity'],
  evidence: Record<string, string>,
): Finding {
  return makeFinding({
    rule: 'orion.build',
    title,
    severity,
    attack: severity === 'critical' ? ['T1195.002'] : [],
    source: f.source,
    evidence: { file: f.path, ...evidence },
    ...(severity === 'critical'
      ? { remediation: FIX_BACKDOORED }
      : severity === 'medium'
        ? {
            remediation:
              'The attacker tested their access with this build (October 2019): the build server was compromised; update Orion and review the server as for a backdoored build.',
          }
        : {}),
  });
}

/** The verdict for one file, from its hash, else from its name and version. */
export function judge(f: {
  source: FileRecord['source'];
  path: string;
  name: string;
  sha256?: string | undefined;
  version?: string | undefined;
}): Finding | null {
  const { bySha, byVersion } = orionBuilds();
  const known = f.sha256 ? bySha.get(f.sha256.toLowerCase()) : undefined;
  const isDll = f.name.toLowerCase() === ORION_DLL;
  if (known) {
    const ev = {
      sha256: known.sha256,
      version: known.version,
      release: known.release,
      reference: known.source,
      verdict: known.verdict,
    };
    if (known.verdict === 'backdoored')
      return finding(
        f,
        `Trojanized SolarWinds Orion build ${known.version} (${known.release}): SUNBURST backdoor`,
        'critical',
        ev,
      );
    if (known.verdict === 'tampered_test')
      return finding(
        f,
        `Tampered SolarWinds Orion test build ${known.version}: the attacker's 2019 test (no backdoor)`,
        'medium',
        ev,
      );
    return isDll
      ? finding(
          f,
          `SolarWinds Orion build ${known.version} (${known.release}): no SUNBURST (community hash list, unverified)`,
          'info',
          ev,
        )
      : null;
  }
  if (!isDll) return null;
  const byVer = f.version ? byVersion.get(f.version.trim()) : undefined;
  const bad = byVer?.find((b) => b.verdict === 'backdoored');
  if (bad)
    return finding(
      f,
      `SolarWinds Orion business-layer DLL version ${f.version} is a backdoored build (${bad.release}); hash ${f.sha256 ? 'differs from the known one: verify' : 'not given: verify'}`,
      'high',
      {
        version: f.version!,
        release: bad.release,
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
        verdict: 'backdoored_version',
      },
    );
  return finding(
    f,
    `SolarWinds Orion business-layer DLL of unknown build${f.version ? ` ${f.version}` : ''}: compare its version and hash with the SolarWinds advisory`,
    'low',
    {
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
      ...(f.version ? { version: f.version } : {}),
      verdict: 'unknown',
    },
  );
}

export const orionDetector = defineDetector({
  id: 'orion.build',
  description:
    "SolarWinds.Orion.Core.BusinessLayer.dll builds: SUNBURST-backdoored, the attacker's tampered test build, or clean (by hash; by version in file listings)",
  kinds: ['file', 'file.entry'],
  rules: [{ id: 'orion.build', title: 'SolarWinds Orion build verdict (SUNBURST)' }],
  create() {
    return {
      onRecord(rec, emit) {
        const f =
          rec.kind === 'file'
            ? judge({ source: rec.source, path: rec.source.path, name: rec.name, sha256: rec.sha256 })
            : judge({
                source: rec.source,
                path: (rec as FileEntry).path,
                name: (rec as FileEntry).name,
                sha256: (rec as FileEntry).sha256,
                version: (rec as FileEntry).version,
              });
        if (f) emit(f);
      },
    };
  },
});
