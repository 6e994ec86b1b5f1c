/**
 * Counts the files and bytes under the roots on its own thread, so the progress display can show
 * a total and an ETA even while the main thread is busy with synchronous reads. Links inside the
 * roots are not followed (as the scan does not follow them).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

let files = 0;
let bytes = 0;
function visit(p: string, root: boolean): void {
  let st;
  try {
    st = root ? statSync(p) : lstatSync(p);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names) visit(join(p, n), false);
  } else if (st.isFile()) {
    files++;
    bytes += st.size;
  }
}
for (const r of workerData as string[]) visit(r, true);
parentPort!.postMessage({ files, bytes });
