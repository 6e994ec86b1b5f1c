/** `npm run bench`: every benchmark in this folder, one after the other. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

for (const b of [
  'startup.ts',
  'walk.ts',
  'hunt.ts',
  'sunburst.ts',
  'intel.ts',
  'probe.ts',
  'sigma.ts',
  'regex.ts',
  'mail.ts',
  'mailflow.ts',
  'store.ts',
  'mailhunt.ts',
]) {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, b)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
