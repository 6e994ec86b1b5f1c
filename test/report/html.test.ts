import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { vigil } from '../support/cli.ts';
import { mailMessage } from '../../scripts/lib/formats.ts';

// Debian's chromium (installed by .ci/run). Outside CI a machine without it skips these tests.
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing && process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run must install chromium`);
const skip = missing && `no chromium at ${CHROMIUM}`;

async function withPage(
  htmlPath: string,
  fn: (page: import('playwright-core').Page, requests: string[]) => Promise<void>,
) {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const context = await browser.newContext({ offline: true, javaScriptEnabled: true });
    const page = await context.newPage();
    const requests: string[] = [];
    const url = pathToFileURL(htmlPath).href;
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    page.on('dialog', (d) => {
      requests.push(`dialog:${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url);
    await fn(page, requests);
    await context.close();
  } finally {
    await browser.close();
  }
}

test(
  'the HTML report opens offline in Chromium, self-contained, with summary, timeline and every finding',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-html-'));
    const out = join(dir, 'report.html');
    const r = vigil(['triage', 'examples/incident', '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    await withPage(out, async (page, requests) => {
      assert.match(await page.title(), /^Vigil triage report/);
      assert.equal(await page.locator('details.finding').count(), 31);
      assert.ok(
        (await page.locator('svg[aria-label="Findings over time"] rect').count()) >= 4,
        'timeline bars',
      );
      assert.equal(await page.locator('section.group').count(), 13);
      // Every finding's evidence is in the page.
      await page.locator('details.finding').first().click();
      assert.match(
        await page.locator('details.finding').first().innerText(),
        /clientIp|indicator|attachment|parameter|verdict/,
      );
      // Severity filter: hide the 12 critical findings.
      await page.locator('input.sev[value="critical"]').uncheck();
      assert.equal(await page.locator('details.finding:not(.hidden)').count(), 19);
      await page.locator('input.sev[value="critical"]').check();
      // Text filter: only the attacker's requests.
      await page.locator('#search').fill('203.0.113.50');
      assert.equal(await page.locator('details.finding:not(.hidden)').count(), 11);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      assert.deepEqual(requests, [], 'the report must not reach the network');
    });
  },
);

test('attacker-controlled text in evidence is shown as text, never run', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-html-'));
  const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>.iso';
  writeFileSync(
    join(dir, 'evil.eml'),
    mailMessage({
      from: 'a@example.org',
      to: 'b@example.org',
      subject: '"><svg onload=alert(3)>',
      date: 'Tue, 25 May 2021 14:02:09 +0000',
      messageId: '<e@example.org>',
      text: 'x',
      attachments: [{ name: evil, type: 'application/octet-stream', data: Buffer.alloc(16) }],
    }),
  );
  const out = join(dir, 'r.html');
  vigil(['triage', dir, '--out', out]);
  await withPage(out, async (page, requests) => {
    await page.locator('details.finding').first().click();
    const text = await page.locator('details.finding').first().innerText();
    assert.ok(text.includes(evil), text);
    assert.equal(await page.locator('main img, main svg[onload]').count(), 0);
    assert.deepEqual(requests, []);
  });
});
