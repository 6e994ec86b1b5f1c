import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from './cli.ts';
import { EXAMPLE } from './paths.ts';

/**
 * The findings vigil writes for examples/incident (`triage --format jsonl`): real findings from
 * real formats, made once per test process.
 */
let cached: string | undefined;
export function incidentJsonl(): string {
  if (cached !== undefined) return cached;
  const file = join(tmpdir(), `vigil-incident-${process.pid}.jsonl`);
  if (!existsSync(file)) {
    const r = vigil(['triage', EXAMPLE, '--format', 'jsonl', '--quiet', '--no-progress']);
    if (r.code !== 1) throw new Error(`vigil triage examples/incident failed (${r.code}): ${r.stderr}`);
    writeFileSync(file, r.stdout);
  }
  cached = readFileSync(file, 'utf8');
  return cached;
}
