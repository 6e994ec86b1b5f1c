import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { check } from 'recheck';
import { REPO } from './paths.ts';

/** A regex written in our source: a literal, or `new RegExp('…')` / `RegExp('…')` with a literal source. */
export interface FoundRegex {
  readonly file: string;
  readonly line: number;
  readonly source: string;
  readonly flags: string;
}

export const auditFile = join(REPO, 'test', 'support', 'regex-audit.json');

/**
 * The audit's memory: `safe` holds regexes recheck found safe (key: flags, space, source) so
 * `npm test` re-checks only new or changed ones; `allow` names findings that are not a risk,
 * each with the reason (input bounded, or not attacker text).
 */
export interface Audit {
  readonly allow: Readonly<Record<string, string>>;
  readonly safe: readonly string[];
}

export function loadAudit(): Audit {
  return JSON.parse(readFileSync(auditFile, 'utf8')) as Audit;
}

export const keyOf = (r: { source: string; flags: string }) => `${r.flags.replace(/[gy]/g, '')} ${r.source}`;

export function collectRegexes(dir: string): FoundRegex[] {
  const out: FoundRegex[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...collectRegexes(p));
    else if (p.endsWith('.ts')) out.push(...regexesIn(p));
  }
  return out;
}

function regexesIn(path: string): FoundRegex[] {
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: FoundRegex[] = [];
  const at = (n: ts.Node) => ({
    file: relative(REPO, path),
    line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1,
  });
  const visit = (n: ts.Node): void => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const t = n.getText(sf);
      const i = t.lastIndexOf('/');
      out.push({ ...at(n), source: t.slice(1, i), flags: t.slice(i + 1) });
    } else if (
      (ts.isNewExpression(n) || ts.isCallExpression(n)) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === 'RegExp' &&
      n.arguments?.[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      const f = n.arguments[1];
      out.push({
        ...at(n),
        source: n.arguments[0].text,
        flags: f && ts.isStringLiteralLike(f) ? f.text : '',
      });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** recheck's verdict on one regex (its native agent; 5 s per regex at most). */
export async function checkRegex(
  r: FoundRegex,
): Promise<{ status: 'safe' | 'vulnerable' | 'unknown'; detail?: string }> {
  const d = await check(r.source, r.flags.replace(/[gy]/g, ''), { timeout: 5000 });
  if (d.status === 'safe') return { status: 'safe' };
  if (d.status === 'vulnerable')
    return { status: 'vulnerable', detail: `${d.complexity.type}: attack ${d.attack.pattern}` };
  return { status: 'unknown', detail: d.error.kind };
}
