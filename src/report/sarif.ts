import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../model/finding.ts';
import { severityRank, type Severity } from '../model/severity.ts';
import type { Report } from './report.ts';

/**
 * SARIF 2.1.0 (OASIS). Severity maps to `level` (critical/high → error, medium → warning,
 * low/info → note) and to `security-severity` so code-scanning dashboards rank alike. The
 * Vigil finding travels whole in `properties`, so nothing is lost converting back.
 */
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

export function renderSarif(report: Report): string {
  const ruleIds = [...new Set([...report.rules.map((r) => r.id), ...report.findings.map((f) => f.rule)])];
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const titles = new Map(report.rules.map((r) => [r.id, r]));
  // Rules known only from their findings (each Sigma rule is one): the title the finding carries.
  const firstTitle = new Map<string, string>();
  for (const f of report.findings) if (!firstTitle.has(f.rule)) firstTitle.set(f.rule, f.title);
  const worst = new Map<string, Severity>();
  for (const f of report.findings) {
    const w = worst.get(f.rule);
    if (!w || severityRank(f.severity) > severityRank(w)) worst.set(f.rule, f.severity);
  }
  const base = report.base !== undefined ? { ROOT: { uri: dirUri(report.base) } } : undefined;

  const location = (path: string, line?: number) => ({
    physicalLocation: {
      artifactLocation: { uri: toUri(path), ...(base ? { uriBaseId: 'ROOT' } : {}) },
      ...(line !== undefined && line > 0 ? { region: { startLine: line } } : {}),
    },
  });

  const result = (f: Finding) => ({
    ruleId: f.rule,
    ruleIndex: ruleIndex.get(f.rule)!,
    level: LEVEL[f.severity],
    message: { text: f.title },
    locations: [location(f.source.path, f.source.line)],
    properties: {
      severity: f.severity,
      cve: f.cve,
      attack: f.attack,
      ...(f.time ? { time: f.time } : {}),
      ...(f.host ? { host: f.host } : {}),
      evidence: f.evidence,
      ...(f.remediation ? { remediation: f.remediation } : {}),
      tags: [...f.cve, ...f.attack],
    },
  });

  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Vigil',
            semanticVersion: report.tool.version,
            informationUri: 'https://github.com/vigil-ir/vigil',
            rules: ruleIds.map((id) => {
              const r = titles.get(id);
              const sev = worst.get(id);
              return {
                id,
                name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) =>
                  ch ? ch.toUpperCase() : '',
                ),
                shortDescription: { text: r?.title ?? firstTitle.get(id) ?? id },
                ...(r?.help ? { help: { text: r.help } } : {}),
                ...(sev
                  ? {
                      defaultConfiguration: { level: LEVEL[sev] },
                      properties: { 'security-severity': SECURITY_SEVERITY[sev] },
                    }
                  : {}),
              };
            }),
          },
        },
        ...(base ? { originalUriBaseIds: base } : {}),
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: [
              ...report.problems.map((p) => ({
                level: p.level,
                message: { text: p.message },
                locations: [location(p.source.path, p.source.line)],
              })),
              ...report.skipped.map((s) => ({
                level: 'note',
                message: { text: `not parsed: ${s.reason}` },
                locations: [location(s.path)],
              })),
            ],
          },
        ],
        results: report.findings.map(result),
        properties: { stats: report.stats },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** A relative path as a URI reference: each segment percent-encoded, `/` kept. */
export function toUri(path: string): string {
  return path
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

function dirUri(root: string): string {
  const u = pathToFileURL(resolve(root)).href;
  return u.endsWith('/') ? u : `${u}/`;
}
