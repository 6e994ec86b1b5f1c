import { readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { IntelIndex } from '../index.ts';
import type { Indicator } from '../indicator.ts';
import { loadStix, isStix } from './stix.ts';
import { isMispManifest, loadMispEvents, mispEvents } from './misp.ts';
import { isCsvFeed, loadCsv } from './csv.ts';
import { isChirp, loadChirp } from './chirp.ts';
import { loadPlain } from './plain.ts';
import { newReport, type LoadReport } from './report.ts';

export type { LoadReport } from './report.ts';

/** Feeds larger than this are refused: they are parsed whole (JSON, YAML). */
export const MAX_FEED_BYTES = 512 * 1024 * 1024;

/**
 * Load one feed file into the index, recognising its format by content: STIX 2.1 (JSON), MISP
 * (event, event list, feed manifest), CISA CHIRP (YAML), CSV with a header, or a plain list.
 */
export function loadFeed(
  path: string,
  index: IntelIndex,
  feed = basename(path),
  defaults: FeedDefaults = {},
): LoadReport {
  const buf = readFileSync(path);
  if (buf.length > MAX_FEED_BYTES) {
    const r = newReport(path, 'refused');
    r.rejected.push({
      where: path,
      value: '',
      reason: `feed of ${buf.length} bytes is over the ${MAX_FEED_BYTES}-byte limit`,
    });
    return r;
  }
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  return loadFeedText(text, path, index, feed, defaults);
}

/** Source and date for indicators whose feed row does not say (built-in packs name them per file). */
export interface FeedDefaults {
  readonly source?: string;
  readonly date?: string;
}

export function loadFeedText(
  text: string,
  path: string,
  index: IntelIndex,
  feed: string,
  defaults: FeedDefaults = {},
): LoadReport {
  const file = basename(path);
  if (defaults.source || defaults.date) index = withDefaults(index, defaults);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      const r = newReport(path, 'json');
      r.rejected.push({
        where: `${file}${jsonPosition(text, e as Error)}`,
        value: '',
        reason: `invalid JSON: ${(e as Error).message}`,
      });
      return r;
    }
    if (isStix(doc)) {
      const r = newReport(path, 'stix');
      loadStix(doc, index, r, feed);
      return r;
    }
    const events = mispEvents(doc);
    if (events) {
      const r = newReport(path, 'misp');
      loadMispEvents(events, index, r, feed);
      return r;
    }
    if (isMispManifest(doc)) {
      const r = newReport(path, 'misp-manifest');
      for (const uuid of Object.keys(doc as object)) {
        const p = join(dirname(path), `${uuid}.json`);
        if (!existsSync(p)) {
          r.unsupported.push({
            where: `${file} ${uuid}`,
            reason: `event file ${uuid}.json is not beside the manifest`,
          });
          continue;
        }
        const sub = loadFeed(p, index, feed);
        r.loaded += sub.loaded;
        for (const [k, v] of Object.entries(sub.byType)) r.byType[k] = (r.byType[k] ?? 0) + v;
        r.rejected.push(...sub.rejected);
        r.unsupported.push(...sub.unsupported);
      }
      return r;
    }
    const r = newReport(path, 'json');
    r.rejected.push({
      where: file,
      value: '',
      reason: 'JSON that is neither a STIX bundle nor a MISP event or manifest',
    });
    return r;
  }
  if (isChirp(text)) {
    const r = newReport(path, 'chirp');
    loadChirp(text, index, r, feed, file);
    return r;
  }
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (first.includes(',') && isCsvFeed(first)) {
    const r = newReport(path, 'csv');
    loadCsv(text, index, r, feed, file);
    return r;
  }
  const r = newReport(path, 'list');
  loadPlain(text, index, r, feed, file);
  return r;
}

function jsonPosition(text: string, e: Error): string {
  const m = /position (\d+)/.exec(e.message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return `:${line}:${Number(m[1]) - before.lastIndexOf('\n')}`;
}

/** An index view that fills in a missing source and date on each indicator added through it. */
function withDefaults(index: IntelIndex, d: FeedDefaults): IntelIndex {
  return new Proxy(index, {
    get(target, prop, receiver) {
      if (prop === 'add')
        return (ind: Indicator) =>
          target.add({
            ...ind,
            ...(ind.source ? {} : d.source ? { source: d.source } : {}),
            ...(ind.date ? {} : d.date ? { date: d.date } : {}),
          });
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
