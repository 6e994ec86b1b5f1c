// The dashboard, driven in Debian's Chromium against the real `vigil serve --api` over a store
// filled with `vigil case import` from real `vigil triage` output (scripts/lib/case-data.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDashboardServer, type DashboardServer } from '../../scripts/lib/dashboard-server.ts';
import { XSS } from '../../scripts/lib/case-data.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing && process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run must install chromium`);
const skip = missing && `no chromium at ${CHROMIUM}`;

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
type Json = Record<string, unknown>;

let server: DashboardServer;
let browser: Browser;

/** What the page did that it must not: dialogs, requests off the server, CSP violations, errors. */
interface Watch {
  dialogs: string[];
  foreign: string[];
  urls: string[];
  problems: string[];
}

async function open(viewport: { width: number; height: number }): Promise<{
  context: BrowserContext;
  page: Page;
  watch: Watch;
}> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const watch: Watch = { dialogs: [], foreign: [], urls: [], problems: [] };
  await page.route('**/*', (route) => {
    const u = route.request().url();
    watch.urls.push(u);
    if (u.startsWith(`${server.url}/`)) return route.continue();
    watch.foreign.push(u);
    return route.abort();
  });
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => watch.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) watch.problems.push(`console: ${m.text()}`);
  });
  return { context, page, watch };
}

async function login(page: Page, token = server.token): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.locator('input[name="token"]').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('table.orgs').waitFor();
  await page.locator('.top .who').waitFor(); // GET /api/me answered: no request left in flight
}

function caseFindings(org: string): Json[] {
  const c = server.orgs.find((o) => o.org === org);
  assert.ok(c, org);
  return readFileSync(c.file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Json);
}

const sevCount = async (page: Page, s: string) =>
  Number(await page.locator(`.sev-counts [data-severity="${s}"] .n`).innerText());

/** Waits until the page lists exactly `n` findings (or more than `n`, with `more`). */
async function waitRows(page: Page, n: number, more = false): Promise<void> {
  const rows = page.locator('ul.findings > li.finding');
  if (more) return rows.nth(n).waitFor();
  if (n > 0) await rows.nth(n - 1).waitFor();
  await rows.nth(n).waitFor({ state: 'detached' });
}

const rowIds = (page: Page) =>
  page.locator('ul.findings > li.finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

describe('dashboard in Chromium', { skip }, () => {
  before(async () => {
    server = await startDashboardServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('log in, find the compromised organisation, page through its findings, mark a false positive (1280×800)', async () => {
    const { context, page, watch } = await open({ width: 1280, height: 800 });
    // The page is public; the data is not.
    await page.goto(`${server.url}/`);
    await page.locator('input[name="token"]').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await login(page);

    // Question 1: who has been hacked. Tiles and verdict counts from the store.
    const tile = (label: string) => page.locator('.tile', { hasText: label }).locator('.n').innerText();
    assert.equal(await tile('Organisations'), String(server.orgs.length));
    assert.equal(await tile('Compromised'), '2');
    assert.equal(await tile('SUNBURST victims'), '2');
    // Worst verdict first.
    const verdicts = await page.locator('table.orgs tbody tr td[data-label="Verdict"]').allInnerTexts();
    assert.deepEqual(verdicts, [
      'Compromised',
      'Compromised',
      'Attempted',
      'Vulnerable',
      'Probed',
      'Clean',
      'Unknown',
    ]);
    const first = await page.locator('table.orgs tbody tr th').first().innerText();
    assert.equal(first, 'Eastside Credit Union');

    // Search narrows the list; an organisation name with '&' and '/' is a link like any other.
    await page.getByPlaceholder('Search organisations').fill('rail');
    assert.deepEqual(await page.locator('table.orgs tbody tr th').allInnerTexts(), ['Port & Rail / Ops']);
    await page.getByRole('link', { name: 'Port & Rail / Ops' }).click();
    await page.getByRole('heading', { level: 1, name: 'Port & Rail / Ops' }).waitFor();
    assert.equal(await page.locator('.org-head .badge').innerText(), 'Probed');
    await page.getByRole('link', { name: '← All organisations' }).click();
    await page.getByPlaceholder('Search organisations').fill('');

    // Question 2: what has been done.
    const expected = caseFindings('Eastside Credit Union');
    await page.getByRole('link', { name: 'Eastside Credit Union' }).click();
    await page.getByRole('heading', { level: 1, name: 'Eastside Credit Union' }).waitFor();
    assert.equal(await page.locator('.org-head .badge').innerText(), 'Compromised');
    for (const s of SEVERITIES) {
      assert.equal(await sevCount(page, s), expected.filter((f) => f['severity'] === s).length, s);
    }
    await page.locator('.timeline canvas').first().waitFor();
    const shells = page.locator('.card', { hasText: 'Web shells' });
    assert.match(await shells.innerText(), /aspnet_client\/system_web\/ecu\.aspx/);
    assert.match(await page.locator('.card', { hasText: 'SUNBURST' }).innerText(), /city\.kingston\.on\.ca/);
    assert.match(await page.locator('.card', { hasText: 'SUNBURST' }).innerText(), /stage: beacon/);
    assert.match(
      await page.locator('.card', { hasText: 'Attacker addresses' }).innerText(),
      /203\.0\.113\.50/,
    );

    // Question 3: how to patch.
    const ex01 = page.locator('table.hosts tbody tr', { hasText: 'EX01' });
    assert.match(await ex01.locator('td[data-label="Build at first attack"]').innerText(), /15\.1\.2176\.2/);
    assert.match(await ex01.locator('td[data-label="Update to install"]').innerText(), /KB5003435/);

    // Findings, 25 a page: most severe first, two pages, nothing twice, nothing lost.
    await page.locator('.page-status', { hasText: 'Page 1: 25 findings.' }).waitFor();
    const page1 = await rowIds(page);
    assert.equal(page1.length, 25);
    assert.equal(await page.locator('ul.findings .finding-head .sev').first().innerText(), 'Critical');
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.locator('.page-status', { hasText: 'Page 2:' }).waitFor();
    const page2 = await rowIds(page);
    assert.equal(page2.length, expected.length - 25);
    assert.equal(new Set([...page1, ...page2]).size, expected.length);
    assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
    assert.equal(
      await page.locator('ul.findings .finding-head .sev').last().innerText(),
      expected.some((f) => f['severity'] === 'info') ? 'Info' : 'Low',
    );
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.locator('.page-status', { hasText: 'Page 1: 25 findings.' }).waitFor();
    assert.deepEqual(await rowIds(page), page1);

    // Filters go to the API.
    await page.locator('select[name="severity"]').selectOption('low');
    await page.locator('.page-status', { hasText: /Page 1: \d+ findings/ }).waitFor();
    await waitRows(page, expected.filter((f) => f['severity'] === 'low').length);
    // Export of the current view: every finding the filters match, from the API's export route.
    const lows = expected.filter((f) => f['severity'] === 'low');
    const [jsonl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSONL' }).click(),
    ]);
    const exported = readFileSync((await jsonl.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    assert.deepEqual(exported.map((f) => f['title']).sort(), lows.map((f) => f['title']).sort());
    assert.match(jsonl.suggestedFilename(), /^Eastside_Credit_Union-findings\.jsonl$/);
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csvLines = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    assert.equal(csvLines.length, 1 + lows.length);
    assert.match(csvLines[0]!, /severity/);
    await page.locator('select[name="severity"]').selectOption('');
    await page.locator('input[name="q"]').fill('web shell');
    const shellTitles = expected.filter((f) => /web shell/i.test(String(f['title']))).length;
    assert.ok(shellTitles > 0);
    await waitRows(page, shellTitles);
    await page.locator('input[name="q"]').fill('');
    await waitRows(page, 25);

    // Evidence one click away.
    const top = page.locator('ul.findings > li.finding').first();
    await top.locator('.finding-head').click();
    assert.equal(await top.locator('.finding-head').getAttribute('aria-expanded'), 'true');
    await top.locator('dl.evidence').waitFor();

    // Mark it a false positive: the counts on the page, and in the overview, drop by one.
    const sev = (await top.getAttribute('class'))!.match(/sev-(\w+)/)![1]!;
    const before = await sevCount(page, sev);
    await top.getByLabel('Reason (optional)').fill('test: benign');
    await top.getByRole('button', { name: 'False positive' }).click();
    await page
      .locator(`.sev-counts [data-severity="${sev}"] .n`, { hasText: new RegExp(`^${before - 1}$`) })
      .waitFor();
    await top.locator('.badge.st', { hasText: 'False positive' }).waitFor();
    await top.locator('.history', { hasText: /False positive by test analyst .* — test: benign/ }).waitFor();
    await page.getByRole('link', { name: '← All organisations' }).click();
    const row = page.locator('table.orgs tbody tr', { hasText: 'Eastside Credit Union' });
    const cell = sev[0]!.toUpperCase() + sev.slice(1);
    await row.locator(`td[data-label="${cell}"]`, { hasText: String(before - 1) }).waitFor();

    // The token never travels in a URL and stays in this tab's session storage only.
    assert.ok(watch.urls.every((u) => !u.includes(server.token)));
    assert.ok(!page.url().includes(server.token));
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.deepEqual(watch.foreign, []);
    assert.deepEqual(watch.dialogs, []);
    assert.deepEqual(watch.problems, []);
    await context.close();
  });

  test('script in a User-Agent and in a URL inside evidence stays text (no dialog, no element)', async () => {
    const { context, page, watch } = await open({ width: 1280, height: 800 });
    await login(page);
    await page.getByRole('link', { name: 'Harbour Authority' }).click();
    await page.getByRole('heading', { level: 1, name: 'Harbour Authority' }).waitFor();
    await page.locator('select[name="limit"]').selectOption('200');
    await waitRows(page, 25, true);
    // Open every finding, so every piece of evidence is in the page.
    const heads = page.locator('ul.findings .finding-head');
    for (let i = 0, n = await heads.count(); i < n; i++) await heads.nth(i).click();
    const text = await page.locator('ul.findings').innerText();
    assert.ok(text.includes(XSS.userAgent), 'the User-Agent payload is shown, as text');
    assert.ok(text.includes(XSS.url), 'the URL payload is shown, as text');
    assert.ok(text.includes(XSS.iisUserAgent), 'the IIS User-Agent payload is shown, as text');
    await page.locator('.card', { hasText: 'Web shells' }).waitFor();
    const injected = await page.evaluate<{
      flag: string | null;
      img: number;
      svgInFindings: number;
      scripts: (string | null)[];
      links: number;
    }>(`({
      flag: document.documentElement.dataset.xss ?? null,
      img: document.querySelectorAll('img').length,
      svgInFindings: document.querySelectorAll('ul.findings svg, .cards svg').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      links: document.querySelectorAll('a[href^="javascript:" i]').length,
    })`);
    assert.deepEqual(injected, {
      flag: null,
      img: 0,
      svgInFindings: 0,
      scripts: [injected.scripts[0]!],
      links: 0,
    });
    assert.match(injected.scripts[0]!, /^\.\/assets\/index-[\w-]+\.js$/);
    assert.deepEqual(watch.dialogs, []);
    assert.deepEqual(watch.foreign, []);
    assert.deepEqual(watch.problems, []);
    await context.close();
  });

  test('phone width (390 px): nothing wider than the screen, every view usable', async () => {
    const { context, page, watch } = await open({ width: 390, height: 844 });
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await login(page);
    assert.equal(await overflow(), 0);
    await page.getByRole('link', { name: 'Eastside Credit Union' }).click();
    await page.locator('ul.findings > li.finding').first().waitFor();
    await page.locator('.timeline canvas').first().waitFor();
    await page.locator('ul.findings .finding-head').first().click();
    await page.locator('dl.evidence').first().waitFor();
    assert.equal(await overflow(), 0);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.locator('.page-status', { hasText: 'Page 2:' }).waitFor();
    assert.equal(await overflow(), 0);
    assert.deepEqual(watch.problems, []);
    await context.close();
  });

  test('a revoked token sends the analyst back to the login form', async () => {
    const made = await server.admin(
      'POST',
      '/api/tokens',
      JSON.stringify({ role: 'analyst', label: 'short' }),
    );
    const { context, page } = await open({ width: 1280, height: 800 });
    await login(page, String(made?.['token']));
    await server.admin('DELETE', `/api/tokens/${String(made?.['id'])}`);
    await page.getByRole('link', { name: 'Harbour Authority' }).click();
    await page.locator('input[name="token"]').waitFor();
    await page.getByRole('alert').filter({ hasText: 'Sign in again' }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('vigil.token')"), null);
    await context.close();
  });

  test('keyboard only: sign in, open an organisation and a finding', async () => {
    const { context, page } = await open({ width: 1280, height: 800 });
    await page.goto(`${server.url}/`);
    await page.keyboard.type(server.token); // the token field has focus on load
    await page.keyboard.press('Enter');
    await page.locator('table.orgs').waitFor();
    await page.getByRole('link', { name: 'Eastside Credit Union' }).focus();
    await page.keyboard.press('Enter');
    const head = page.locator('ul.findings .finding-head').first();
    await head.waitFor();
    await head.focus();
    await page.keyboard.press('Enter');
    assert.equal(await head.getAttribute('aria-expanded'), 'true');
    await page.keyboard.press(' ');
    assert.equal(await head.getAttribute('aria-expanded'), 'false');
    await context.close();
  });
});
