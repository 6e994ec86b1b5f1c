import { Worker } from 'node:worker_threads';
import { formatBytes } from '../report/report.ts';

/**
 * The TTY progress line: files, bytes (of the total once counted), rate and ETA, redrawn at most
 * ten times a second on stderr. Off when stderr is not a terminal, so pipes and CI logs stay clean.
 */
export class Progress {
  private files = 0;
  private bytes = 0;
  private findings = 0;
  private totalBytes: number | null = null;
  private totalFiles: number | null = null;
  private current = '';
  private last = 0;
  private readonly start = Date.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;

  constructor(stream: NodeJS.WriteStream, enabled: boolean) {
    this.stream = stream;
    this.enabled = enabled && stream.isTTY === true;
  }

  /** Count what the roots hold on another thread, so the ETA appears once the count is in. */
  countInBackground(roots: readonly string[]): void {
    if (!this.enabled) return;
    const w = new Worker(new URL('./count-thread.ts', import.meta.url), { workerData: [...roots] });
    w.unref(); // never keeps a finished scan waiting
    w.on('message', (t: { files: number; bytes: number }) => {
      this.totalBytes = t.bytes;
      this.totalFiles = t.files;
    });
    w.on('error', () => undefined);
  }

  addBytes(n: number): void {
    this.bytes += n;
    this.tick();
  }
  fileDone(path: string): void {
    this.files++;
    this.current = path;
    this.tick();
  }
  finding(): void {
    this.findings++;
  }

  private tick(): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = this.bytes / Math.max(secs, 0.001);
    let line = `${this.files}${this.totalFiles !== null && this.totalFiles >= this.files ? `/${this.totalFiles}` : ''} files · ${formatBytes(this.bytes)}`;
    if (this.totalBytes !== null) {
      const pct = this.totalBytes ? Math.min(100, (this.bytes / this.totalBytes) * 100) : 100;
      const eta = rate > 0 ? Math.max(0, (this.totalBytes - this.bytes) / rate) : 0;
      line += ` of ${formatBytes(this.totalBytes)} (${pct.toFixed(0)}%) · ${formatBytes(rate)}/s · ETA ${clock(eta)}`;
    } else {
      line += ` · ${formatBytes(rate)}/s · counting…`;
    }
    line += ` · ${this.findings} findings`;
    const width = this.stream.columns || 100;
    const room = width - line.length - 4;
    if (room > 10)
      line += ` · ${this.current.length > room ? `…${this.current.slice(-(room - 1))}` : this.current}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }
}

function clock(s: number): string {
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
