import type { Observation } from '../model/observable.ts';
import type { FileEntry, FileRecord } from '../model/records.ts';
import { orionBuilds } from './orion.ts';

/**
 * Orion business-layer builds get their verdict (backdoored / test / clean) from orion.build: the
 * indicator matcher leaves those files alone rather than report the same hash twice.
 */
export function claimOrionBuild(rec: FileRecord | FileEntry): Observation | null {
  return rec.sha256 && orionBuilds().bySha.has(rec.sha256) ? null : NOTHING_TO_ADD;
}

const NOTHING_TO_ADD: Observation = { describe: () => ({}) };
