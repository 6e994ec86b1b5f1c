import { createRequire } from 'node:module';
import type { AnyDetector } from '../model/detector.ts';
import type { FileKind, RecordKind } from '../model/records.ts';
import type { Reader } from '../io/reader.ts';
import { readExchangeCsv, readW3c } from '../exchange/logs.ts';
import {
  readBind,
  readDnsCsv,
  readDnsmasq,
  readNameList,
  readPassiveDnsJson,
  readWindowsDns,
  readZeek,
} from '../dns/logs.ts';
import { readMbox, readMessage } from '../mail/read.ts';
import { intelDetector } from '../intel/detectors.ts';
import { proxyLogonSsrfDetector } from '../exchange/proxylogon-ssrf.ts';
import { chopperDetector } from '../exchange/webshell-content.ts';
import { sunburstDetector } from '../dns/sunburst/detector.ts';
import { orionDetector } from '../supplychain/orion.ts';
import { readListing } from '../io/listing.ts';
import { readInventory } from '../exchange/inventory.ts';
import { cve27065Detector } from '../exchange/checks/cve27065.ts';
import { cve26858Detector } from '../exchange/checks/cve26858.ts';
import { proxyShellDetector } from '../exchange/checks/proxyshell.ts';
import { webShellAccessDetector } from '../exchange/checks/webshell-access.ts';
import { buildTimelineDetector } from '../exchange/checks/build-timeline.ts';
import { stagedFilesDetector } from '../exchange/checks/staged-files.ts';
import { yaraDetector } from '../exchange/checks/yara.ts';
import { eventsDetector } from '../exchange/checks/events.ts';
import { webServerProcessDetector } from '../exchange/checks/webserver-process.ts';
import { readEventCsv, readEventXml } from '../exchange/winevents.ts';
import { readEvtxRecords } from '../evtx/reader.ts';
import { sigmaDetector } from '../rules/sigma/detector.ts';

const require = createRequire(import.meta.url);

/**
 * A detector whose module loads at its first record: the mail engine (MIME, DNS, scoring, YARA)
 * costs ~0.2 CPU-s to load, which a triage of logs, `exchange hunt` or `dns sunburst` never
 * needs. Only for detectors with no line filter and no `finish` (the mail ones): a run that saw no
 * record has nothing to say. (Synchronous `require` of an ES module when the description or
 * rule list is asked for.)
 */
function lazyDetector(id: string, kinds: readonly RecordKind[], load: () => AnyDetector): AnyDetector {
  let d: AnyDetector | undefined;
  const get = () => (d ??= load());
  return {
    id,
    kinds,
    lineFilter: undefined,
    get description() {
      return get().description;
    },
    get rules() {
      return get().rules;
    },
    get options() {
      return get().options;
    },
    create(ctx) {
      let run: ReturnType<AnyDetector['create']> | undefined;
      return { onRecord: (rec, emit) => (run ??= get().create(ctx)).onRecord(rec, emit) };
    },
  };
}

export const attachmentDetector = lazyDetector(
  'mail.attachment',
  ['mail'],
  () => (require('../mail/attachments.ts') as typeof import('../mail/attachments.ts')).attachmentDetector,
);
export const mailVerdictDetector = lazyDetector(
  'mail.verdict',
  ['mail'],
  () => (require('../mail/detector.ts') as typeof import('../mail/detector.ts')).mailVerdictDetector,
);

import type { ObserverTable } from '../model/observable.ts';
import { observeFile } from '../io/observables.ts';
import { claimOrionBuild } from '../supplychain/observables.ts';
import { observeDnsQuery } from '../dns/observables.ts';
import { observeMail } from '../mail/observables.ts';
import { observeLogLine } from '../exchange/observables.ts';

/**
 * What Vigil knows how to read and what it looks for. New capabilities register here: a reader
 * for a file kind, a detector for record kinds. Nothing else needs to change for `triage` to use them.
 */
export const READERS: Partial<Record<FileKind, Reader>> = {
  'exchange.httpproxy': readExchangeCsv('exchange.httpproxy'),
  'exchange.ecp': readExchangeCsv('exchange.ecp'),
  'exchange.oab': readExchangeCsv('exchange.oab'),
  'iis.w3c': readW3c,
  'dns.bind': readBind,
  'dns.windows': readWindowsDns,
  'dns.zeek': readZeek,
  'dns.list': readNameList,
  'dns.dnsmasq': readDnsmasq,
  'dns.csv': readDnsCsv,
  'dns.pdns': readPassiveDnsJson,
  'mail.message': readMessage,
  'mail.mbox': readMbox,
  'listing.csv': readListing,
  'exchange.inventory': readInventory,
  'winevent.xml': readEventXml,
  'winevent.csv': readEventCsv,
  'winevent.evtx': readEvtxRecords,
};

export const DETECTORS: readonly AnyDetector[] = [
  intelDetector,
  proxyLogonSsrfDetector,
  cve27065Detector,
  cve26858Detector,
  proxyShellDetector,
  webShellAccessDetector,
  buildTimelineDetector,
  stagedFilesDetector,
  eventsDetector,
  webServerProcessDetector,
  attachmentDetector,
  chopperDetector,
  yaraDetector,
  sunburstDetector,
  orionDetector,
  sigmaDetector,
  mailVerdictDetector,
];

/** What `exchange hunt` runs: the Exchange checks, web-shell content, indicators and file context. */
export const EXCHANGE_DETECTORS: readonly AnyDetector[] = [
  proxyLogonSsrfDetector,
  cve27065Detector,
  cve26858Detector,
  proxyShellDetector,
  webShellAccessDetector,
  buildTimelineDetector,
  chopperDetector,
  yaraDetector,
  stagedFilesDetector,
  eventsDetector,
  webServerProcessDetector,
  intelDetector,
  orionDetector,
  sigmaDetector,
];

/**
 * What each record kind shows the indicator matcher, by its source (a new source adds its observer
 * here; nothing in src/intel changes).
 */
export const OBSERVER_TABLE: ObserverTable = {
  file: { observers: [claimOrionBuild, observeFile] },
  'file.entry': { observers: [claimOrionBuild, observeFile] },
  'dns.query': { observers: [observeDnsQuery] },
  mail: { observers: [observeMail] },
  'iis.w3c': { observers: [observeLogLine], lineFilter: true },
  'exchange.httpproxy': { observers: [observeLogLine], lineFilter: true },
  'exchange.ecp': { observers: [observeLogLine], lineFilter: true },
  'exchange.oab': { observers: [observeLogLine], lineFilter: true },
};

/** Every detector, by id (worker threads rebuild their detector lists from ids). */
export const ALL_DETECTORS: readonly AnyDetector[] = [...new Set([...DETECTORS, ...EXCHANGE_DETECTORS])];
