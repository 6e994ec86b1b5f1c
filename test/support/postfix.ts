import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private Postfix instance for tests (Debian's postfix, run as root): its own config, queue and
 * data directories under a temporary directory, SMTP on an ephemeral 127.0.0.1 port, delivery to
 * one Maildir through virtual(8), a milter of the test's choosing. Nothing else on the machine is
 * touched: the package's port-25 listener is not in this instance's master.cf.
 */
export const POSTFIX = '/usr/sbin/postfix';
export const hasPostfix = existsSync(POSTFIX) && process.getuid?.() === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface Postfix {
  readonly dir: string;
  readonly port: number;
  readonly maildir: string;
  /** Delivered message files (new/). */
  delivered(): string[];
  /** Queue entries (postqueue -j). */
  queue(): { queue_name: string; queue_id: string; recipients: { address: string }[] }[];
  maillog(): string;
  postsuper(...args: string[]): void;
  stop(): void;
}

export async function startPostfix(milter: string, extra: Record<string, string> = {}): Promise<Postfix> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-postfix-'));
  // postfix and the delivery uid must reach their directories below it.
  chmodSync(dir, 0o755);
  const etc = join(dir, 'etc');
  for (const d of ['etc', 'spool', 'lib', 'mail']) mkdirSync(join(dir, d));
  const pw = (name: string) => Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  chownSync(join(dir, 'lib'), pw('postfix'), 0);
  chownSync(join(dir, 'mail'), 65534, 65534);
  const port = await freePort();
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((l) => !/^smtp\s+inet\b/.test(l))
    .join('\n');
  writeFileSync(join(etc, 'master.cf'), `${master}\n127.0.0.1:${port} inet n - n - - smtpd\n`);
  const main: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'spool'),
    data_directory: join(dir, 'lib'),
    myhostname: 'pf.test',
    mydomain: 'pf.test',
    myorigin: 'pf.test',
    mydestination: '',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.0/8',
    virtual_mailbox_domains: 'example.test',
    virtual_mailbox_base: join(dir, 'mail'),
    virtual_mailbox_maps: 'static:box/',
    virtual_uid_maps: 'static:65534',
    virtual_gid_maps: 'static:65534',
    default_transport: 'discard:not-for-tests',
    relay_transport: 'discard:not-for-tests',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: `/var, /dev/stdout, ${dir}`,
    local_header_rewrite_clients: '',
    smtpd_milters: milter,
    non_smtpd_milters: milter,
    milter_protocol: '6',
    milter_default_action: 'tempfail',
    biff: 'no',
    smtputf8_enable: 'no',
    message_size_limit: String(50 * 1024 * 1024),
    virtual_mailbox_limit: '0',
    ...extra,
  };
  writeFileSync(
    join(etc, 'main.cf'),
    Object.entries(main)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n') + '\n',
  );
  execFileSync('postconf', ['-c', etc, '-F', '*/*/chroot = n']);
  const start = spawnSync(POSTFIX, ['-c', etc, 'start'], { encoding: 'utf8' });
  const readLog = () => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');
  if (start.status !== 0) {
    const log = readLog();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix start failed: ${start.stderr}${log}`);
  }
  // Wait until smtpd's port answers.
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const maildir = join(dir, 'mail', 'box');
  return {
    dir,
    port,
    maildir,
    delivered() {
      const d = join(maildir, 'new');
      return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
    },
    queue() {
      const out = execFileSync('postqueue', ['-c', etc, '-j'], { encoding: 'utf8' });
      return out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReturnType<Postfix['queue']>[number]);
    },
    maillog: readLog,
    postsuper(...args) {
      execFileSync('postsuper', ['-c', etc, ...args], { stdio: 'ignore' });
    },
    stop() {
      spawnSync(POSTFIX, ['-c', etc, 'stop'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `ok()` or the limit (a real MTA delivers asynchronously). */
export async function until(ok: () => boolean, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}
