/** `npm run bench`: every benchmark in this folder, one after the other. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

for (const b of [
  'walk.ts',
  'hunt.ts',
  'sunburst.ts',
  'intel.ts',
  'probe.ts',
  'sigma.ts',
  'mail.ts',
  'mailhunt.ts',
]) {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, b)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
