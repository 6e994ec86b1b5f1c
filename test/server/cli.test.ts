import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCORING_FILE } from '../../src/mail/signals.ts';
import { REPO } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

/**
 * `vigil serve` as a process: the ready lines, SIGHUP reloading the scoring file on a live
 * connection, SIGTERM finishing what is in flight and exiting 0, usage errors.
 */
const MSG = 'From: Alice <alice@example.org>\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nhello\r\n';
const work = mkdtempSync(join(tmpdir(), 'vigil-serve-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function start(args: string[]): {
  child: ChildProcess;
  ready: Promise<Record<string, string>>;
  stderr: () => string;
} {
  // node directly, not npx: npx does not pass SIGTERM on.
  const child = spawn(process.execPath, [join(REPO, 'bin/vigil.js'), 'serve', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const ready = new Promise<Record<string, string>>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const got = Object.fromEntries(
        [...err.matchAll(/^vigil: (\w+) listening on (\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      const want = args.filter((a) => /^--(milter|rspamd|spamd)$/.test(a)).length;
      if (Object.keys(got).length === want) resolve(got);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, ready, stderr: () => err };
}

describe('vigil serve (process)', () => {
  it('prints one ready line per door, reloads on SIGHUP, exits 0 on SIGTERM after in-flight work', async () => {
    const scoring = join(work, 'scoring.yaml');
    copyFileSync(DEFAULT_SCORING_FILE, scoring);
    const log = join(work, 'log.jsonl');
    const s = start([
      '--rspamd',
      '127.0.0.1:0',
      '--spamd',
      '127.0.0.1:0',
      '--milter',
      `unix:${join(work, 'milter.sock')}`,
      '--config',
      scoring,
      '--log',
      log,
    ]);
    const addr = await s.ready;
    assert.match(addr['rspamd']!, /^127\.0\.0\.1:\d+$/);
    assert.equal(addr['milter'], `unix:${join(work, 'milter.sock')}`);
    const check = async () =>
      (await (await fetch(`http://${addr['rspamd']}/checkv2`, { method: 'POST', body: MSG })).json()) as {
        required_score: number;
      };
    assert.equal((await check()).required_score, 3);
    writeFileSync(
      scoring,
      readFileSync(DEFAULT_SCORING_FILE, 'utf8').replace(/^ {2}add_header: 3$/m, '  add_header: 2.5'),
    );
    s.child.kill('SIGHUP');
    let seen = 0;
    for (let i = 0; i < 100 && seen !== 2.5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await check()).required_score;
    }
    assert.equal(seen, 2.5);
    // A request in flight when SIGTERM comes still gets its answer; then exit 0.
    const inflight = fetch(`http://${addr['rspamd']}/checkv2`, {
      method: 'POST',
      body: MSG + 'x'.repeat(200_000),
    });
    await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise<number | null>((r) => s.child.on('exit', (code) => r(code)));
    s.child.kill('SIGTERM');
    const res = await inflight.then((r) => r.status).catch((e: Error) => e.message);
    assert.equal(await exited, 0);
    assert.ok(res === 200, `in-flight request answered: ${res}`);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['event'] === 'reload' && l['ok'] === true));
    // The in-flight message was judged and logged before the exit.
    assert.ok(lines.some((l) => l['door'] === 'rspamd' && Number(l['size']) > 200_000));
  });

  it('refuses bad options with exit 2', () => {
    const none = vigil(['serve']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give at least one listener/);
    assert.match(vigil(['serve', '--milter', 'nonsense']).stderr, /HOST:PORT or unix:\/path/);
    assert.match(
      vigil(['serve', '--spamd', '127.0.0.1:0', '--on-error', 'maybe']).stderr,
      /accept or tempfail/,
    );
    assert.match(vigil(['serve', '--help']).stdout, /smtpd_milters = inet:127\.0\.0\.1:11332/);
  });
});
