import { existsSync } from 'node:fs';
import type { MailVerdict } from '../mail/analyze.ts';
import type { MailConfig } from '../mail/detector.ts';
import type { Scoring } from '../mail/signals.ts';
import { loadEngine as loadLibraryEngine, type Engine as LibraryEngine } from '../engine/engine.ts';
import { analyzeMessage } from '../engine/message.ts';

/**
 * The one seam between the mail-flow doors and the mail engine: every door asks this module for
 * a verdict, and this module calls the same `analyzeMessage` with the same options that
 * `vigil mail scan` builds: the library engine of `src/engine/` (`loadEngine`, `analyzeMessage`),
 * one engine behind every front end.
 */
export interface EngineConfig {
  /** Scoring file (default: the shipped scoring.yaml). */
  readonly config?: string;
  /** Extra intel feeds (STIX, MISP, CSV) on top of the built-in packs. */
  readonly intel?: readonly string[];
  readonly builtinIntel?: boolean;
  /** `none` (default), `live` or a zone file, as `vigil mail scan --dns`. */
  readonly dns?: string;
  readonly trustedAuthserv?: readonly string[];
}

/** What the MTA knows about the message beyond its bytes: the envelope and the connection. */
export interface MailContext {
  readonly ip?: string;
  readonly helo?: string;
  readonly sender?: string;
  readonly recipients?: readonly string[];
  readonly queueId?: string;
}

export interface Engine {
  analyze(raw: Uint8Array, ctx?: MailContext): Promise<MailVerdict>;
  /** Re-reads the scoring file and intel feeds; on error the loaded engine stays as it was. */
  reload(): void;
  readonly scoring: Scoring;
}

function build(cfg: EngineConfig): LibraryEngine {
  for (const f of [...(cfg.config ? [cfg.config] : []), ...(cfg.intel ?? [])])
    if (!existsSync(f)) throw new Error(`no such file: ${f}`);
  const mail: MailConfig = {
    ...(cfg.config ? { scoring: cfg.config } : {}),
    ...(cfg.dns ? { dns: cfg.dns } : {}),
    ...(cfg.trustedAuthserv ? { trustedAuthserv: cfg.trustedAuthserv } : {}),
  };
  const engine = loadLibraryEngine({
    intel: cfg.intel ?? [],
    builtinIntel: cfg.builtinIntel ?? true,
    mail,
  });
  // The scoring file is read now, so a broken one fails the load (or the reload) and not a message.
  engine.mailOptions();
  return engine;
}

export function loadEngine(cfg: EngineConfig = {}): Engine {
  let engine = build(cfg);
  return {
    analyze(raw, ctx = {}) {
      // The envelope is what the MTA saw (the headers may lie): SPF judges it when DNS is on.
      return analyzeMessage(
        raw,
        {
          ...(ctx.ip ? { clientIp: ctx.ip } : {}),
          ...(ctx.helo ? { helo: ctx.helo } : {}),
          ...(ctx.sender !== undefined ? { mailFrom: ctx.sender } : {}),
          ...(ctx.recipients ? { rcptTo: ctx.recipients } : {}),
        },
        engine,
      );
    },
    reload() {
      engine = build(cfg);
    },
    get scoring() {
      return engine.mailOptions().scoring;
    },
  };
}
