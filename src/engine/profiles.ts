import { createRequire } from 'node:module';
import type { AnyDetector, DetectorContext } from '../model/detector.ts';
import type { Finding } from '../model/finding.ts';
import type { FileKind } from '../model/records.ts';
import type { Reader } from '../io/reader.ts';
import type { ScanStats } from '../triage/scan.ts';
import {
  ALL_DETECTORS,
  attachmentDetector,
  DETECTORS,
  EXCHANGE_DETECTORS,
  mailVerdictDetector,
  READERS,
} from '../triage/registry.ts';
import { serverVerdicts, triageServerVerdicts } from '../exchange/verdict.ts';
import { mapServers, withServers, type ServerMap } from '../exchange/servers.ts';
import { inventoryBuildFindings, type InventoryEntry } from '../exchange/inventory-input.ts';
import { intelDetector } from '../intel/detectors.ts';
import { MAIL_OPTIONS } from '../mail/detector.ts';
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
    /**
     * Every kept finding completed once the scan is over (each told which server it belongs to).
     * With it, a profile's findings are held and sent at `close()` rather than as they are found.
     */
    complete?(kept: readonly Finding[], roots: readonly string[], input: ConcludeInput): Finding[];
    /** The findings drawn at the end (from the completed ones when there is `complete`). */
    run(kept: readonly Finding[], roots: readonly string[], input: ConcludeInput): Finding[];
    /** Kept findings are not sent as found: what `run` makes of them replaces them at `close()`. */
    readonly hold?: boolean;
  };
}

/** What a conclusion may use besides the findings: the scan's counts and the session's inputs. */
export interface ConcludeInput {
  readonly stats: ScanStats;
  /** The engine's detector context (options such as the mail scoring file). */
  readonly context: DetectorContext;
  /** Exchange servers' builds as probed (exchange hunt --inventory). */
  readonly inventory?: readonly InventoryEntry[];
  /** Set by `complete`, read by `run`: the servers the findings were placed under. */
  servers?: ServerMap;
}

// The campaign engine loads only when a mail scan concludes (a cold start of other commands
// should not pay for it).
const require = createRequire(import.meta.url);
type CampaignScanModule = typeof import('../mail/campaign/scan.ts');
type SignalsModule = typeof import('../mail/signals.ts');

const readersWhere = (p: (kind: string) => boolean) =>
  Object.fromEntries(Object.entries(READERS).filter(([k]) => p(k))) as Partial<Record<FileKind, Reader>>;

/** The findings triage's per-server verdict may be drawn from (see triageServerVerdicts). */
const exchangeEvidence = (f: Finding) =>
  (f.rule.startsWith('exchange.') ||
    f.rule === 'yara.match' ||
    f.rule === 'intel.match' ||
    f.rule.startsWith('orion.') ||
    f.rule.startsWith('sigma.')) &&
  f.evidence['qname'] === undefined &&
  f.evidence['messageId'] === undefined;

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
      run: (fs, roots, { stats }) => triageServerVerdicts(fs, roots, stats.kinds),
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
    conclude: {
      keep: () => true,
      // Every finding says which server it belongs to (the probed builds of --inventory too).
      complete: (fs, roots, input) => {
        const scope = roots.join(', ');
        const all = [...fs, ...inventoryBuildFindings(input.inventory ?? [], fs, scope, roots)];
        input.servers = mapServers(all, scope, roots);
        return withServers(all, input.servers);
      },
      // Then one verdict per server.
      run: (fs, roots, input) => serverVerdicts(fs, roots.join(', '), roots, input.servers),
    },
  },
  mail: {
    name: 'mail',
    description: 'a verdict per message (mail.verdict) and attachment checks',
    detectors: [mailVerdictDetector, attachmentDetector],
    readers: readersWhere((k) => k === 'mail.message' || k === 'mail.mbox'),
    parallel: true,
    // With campaigns on (MailConfig.campaigns), each verdict carries its campaign features; the
    // copies are judged together once every message is seen, as vigil mail hunt judges them, and
    // each verdict is sent as its campaign left it (CAMPAIGN_* signals), with one mail.campaign
    // finding per campaign.
    conclude: {
      keep: (f) => f.rule === 'mail.verdict' && 'campaignFeatures' in f.evidence,
      hold: true,
      run: (kept, _roots, input) => {
        if (kept.length === 0) return [];
        const cfg = MAIL_OPTIONS.get(input.context) ?? {};
        const { regroupVerdicts } = require('../mail/campaign/scan.ts') as CampaignScanModule;
        const { loadScoring } = require('../mail/signals.ts') as SignalsModule;
        const scoring = cfg.scoring ? loadScoring(cfg.scoring) : loadScoring();
        return regroupVerdicts(kept, scoring, !!cfg.all);
      },
    },
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
