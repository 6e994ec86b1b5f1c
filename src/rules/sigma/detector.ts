import { contextKey, defineDetector, type DetectorContext } from '../../model/detector.ts';
import { makeFinding, type Finding } from '../../model/finding.ts';
import type { LogEvent, WinEvent } from '../../model/records.ts';
import type { Severity } from '../../model/severity.ts';
import { SigmaRuleSet, type SigmaMatch } from './ruleset.ts';
import type { SigmaLevel } from './rule.ts';

/**
 * Sigma rules as a Vigil detector: the rule files given with `--sigma` run over Windows events
 * (EVTX, XML and CSV exports) and IIS logs. Each Sigma rule is its own finding rule
 * (`sigma.<id>`), with the rule's title, level, ATT&CK tags and the values of the fields it read.
 */
export interface SigmaConfig {
  readonly paths: readonly string[];
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
  readonly minLevel?: SigmaLevel;
}

const SEVERITY: Readonly<Record<SigmaLevel, Severity>> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** The Sigma rules and options in a scan's context. */
export const SIGMA_OPTIONS = contextKey<SigmaConfig>(
  'sigma',
  'Sigma rule files and folders (--sigma), with their options',
);

// Compiled rule sets are pure data: one per configuration per thread, however many scans use it.
const cache = new Map<string, SigmaRuleSet>();
export function ruleSetFor(cfg: SigmaConfig): SigmaRuleSet {
  const key = JSON.stringify(cfg);
  let rs = cache.get(key);
  if (!rs) {
    rs = new SigmaRuleSet({
      ...(cfg.placeholders ? { placeholders: cfg.placeholders } : {}),
      ...(cfg.minLevel ? { minLevel: cfg.minLevel } : {}),
    }).loadPaths(cfg.paths);
    cache.set(key, rs);
  }
  return rs;
}

/** Read and compile a configuration's rules again (a server's reload), replacing the cached set. */
export function reloadRuleSet(cfg: SigmaConfig): SigmaRuleSet {
  cache.delete(JSON.stringify(cfg));
  return ruleSetFor(cfg);
}

export function sigmaFinding(
  m: SigmaMatch,
  e: { time?: string; source: Finding['source'] },
  host: string | undefined,
  extra: Record<string, string | number>,
): Finding {
  const r = m.rule;
  const attack = [
    ...new Set(
      r.tags.filter((t) => /^attack\.t\d{4}(\.\d{3})?$/i.test(t)).map((t) => t.slice(7).toUpperCase()),
    ),
  ];
  const cve = [...new Set(r.tags.filter((t) => /^cve\.\d{4}-\d+$/i.test(t)).map((t) => `CVE-${t.slice(4)}`))];
  return makeFinding({
    rule: `sigma.${r.id}`,
    title: r.title,
    severity: SEVERITY[r.level],
    attack,
    cve,
    ...(e.time ? { time: e.time } : {}),
    ...(host ? { host } : {}),
    source: e.source,
    // The fields the rule read, under their own names (a text report shows each on its own line).
    evidence: {
      ...m.fields,
      ...extra,
      sigmaId: r.id,
      level: r.level,
      ...(r.status ? { status: r.status } : {}),
      ruleFile: r.file,
      logsource: m.target.target.label,
      ...(r.falsepositives.length ? { falsepositives: [...r.falsepositives] } : {}),
    },
  });
}

const NEVER = /(?!)/;

export const sigmaDetector = defineDetector({
  id: 'sigma',
  description: 'Sigma rules given with --sigma, over Windows events (EVTX, XML, CSV) and IIS logs',
  kinds: ['winevent', 'iis.w3c'],
  rules: [],
  options: [SIGMA_OPTIONS],
  create(ctx: DetectorContext) {
    const cfg = SIGMA_OPTIONS.get(ctx);
    const rs = cfg ? ruleSetFor(cfg) : undefined;
    return {
      onRecord(rec, emit) {
        if (!rs) return;
        if (rec.kind === 'winevent') {
          const e = rec as WinEvent;
          for (const m of rs.matchWinEvent(e, ctx.budget))
            emit(
              sigmaFinding(m, e, e.computer, {
                eventId: e.eventId,
                provider: e.provider,
                ...(e.channel ? { channel: e.channel } : {}),
              }),
            );
        } else {
          const e = rec as LogEvent<'iis.w3c'>;
          for (const m of rs.matchW3c(e, ctx.budget))
            emit(sigmaFinding(m, e, e.field('s-computername') ?? undefined, {}));
        }
      },
      // No rule for a kind: its lines need not even be parsed for us (keeps IIS pre-filtering intact).
      lineFilterFor(kind) {
        if (!rs) return NEVER;
        if (kind === 'iis.w3c') return rs.reads('iis.w3c') ? undefined : NEVER;
        return undefined;
      },
    };
  },
});
