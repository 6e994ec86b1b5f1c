import type { MailVerdict } from '../mail/analyze.ts';
import type { Signal } from '../mail/signals.ts';
import type { Engine, MailContext } from './engine.ts';

/**
 * Verdicts for the doors: the engine's verdict on the delivered view of a message, or — when the
 * engine fails, the message is over the size limit or the verdict comes later than the timeout —
 * the operator's failure policy. Protocol handlers only translate an Outcome into their wire
 * format; nothing here knows a protocol.
 */
export type OnError = 'accept' | 'tempfail';

export interface Policy {
  readonly onError: OnError;
  /** A verdict slower than this is not used (the failure policy applies). */
  readonly timeoutMs: number;
  /** Messages larger than this are not scanned (the failure policy applies). */
  readonly maxSize: number;
}

export const DEFAULT_POLICY: Policy = { onError: 'accept', timeoutMs: 10_000, maxSize: 25 * 1024 * 1024 };

export type Outcome =
  | { readonly kind: 'verdict'; readonly verdict: MailVerdict; readonly ms: number }
  | {
      readonly kind: 'unscanned';
      readonly reason: 'error' | 'timeout' | 'oversize';
      readonly detail: string;
      readonly policy: OnError;
      readonly ms: number;
    };

export interface LogLine {
  readonly door: string;
  readonly queueId?: string;
  readonly peer?: string;
}

export type Logger = (entry: Record<string, unknown>) => void;

/** Signals ordered as a reader wants them: heaviest first, then by name (stable across doors). */
export function rankedSignals(v: Pick<MailVerdict, 'signals'>): Signal[] {
  return [...v.signals].sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));
}

export class Verdicts {
  private readonly engine: Engine;
  private readonly log: Logger;
  policy: Policy;
  /** Messages being judged now (SIGTERM waits for them). */
  inFlight = 0;

  constructor(engine: Engine, policy: Policy, log: Logger) {
    this.engine = engine;
    this.policy = policy;
    this.log = log;
  }

  get thresholds() {
    return this.engine.scoring.thresholds;
  }

  reload(): void {
    this.engine.reload();
  }

  /** `size` is the full size when the door stopped keeping bytes at the limit. */
  async judge(raw: Uint8Array, ctx: MailContext, meta: LogLine & { size?: number }): Promise<Outcome> {
    const t0 = performance.now();
    const ms = () => Math.round((performance.now() - t0) * 10) / 10;
    const size = meta.size ?? raw.byteLength;
    const unscanned = (reason: 'error' | 'timeout' | 'oversize', detail: string): Outcome => {
      const o = { kind: 'unscanned', reason, detail, policy: this.policy.onError, ms: ms() } as const;
      this.log({
        door: meta.door,
        queueId: meta.queueId ?? ctx.queueId ?? null,
        ...(meta.peer ? { peer: meta.peer } : {}),
        error: reason,
        detail,
        policy: o.policy,
        size,
        ms: o.ms,
      });
      return o;
    };
    if (size > this.policy.maxSize)
      return unscanned('oversize', `${size} bytes > --max-size ${this.policy.maxSize}`);
    this.inFlight++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), this.policy.timeoutMs);
      });
      const v = await Promise.race([this.engine.analyze(raw, ctx), late]);
      // Checks run mostly on the event loop's microtasks, so the timer may not get its turn: the
      // measured time decides too.
      if (v === 'late' || ms() > this.policy.timeoutMs)
        return unscanned('timeout', `no verdict within --timeout ${this.policy.timeoutMs} ms`);
      const o: Outcome = { kind: 'verdict', verdict: v, ms: ms() };
      this.log({
        door: meta.door,
        queueId: meta.queueId ?? ctx.queueId ?? null,
        ...(meta.peer ? { peer: meta.peer } : {}),
        messageId: v.messageId || null,
        action: v.action,
        score: v.score,
        signals: rankedSignals(v)
          .filter((s) => s.weight !== 0)
          .slice(0, 5)
          .map((s) => `${s.name}(${s.weight})`),
        size,
        ms: o.ms,
      });
      return o;
    } catch (e) {
      return unscanned('error', String((e as Error)?.message ?? e).slice(0, 300));
    } finally {
      clearTimeout(timer);
      this.inFlight--;
    }
  }
}

const fmt = (n: number) => String(Math.round(n * 100) / 100);

/** `NAME(weight), …` folded at 76 columns and cut at `max` characters, for X-Vigil-Signals. */
export function signalsHeader(v: Pick<MailVerdict, 'signals'>, max = 900): string {
  const items = rankedSignals(v).map((s) => `${s.name}(${fmt(s.weight)})`);
  let out = '';
  let line = 'X-Vigil-Signals: '.length;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]! + (i < items.length - 1 ? ',' : '');
    if (out.length + item.length + 4 > max) {
      out += out ? ' …' : '…';
      break;
    }
    if (out && line + item.length + 1 > 76) {
      out += '\r\n\t';
      line = 8;
    } else if (out) {
      out += ' ';
      line++;
    }
    out += item;
    line += item.length;
  }
  return out || 'none';
}

/** The X-Vigil-* headers every door adds (name, value); values may be folded with CRLF TAB. */
export function vigilHeaders(v: MailVerdict): [string, string][] {
  const h: [string, string][] = [
    ['X-Vigil-Action', v.action],
    ['X-Vigil-Score', fmt(v.score)],
    ['X-Vigil-Signals', signalsHeader(v)],
  ];
  if (v.action !== 'no_action') h.push(['X-Spam-Flag', 'YES']);
  return h;
}

/** The top signals in a reply text: printable ASCII only, bounded. */
export function topSignalsText(v: MailVerdict, n = 3): string {
  return rankedSignals(v)
    .filter((s) => s.weight > 0)
    .slice(0, n)
    .map((s) => s.name)
    .join(', ')
    .replace(/[^\x20-\x7e]/g, '?');
}
