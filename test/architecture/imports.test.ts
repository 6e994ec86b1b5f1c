import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO } from '../support/paths.ts';

/**
 * The shape of src/ (issue 18): no import cycle; the model imports nothing else of ours; the
 * indicator layer imports no source (sources hand it observables). Type-only imports count: a
 * cycle of types is still a cycle for the reader.
 */
const SRC = join(REPO, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g))
    out.push(m[1]!);
  for (const m of code.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

const graph = new Map<string, string[]>();
for (const f of files(SRC)) {
  const from = relative(SRC, f);
  graph.set(
    from,
    specifiers(readFileSync(f, 'utf8')).map((s) => relative(SRC, resolve(dirname(f), s))),
  );
}
const folder = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '.');

test('the import scanner reads every form of import it must see', () => {
  assert.deepEqual(
    specifiers(
      `import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';\n` +
        `import {\n  d,\n  e,\n} from './d.ts';\nimport './side.ts';\nconst x = await import('./lazy.ts');\n` +
        `// import z from './commented.ts';\nimport fs from 'node:fs';`,
    ),
    ['./a.ts', '../b.ts', './c.ts', './d.ts', './side.ts', './lazy.ts'],
  );
});

test('src/model imports nothing outside src/model', () => {
  const bad = [...graph].flatMap(([from, tos]) =>
    folder(from) === 'model' ? tos.filter((t) => folder(t) !== 'model').map((t) => `${from} → ${t}`) : [],
  );
  assert.deepEqual(bad, []);
});

test('src/intel imports no source (only the model, io utilities and itself)', () => {
  // rules/safe-regex.ts is the linear-time regex utility every pattern goes through (a ReDoS guard).
  const allowed = new Set(['intel', 'model', 'io', 'rules/safe-regex.ts']);
  const bad = [...graph].flatMap(([from, tos]) =>
    folder(from) === 'intel'
      ? tos.filter((t) => !allowed.has(folder(t)) && !allowed.has(t)).map((t) => `${from} → ${t}`)
      : [],
  );
  assert.deepEqual(bad, []);
});

test('no import cycle in src/', () => {
  // Tarjan's strongly connected components: any component of more than one module is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});
