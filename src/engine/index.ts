/**
 * Vigil as a library: the one engine the CLI, the mail-flow doors, the API server and the workers
 * call. `import { analyzeMessage, loadEngine, openScan, scan } from 'vigil'`.
 *
 * - `loadEngine(options)` loads the indicator feeds, Sigma and YARA rules and the mail scoring once;
 *   `reload(engine)` builds a fresh one from the same options (a server's SIGHUP).
 * - `analyzeMessage(bytes, envelope, engine)` gives one message's verdict (the mail-flow doors).
 * - `openScan(engine, { profile })` opens a scan: `add(paths)`, `message(bytes, envelope)`, read the
 *   events (async iterator or `onEvent`), `close()`. `scan(paths, options)` does all of it at once.
 *
 * Everything a scan emits is a `Finding` (DESIGN.md, "The Finding"); a message's verdict is also a
 * Finding (`rule: 'mail.verdict'`, the `MailVerdict` in its evidence).
 */
export { loadEngine, reload, EngineOptionError, type Engine, type EngineOptions } from './engine.ts';
export {
  openScan,
  scan,
  type MessageContext,
  type ScanEvent,
  type ScanOptions,
  type ScanSession,
  type ScanSummary,
} from './session.ts';
export { analyzeMessage, verdictAsFinding } from './message.ts';
export { PROFILES, type Profile, type ProfileName } from './profiles.ts';
export type { Finding, SourceRef, EvidenceValue } from '../model/finding.ts';
export type { Severity } from '../model/severity.ts';
export type { Problem, Skipped } from '../model/problem.ts';
export type { Envelope } from '../model/records.ts';
export type { MailVerdict } from '../mail/analyze.ts';
export type { Action, Signal } from '../mail/signals.ts';
export type { MailConfig } from '../mail/detector.ts';
export type { SigmaConfig } from '../rules/sigma/detector.ts';
export type { ScanStats } from '../triage/scan.ts';
