import { readFileSync } from 'node:fs';
import { splitCsvLine } from '../../io/csvline.ts';
import { parseServer, type ImapServer } from './url.ts';

/**
 * The accounts file of a retro-hunt: CSV with the header `org,user,password,url` (`url` optional,
 * overriding the command line's server for that row; `password` may be `env:VAR` so secrets stay
 * out of the file). A Dovecot master-user login is written as `user*master`.
 */
export interface Account {
  readonly org: string;
  readonly user: string;
  readonly password: string;
  readonly server?: ImapServer;
  /** Line in the accounts file, for messages. */
  readonly line: number;
}

export class AccountsError extends Error {}

export function loadAccounts(file: string, env: NodeJS.ProcessEnv = process.env): Account[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AccountsError(`cannot read accounts file ${file}: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  const head = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const col = (n: string) => head.indexOf(n);
  for (const need of ['org', 'user', 'password'])
    if (col(need) < 0) throw new AccountsError(`${file}:1: the header must name org,user,password[,url]`);
  const out: Account[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!raw.trim() || raw.trimStart().startsWith('#')) continue;
    const f = splitCsvLine(raw);
    const get = (n: string) => (col(n) >= 0 ? (f[col(n)] ?? '').trim() : '');
    const where = `${file}:${i + 1}`;
    const user = get('user');
    if (!user) throw new AccountsError(`${where}: no user`);
    let password = col('password') >= 0 ? (f[col('password')] ?? '') : '';
    const envRef = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(password);
    if (envRef) {
      const v = env[envRef[1]!];
      if (v === undefined) throw new AccountsError(`${where}: environment variable ${envRef[1]} is not set`);
      password = v;
    }
    const url = get('url');
    const server = url ? parseServer(url) : undefined;
    if (url && !server)
      throw new AccountsError(`${where}: url must be imap://HOST:PORT or imaps://HOST:PORT`);
    out.push({ org: get('org'), user, password, ...(server ? { server } : {}), line: i + 1 });
  }
  return out;
}
