import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private Dovecot IMAP server for tests: own config in a temporary directory, 127.0.0.1 on
 * ephemeral ports, passwd-file users (and a master user `hunter`), Maildirs written directly
 * (file in tmp/, mtime = INTERNALDATE, renamed into new/ or cur/ with Maildir flags), optional
 * TLS with a self-signed certificate. Stopped by its PID.
 */
export const DOVECOT = '/usr/sbin/dovecot';
export const hasDovecot = existsSync(DOVECOT) && process.getuid?.() === 0;
export const MASTER = { user: 'hunter', password: 'masterpw' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port: number, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`dovecot did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface MaildirMessage {
  readonly raw: Uint8Array;
  /** Maildir flag letters: S seen, F flagged, R answered, T deleted (\Deleted), D draft. */
  readonly flags?: string;
  readonly date?: Date;
}

export class Dovecot {
  readonly dir: string;
  port = 0;
  tlsPort = 0;
  private proc: ChildProcess | undefined;
  private seq = 0;
  private readonly users = new Map<string, string>();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-dovecot-'));
    // Dovecot's auth and mail processes run as other users: they must reach the files.
    chmodSync(this.dir, 0o755);
    mkdirSync(join(this.dir, 'mail'), { recursive: true });
  }

  addUser(user: string, password: string): void {
    this.users.set(user, password);
  }

  /** Writes messages into a user's folder ('INBOX' or a folder name), as Dovecot's Maildir++ lays it out. */
  deliver(user: string, folder: string, msgs: readonly MaildirMessage[]): void {
    const root = join(this.dir, 'mail', user, 'Maildir');
    const box = folder === 'INBOX' ? root : join(root, `.${folder}`);
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(box, sub), { recursive: true });
    if (folder !== 'INBOX') writeFileSync(join(box, 'maildirfolder'), '');
    for (const m of msgs) {
      const name = `${1622000000 + this.seq}.M${this.seq}P${process.pid}.vigiltest`;
      this.seq++;
      const tmp = join(box, 'tmp', name);
      writeFileSync(tmp, m.raw);
      const d = m.date ?? new Date('2021-05-25T15:00:00Z');
      utimesSync(tmp, d, d);
      if (m.flags === undefined) renameSync(tmp, join(box, 'new', name));
      else renameSync(tmp, join(box, 'cur', `${name}:2,${[...m.flags].sort().join('')}`));
    }
  }

  async start(o: { tls?: boolean; capability?: string } = {}): Promise<void> {
    const d = this.dir;
    this.port = await freePort();
    this.tlsPort = o.tls ? await freePort() : 0;
    writeFileSync(join(d, 'users'), [...this.users].map(([u, p]) => `${u}:{PLAIN}${p}::::::\n`).join(''));
    writeFileSync(join(d, 'master-users'), `${MASTER.user}:{PLAIN}${MASTER.password}\n`);
    if (o.tls) {
      const r = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(d, 'key.pem'),
        '-out',
        join(d, 'cert.pem'),
      ]);
      if (r.status !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
    }
    const conf = [
      'protocols = imap',
      'listen = 127.0.0.1',
      `base_dir = ${d}/run`,
      `state_dir = ${d}/state`,
      `instance_name = vigil-test-${process.pid}-${this.port}`,
      `log_path = ${d}/dovecot.log`,
      `info_log_path = ${d}/dovecot.log`,
      o.tls ? 'ssl = yes' : 'ssl = no',
      ...(o.tls ? [`ssl_cert = <${d}/cert.pem`, `ssl_key = <${d}/key.pem`] : []),
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'auth_master_user_separator = *',
      'auth_failure_delay = 0',
      `mail_location = maildir:${d}/mail/%u/Maildir`,
      'mail_uid = nobody',
      'mail_gid = nogroup',
      'first_valid_uid = 1',
      ...(o.capability ? [`imap_capability = ${o.capability}`] : []),
      'namespace inbox {',
      '  inbox = yes',
      '  separator = .',
      '  mailbox Junk {',
      '    special_use = \\Junk',
      '  }',
      '}',
      'passdb {',
      '  driver = passwd-file',
      '  master = yes',
      `  args = scheme=PLAIN username_format=%u ${d}/master-users`,
      '  pass = yes',
      '}',
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${d}/users`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = username_format=%u ${d}/users`,
      '}',
      'service imap-login {',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${this.port}`,
      '  }',
      '  inet_listener imaps {',
      '    address = 127.0.0.1',
      `    port = ${this.tlsPort}`,
      ...(o.tls ? ['    ssl = yes'] : []),
      '  }',
      '}',
      'protocol imap {',
      '  mail_max_userip_connections = 50',
      '}',
      '',
    ].join('\n');
    writeFileSync(join(d, 'dovecot.conf'), conf);
    spawnSync('chown', ['-R', 'nobody:nogroup', join(d, 'mail')]);
    chownSync(join(d, 'mail'), 65534, 65534);
    this.proc = spawn(DOVECOT, ['-F', '-c', join(d, 'dovecot.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    this.proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    try {
      await waitPort(this.port);
      if (this.tlsPort) await waitPort(this.tlsPort);
    } catch (e) {
      await this.stop();
      throw new Error(`${(e as Error).message}: ${err}`, { cause: e });
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p && p.exitCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await gone;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
