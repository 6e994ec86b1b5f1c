/**
 * `npm run screenshots`: a PNG of each main view of the dashboard, taken in Debian's Chromium
 * from the real `vigil serve --api` over the test organisations, into docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startDashboardServer } from './lib/dashboard-server.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
mkdirSync(OUT, { recursive: true });

const server = await startDashboardServer();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-sync',
  ],
});
const shot = async (page: Page, name: string, selector?: string) => {
  const path = join(OUT, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path });
  else await page.screenshot({ path });
  process.stdout.write(`${path}\n`);
};
const login = async (page: Page) => {
  await page.goto(`${server.url}/`);
  await page.locator('input[name="token"]').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('table.orgs').waitFor();
};

try {
  const wide = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await wide.goto(`${server.url}/`);
  await shot(wide, 'login');
  await login(wide);
  await shot(wide, 'overview');
  await wide.getByRole('link', { name: 'Eastside Credit Union' }).click();
  await wide.locator('.timeline canvas').first().waitFor();
  await wide.locator('.card', { hasText: 'Web shells' }).locator('li').first().waitFor();
  await shot(wide, 'organisation');
  await shot(wide, 'patch', 'section[aria-labelledby="patch-h"]');
  const f = wide.locator('ul.findings > li.finding', { hasText: 'Web shell ecu.aspx' }).first();
  await f.locator('.finding-head').click();
  await f.locator('dl.evidence').waitFor();
  await wide.evaluate("document.querySelector('#findings-h').scrollIntoView()");
  await shot(wide, 'findings');

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await login(phone);
  await shot(phone, 'phone-overview');
  await phone.getByRole('link', { name: 'Harbour Authority' }).click();
  const h = phone.locator('ul.findings > li.finding').nth(2);
  await h.locator('.finding-head').click();
  await h.locator('dl.evidence').waitFor();
  await phone.evaluate("document.querySelector('#findings-h').scrollIntoView()");
  await shot(phone, 'phone-finding');
} finally {
  await browser.close();
  await server.stop();
}
