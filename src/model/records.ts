import type { SourceRef } from './finding.ts';

/**
 * Typed records that readers stream to detectors. Each kind is a discriminated union member, so a
 * detector that declares `kinds: ['dns.query']` receives exactly a `DnsQuery`.
 */

/** Every file walked, whatever its kind: hashes computed in the same pass that reads it. */
export interface FileRecord {
  readonly kind: 'file';
  readonly source: SourceRef;
  /** The base name as stored (may contain any character; never used for writes). */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly sha1: string;
  readonly md5: string;
  /** What the content sniffer decided (see `io/sniff.ts`). */
  readonly fileKind: FileKind;
  /** The first bytes of the file (at most `HEAD_BYTES`), for content checks on small files. */
  readonly head: Uint8Array;
  /** Where the bytes are on disk, for engines that read files themselves (not set for archive members). */
  readonly diskPath?: string;
}

export const HEAD_BYTES = 64 * 1024;

/** A file described by a listing (a collection tool's CSV of paths and hashes), not collected itself. */
export interface FileEntry {
  readonly kind: 'file.entry';
  /** Where the listing says it is (the CSV line is in `source`). */
  readonly source: SourceRef;
  readonly path: string;
  readonly name: string;
  readonly sha256?: string;
  readonly sha1?: string;
  readonly md5?: string;
  readonly version?: string;
  readonly size?: number;
}

/** One RFC 5322 message, from a single file or split out of an mbox. */
export interface MailRecord {
  readonly kind: 'mail';
  readonly source: SourceRef;
  readonly raw: Uint8Array;
  /** What the SMTP session said about it, when the message comes from a mail flow (a milter, a door). */
  readonly envelope?: Envelope;
}

/** The SMTP envelope of a message in flight: what the connecting client said, not the headers. */
export interface Envelope {
  /** The connecting client's address (for SPF). */
  readonly clientIp?: string;
  /** The client's name as the server resolved it, when known. */
  readonly clientName?: string;
  /** The HELO/EHLO name. */
  readonly helo?: string;
  /** MAIL FROM (the envelope sender; empty for bounces). */
  readonly mailFrom?: string;
  /** RCPT TO addresses. */
  readonly rcptTo?: readonly string[];
}

/**
 * A line of a header-driven log (Exchange CSV logs, IIS W3C), keyed by the file's own `#Fields`.
 * `fields` and `time` are computed on first use: most lines of a multi-GB log interest no
 * detector, which should test `line` with a cheap pre-filter before touching `fields`.
 */
export interface LogEvent<K extends LogKind = LogKind> {
  readonly kind: K;
  readonly source: SourceRef;
  /** The raw line as logged (without its line break). */
  readonly line: string;
  /** ISO 8601 UTC, when the line has a parseable time. */
  readonly time?: string;
  /** Field name → raw value as logged (W3C `-` is kept as `-`). */
  readonly fields: Readonly<Record<string, string>>;
  /** One field's value (cheaper than `fields` when a detector needs two or three). */
  field(name: string): string | undefined;
}

export type LogKind = 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab' | 'iis.w3c';

/** One DNS question seen in a DNS log. */
export interface DnsQuery {
  readonly kind: 'dns.query';
  readonly source: SourceRef;
  readonly time?: string;
  /** Lower-case, no trailing dot. */
  readonly qname: string;
  readonly qtype?: string;
  readonly client?: string;
  /** Answers when the log has them (CNAMEs and addresses), as logged. */
  readonly answers?: readonly string[];
  /** True when the line reports the answer to an earlier question rather than a new question. */
  readonly response?: boolean;
}

/**
 * The header block of a W3C-style log (`#Software`, `#Version`, `#Log-type`, `#Date`, `#Fields`),
 * once per block: Exchange writes the build of the writing server into `#Version`, so a patch
 * timeline needs headers, not every line.
 */
export interface LogHeader {
  readonly kind: 'log.header';
  readonly source: SourceRef;
  readonly log: LogKind;
  /** Directive name (lower-case, e.g. `version`, `date`, `log-type`) → value. */
  readonly directives: Readonly<Record<string, string>>;
}

/** One Windows event, from an export (wevtutil XML, Get-WinEvent | Export-Csv) or, later, EVTX. */
export interface WinEvent {
  readonly kind: 'winevent';
  readonly source: SourceRef;
  readonly time?: string;
  readonly provider: string;
  readonly eventId: number;
  /** 1 critical, 2 error, 3 warning, 4 information (the numeric System/Level). */
  readonly level?: number;
  readonly channel?: string;
  readonly computer?: string;
  /** EventData / UserData values; unnamed `<Data>` items are `Data1`, `Data2`, … */
  readonly data: Readonly<Record<string, string>>;
  /** The rendered message, when the export has one. */
  readonly message?: string;
}

/**
 * An Exchange server as an inventory describes it (`Get-ExchangeServer | Export-Csv`): the build it
 * runs at the time the inventory was taken.
 */
export interface ExchangeServer {
  readonly kind: 'exchange.server';
  readonly source: SourceRef;
  readonly server: string;
  /** As read: `15.1.2176.2`. */
  readonly build: string;
  /** What said so, e.g. `Get-ExchangeServer`. */
  readonly via: string;
}

export type VigilRecord =
  | FileRecord
  | ExchangeServer
  | WinEvent
  | FileEntry
  | LogHeader
  | MailRecord
  | LogEvent<'exchange.httpproxy'>
  | LogEvent<'exchange.ecp'>
  | LogEvent<'exchange.oab'>
  | LogEvent<'iis.w3c'>
  | DnsQuery;

export type RecordKind = VigilRecord['kind'];

/** Every record kind, for detectors that take any (the indicator matcher). */
export const RECORD_KINDS = [
  'file',
  'file.entry',
  'mail',
  'exchange.httpproxy',
  'exchange.ecp',
  'exchange.oab',
  'iis.w3c',
  'dns.query',
  'log.header',
  'winevent',
  'exchange.server',
] as const satisfies readonly RecordKind[];
// A kind added to VigilRecord and not listed above fails to compile here.
const _allKinds: Exclude<RecordKind, (typeof RECORD_KINDS)[number]> extends never ? true : never = true;
export type RecordOf<K extends RecordKind> = Extract<VigilRecord, { kind: K }>;

/** What a file is, decided from content (names only break ties). */
export type FileKind =
  | 'mail.message'
  | 'mail.mbox'
  | 'exchange.httpproxy'
  | 'exchange.ecp'
  | 'exchange.oab'
  | 'iis.w3c'
  | 'dns.bind'
  | 'dns.windows'
  | 'dns.zeek'
  | 'dns.list'
  | 'dns.dnsmasq'
  | 'dns.csv'
  | 'dns.pdns'
  | 'listing.csv'
  | 'exchange.inventory'
  | 'winevent.xml'
  | 'winevent.evtx'
  | 'winevent.csv'
  | 'web.page'
  | 'archive.zip'
  | 'archive.gzip'
  | 'unknown';

/**
 * File kinds a reader turns into records (logs, mail, listings, event exports). Their text quotes
 * attack strings, so the scanners that look for implants in files (YARA, the China Chopper check)
 * leave them to the record detectors.
 */
export const RECORD_FILE_KINDS: ReadonlySet<FileKind> = new Set<FileKind>([
  'exchange.httpproxy',
  'exchange.ecp',
  'exchange.oab',
  'iis.w3c',
  'mail.message',
  'mail.mbox',
  'dns.bind',
  'dns.windows',
  'dns.zeek',
  'dns.list',
  'dns.dnsmasq',
  'dns.csv',
  'dns.pdns',
  'listing.csv',
  'exchange.inventory',
  'winevent.xml',
  'winevent.csv',
]);
