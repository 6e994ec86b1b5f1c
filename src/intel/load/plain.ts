import type { IntelIndex } from '../index.ts';
import { inferType } from '../indicator.ts';
import { addValue } from './common.ts';
import type { LoadReport } from './report.ts';

/**
 * Plain lists: one indicator a line, type inferred and validated. Also the `value;comment` and
 * `regex;score` forms of signature-base's hash and filename IOC files; a `#` line is a comment that
 * names the source of the lines below it.
 */
export function loadPlain(
  text: string,
  index: IntelIndex,
  report: LoadReport,
  feed: string,
  file: string,
): void {
  let note: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const where = `${file}:${i + 1}`;
    if (line === '') {
      return;
    }
    if (line.startsWith('#') || line.startsWith('//')) {
      note = line.replace(/^(#|\/\/)\s*/, '') || note;
      return;
    }
    const semi = line.lastIndexOf(';');
    const value = semi > 0 ? line.slice(0, semi) : line;
    const tail = semi > 0 ? line.slice(semi + 1).trim() : '';
    if (semi > 0 && /^\d{1,3}$/.test(tail) && (!inferType(value) || /\\\\|[[\](){}^$*+?|]/.test(value))) {
      // signature-base filename IOC: a regular expression over Windows paths, with a score 0–100.
      addValue(index, report, 'path-regex', value, { feed, where, note, confidence: Number(tail) });
      return;
    }
    addValue(index, report, null, value, { feed, where, note: semi > 0 && tail ? tail : note });
  });
}
