import { lineBatches } from './lines.ts';
import { splitCsvLine } from './csvline.ts';
import { longLineWarning, type ReadContext } from './reader.ts';
import type { FileEntry } from '../model/records.ts';

/**
 * File listings from collection tools: a CSV with a header naming a path column and a hash column
 * (`Get-FileHash | Export-Csv`: Algorithm,Hash,Path; KAPE/Velociraptor-style exports with
 * FullPath,SHA256,…; anything with path + sha256/sha1/md5). A `Hash` column is typed by length.
 */
export const PATH_COLUMNS = [
  'path',
  'fullpath',
  'fullname',
  'full_path',
  'filepath',
  'file_path',
  'filename',
  'file',
  'name',
];
export const HASH_COLUMNS = ['sha256', 'sha1', 'md5', 'hash', 'sha256hash', 'sha1hash', 'md5hash'];
const VERSION_COLUMNS = ['fileversion', 'file_version', 'version', 'productversion'];
const SIZE_COLUMNS = ['size', 'length', 'filesize', 'file_size'];

export async function* readListing(ctx: ReadContext): AsyncGenerator<FileEntry[]> {
  let cols: { path: number; hashes: { k: number; type: string }[]; version: number; size: number } | null =
    null;
  for await (const batch of lineBatches(ctx.chunks, { onLongLine: longLineWarning(ctx) })) {
    const out: FileEntry[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (line.trim() === '' || (line.startsWith('#') && !cols)) continue; // #TYPE lines of Export-Csv
      const v = splitCsvLine(line).map((x) => x.trim());
      if (!cols) {
        const head = v.map((h) =>
          h
            .toLowerCase()
            .replace(/^\uFEFF/, '')
            .replace(/[\s-]/g, ''),
        );
        const find = (names: readonly string[]) => {
          for (const n of names) {
            const k = head.indexOf(n);
            if (k >= 0) return k;
          }
          return -1;
        };
        cols = {
          path: find(PATH_COLUMNS),
          hashes: head.flatMap((h, k) =>
            HASH_COLUMNS.includes(h) ? [{ k, type: h.replace(/hash$/, '') || 'hash' }] : [],
          ),
          version: find(VERSION_COLUMNS),
          size: find(SIZE_COLUMNS),
        };
        if (cols.path < 0) {
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: batch.firstLine + i },
            message: `no path column in the listing header (one of ${PATH_COLUMNS.join(', ')})`,
          });
          return;
        }
        continue;
      }
      const path = v[cols.path];
      if (!path) continue;
      const e: { sha256?: string; sha1?: string; md5?: string } = {};
      for (const { k, type } of cols.hashes) {
        const h = v[k]?.toLowerCase();
        if (!h || !/^[0-9a-f]+$/.test(h)) continue;
        const t =
          type === 'hash'
            ? ({ 64: 'sha256', 40: 'sha1', 32: 'md5' } as Record<number, string>)[h.length]
            : type;
        if (t === 'sha256' || t === 'sha1' || t === 'md5') e[t] = h;
      }
      const version = cols.version >= 0 ? v[cols.version] : undefined;
      const size = cols.size >= 0 ? Number(v[cols.size]) : NaN;
      out.push({
        kind: 'file.entry',
        source: { path: ctx.path, line: batch.firstLine + i },
        path,
        name: path.split(/[\\/]/).pop() ?? path,
        ...e,
        ...(version ? { version } : {}),
        ...(Number.isFinite(size) ? { size } : {}),
      });
    }
    if (out.length) yield out;
  }
}

/** Does a CSV header look like a file listing (a path column and a hash column)? */
export function isListingHeader(fields: readonly string[]): boolean {
  const head = fields.map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase().replace(/[\s-]/g, ''));
  return head.some((h) => PATH_COLUMNS.includes(h)) && head.some((h) => HASH_COLUMNS.includes(h));
}
