import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in package.json, the one place it is kept. */
export const VERSION: string = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
