import { contextKey } from '../model/detector.ts';
import type { ObserverTable } from '../model/observable.ts';
import type { IntelIndex } from './index.ts';

/** The indicator index a scan's detectors query: the built-in packs plus the feeds given. */
export const INTEL = contextKey<IntelIndex>(
  'intel',
  'the indicator index (built-in packs and --intel feeds)',
);

/** What each record kind shows an indicator: the sources' observers (see model/observable.ts). */
export const OBSERVERS = contextKey<ObserverTable>(
  'observers',
  "what each record kind shows an indicator: its source's observers",
);
