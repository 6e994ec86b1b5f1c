import type { AnyDetector } from '../model/detector.ts';
import type { Finding } from '../model/finding.ts';
import type { FileKind } from '../model/records.ts';
import type { Reader } from '../io/reader.ts';
import { ALL_DETECTORS, DETECTORS, EXCHANGE_DETECTORS, READERS } from '../triage/registry.ts';
import { serverVerdicts } from '../exchange/verdict.ts';
import { mailVerdictDetector } from '../mail/detector.ts';
import { attachmentDetector } from '../mail/attachments.ts';
import { intelDetector } from '../intel/detectors.ts';
import { sunburstDetector } from '../dns/sunburst/detector.ts';
import { orionDetector } from '../supplychain/orion.ts';
import { sigmaDetector } from '../rules/sigma/detector.ts';

/**
 * What a scan runs: which readers read which files, which detectors look at the records, and what
 * is concluded once every record is seen. Each CLI command, door and worker names a profile; none
 * wires detectors itself.
 */
export type ProfileName = 'triage' | 'exchange' | 'mail' | 'intel' | 'dns-sunburst' | 'orion' | 'sigma';

export interface Profile {
  readonly name: ProfileName;
  readonly description: string;
  readonly detectors: readonly AnyDetector[];
  readonly readers: Partial<Record<FileKind, Reader>>;
  /** Files may be shared between worker threads on large collections (no detector state spans files). */
  readonly parallel: boolean;
  /** Findings drawn from the others once the scan is over (a verdict per Exchange server). */
  readonly conclude?: {
    /** The findings the conclusion needs (only these are kept in memory). */
    keep(f: Finding): boolean;
    run(kept: readonly Finding[], roots: readonly string[]): Finding[];
  };
}

const readersWhere = (p: (kind: string) => boolean) =>
  Object.fromEntries(Object.entries(READERS).filter(([k]) => p(k))) as Partial<Record<FileKind, Reader>>;

/** The findings an Exchange server's verdict is drawn from. */
const exchangeEvidence = (f: Finding) =>
  f.rule.startsWith('exchange.') ||
  f.rule === 'yara.match' ||
  (f.rule === 'intel.match' && f.evidence['feed'] === 'hafnium');

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  triage: {
    name: 'triage',
    description:
      'every reader and every detector; a verdict per Exchange server when there is Exchange evidence',
    detectors: DETECTORS,
    readers: READERS,
    parallel: false,
    conclude: {
      keep: exchangeEvidence,
      // When the collection holds Exchange evidence, end with the same per-server verdict as exchange hunt.
      run: (fs, roots) =>
        fs.some((f) => f.rule.startsWith('exchange.') && f.rule !== 'exchange.build')
          ? serverVerdicts(fs, roots.join(', '))
          : [],
    },
  },
  exchange: {
    name: 'exchange',
    description: 'Exchange checks, web shells, indicators and file context; a verdict per server',
    detectors: EXCHANGE_DETECTORS,
    readers: readersWhere(
      (k) => k.startsWith('exchange.') || k.startsWith('winevent.') || k === 'iis.w3c' || k === 'listing.csv',
    ),
    parallel: true,
    conclude: { keep: () => true, run: (fs, roots) => serverVerdicts(fs, roots.join(', ')) },
  },
  mail: {
    name: 'mail',
    description: 'a verdict per message (mail.verdict) and attachment checks',
    detectors: [mailVerdictDetector, attachmentDetector],
    readers: readersWhere((k) => k === 'mail.message' || k === 'mail.mbox'),
    parallel: true,
  },
  intel: {
    name: 'intel',
    description: 'only the indicator matcher, over everything triage can read',
    detectors: [intelDetector],
    readers: READERS,
    parallel: false,
  },
  'dns-sunburst': {
    name: 'dns-sunburst',
    description: 'SUNBURST DGA decoding over DNS logs',
    detectors: [sunburstDetector],
    readers: readersWhere((k) => k.startsWith('dns.')),
    parallel: false,
  },
  orion: {
    name: 'orion',
    description: 'SolarWinds Orion builds and SUNBURST-campaign files in file listings',
    detectors: [orionDetector, intelDetector],
    readers: readersWhere((k) => k === 'listing.csv'),
    parallel: false,
  },
  sigma: {
    name: 'sigma',
    description: 'the Sigma rules given, over Windows events and IIS logs',
    detectors: [sigmaDetector],
    readers: readersWhere((k) => k.startsWith('winevent.') || k === 'iis.w3c'),
    parallel: true,
  },
};

/** A profile by name, or a profile with the detectors given by id instead of the profile's own. */
export function profileFor(name: ProfileName = 'triage', detectorIds?: readonly string[]): Profile {
  const p = PROFILES[name];
  if (!p) throw new Error(`no scan profile "${name}" (one of ${Object.keys(PROFILES).join(', ')})`);
  if (!detectorIds) return p;
  const detectors = detectorIds.map((id) => {
    const d = ALL_DETECTORS.find((x) => x.id === id);
    if (!d) throw new Error(`no detector "${id}" (one of ${ALL_DETECTORS.map((x) => x.id).join(', ')})`);
    return d;
  });
  return { ...p, detectors };
}
