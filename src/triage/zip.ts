import type * as Yauzl from 'yauzl';
import { lazyModule } from '../io/lazy.ts';
import type { Readable } from 'node:stream';

/** Promise wrappers around yauzl (the field's zip reader): lazy entries, sizes validated. */
export type ZipFile = Yauzl.ZipFile;
export type ZipEntry = Yauzl.Entry;

const yauzl = lazyModule<typeof Yauzl>(import.meta.url, 'yauzl');

const OPTIONS: Yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  validateEntrySizes: true,
  strictFileNames: false,
  decodeStrings: true,
};

export function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl().open(path, OPTIONS, (err, zip) =>
      err || !zip ? reject(err ?? new Error('cannot open zip')) : resolve(zip),
    ),
  );
}

export function openZipBuffer(buf: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl().fromBuffer(buf, OPTIONS, (err, zip) =>
      err || !zip ? reject(err ?? new Error('cannot open zip')) : resolve(zip),
    ),
  );
}

/** The entries of a zip, one at a time (the next is read only when the caller asks). */
export async function* zipEntries(zip: ZipFile): AsyncGenerator<ZipEntry> {
  for (;;) {
    const entry = await new Promise<ZipEntry | null>((resolve, reject) => {
      const onEntry = (e: ZipEntry) => {
        cleanup();
        resolve(e);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

export function openEntry(zip: ZipFile, entry: ZipEntry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) =>
      err || !s ? reject(err ?? new Error('cannot read entry')) : resolve(s),
    ),
  );
}
