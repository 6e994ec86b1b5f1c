import { MapView, type ObservableSink, type Observation } from '../model/observable.ts';
import type { FileEntry, FileRecord } from '../model/records.ts';

/**
 * What a file (collected, or named in a listing) shows an indicator: its hashes, its path and
 * name, and the file as one STIX `file` object for patterns that need several of its properties.
 */
export function observeFile(rec: FileRecord | FileEntry, sink: ObservableSink): Observation {
  for (const [h, name] of [
    [rec.sha256, 'sha256'],
    [rec.sha1, 'sha1'],
    [rec.md5, 'md5'],
  ] as const)
    if (h) sink.see('hash', h, name);
  const path = rec.kind === 'file' ? rec.source.path.replace(/!\//g, '/') : rec.path;
  sink.see('path', path, 'path');
  sink.seeObject(
    'file',
    () =>
      new MapView()
        .add('file:name', rec.name)
        .add('file:size', rec.size)
        .add('file:hashes.sha-256', rec.sha256)
        .add('file:hashes.sha-1', rec.sha1)
        .add('file:hashes.md5', rec.md5),
    rec.name,
    'file',
  );
  const file = rec.kind === 'file' ? rec.source.path : rec.path;
  return { describe: () => ({ evidence: { file } }) };
}
