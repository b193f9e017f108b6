import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, rmSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type Dashboard } from '../../src/show/dashboard.js';
import { loadDashboardFixture, type DashboardFixture } from './dashboard-fixture.js';

/**
 * The dashboard in headless Chromium, as a user clicks through it. Debian's `chromium` package (CI installs
 * it in .ci/run); `CHROMIUM_PATH` points elsewhere. Set `NOTIONFLOW_DASHBOARD_SCREENSHOT=docs/dashboard.png`
 * to also write the README's screenshot of the overview.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOT = process.env['NOTIONFLOW_DASHBOARD_SCREENSHOT'];

let fx: DashboardFixture;
let dashboard: Dashboard;
let browser: Browser;
let page: Page;
/** Console errors and uncaught page errors, except the failed requests the SQL box makes on purpose. */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run \`apt-get install chromium\` (or set CHROMIUM_PATH) to run the dashboard's browser test`);
  fx = await loadDashboardFixture('nf-show-browser-');
  dashboard = await startDashboard({ pipeline: fx.pipeline, cwd: fx.dir });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // Fail within the test's time, with the locator that was waited for.
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  if (fx) rmSync(fx.dir, { recursive: true, force: true });
});

async function runQuery(sql: string): Promise<void> {
  await page.getByLabel('SQL query').fill(sql);
  await page.getByRole('button', { name: 'Run query' }).click();
}

describe('the dashboard in Chromium', () => {
  it('opens on the overview with every table and its row count', async () => {
    await page.goto(dashboard.url);
    const ds = fx.pipeline.dataset();
    const pages = await ds.table('pages').count();
    const row = page.locator('#overview-tables tbody tr').filter({ has: page.getByRole('link', { name: 'pages', exact: true }) });
    await row.waitFor();
    expect(await row.locator('td.num').textContent()).toBe(pages.toLocaleString('en-US'));
    const tables = await ds.sql(`select count(*) as n from information_schema.tables where table_schema = 'notion_data'`);
    expect(await page.locator('#overview-tables tbody tr').count()).toBe(Number(tables[0]!['n']));
    await page.locator('#pipeline-name', { hasText: 'show_test' }).waitFor();
    await page.locator('#overview .badge', { hasText: 'completed' }).first().waitFor();
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
  });

  it('shows a table\'s rows when its name is clicked, and pages through them', async () => {
    const total = await fx.pipeline.dataset().table('pages').count();
    await page.getByRole('link', { name: 'pages', exact: true }).click();
    await page.locator('#data-range', { hasText: `pages: rows 1–50 of ${total}` }).waitFor();
    expect(page.url()).toMatch(/#data\/pages$/);
    const [firstId] = (await fx.pipeline.dataset().sql('select id from notion_data.pages order by _dlt_id limit 1')).map((r) => String(r['id']));
    await page.locator('#data td', { hasText: firstId }).waitFor();
    expect(await page.locator('#data tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.locator('#data-range', { hasText: `pages: rows 51–${Math.min(100, total)} of ${total}` }).waitFor();
  });

  it('runs a query typed into the SQL box and shows the result', async () => {
    await page.getByRole('link', { name: 'SQL' }).click();
    const [truth] = await fx.pipeline.dataset().sql('select count(*) as n from notion_data.blocks');
    await runQuery('select count(*) as n from notion_data.blocks');
    await page.locator('#sql-summary', { hasText: '1 row' }).waitFor();
    expect(await page.locator('#sql-result tbody td').textContent()).toBe(String(truth!['n']));
    expect(await page.locator('#sql-error').isHidden()).toBe(true);
  });

  it('shows values as text, never as HTML', async () => {
    await runQuery(`select '<img src=x onerror="window.pwned=1">' as html`);
    await page.locator('#sql-result td', { hasText: '<img src=x onerror="window.pwned=1">' }).waitFor();
    expect(await page.locator('#sql-result img').count()).toBe(0);
    // The page's script runs in the browser; the type checker knows only Node's globals.
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('shows a clear error for a bad query and for a write', async () => {
    await runQuery('select * from notion_data.no_such_table');
    const error = page.locator('#sql-error');
    await error.filter({ hasText: 'no_such_table does not exist' }).waitFor();
    expect(await error.textContent()).toMatch(/^duckdb: query failed: Catalog Error: Table with name no_such_table does not exist/);
    expect(await page.locator('#sql-result tr').count()).toBe(0);
    await runQuery('drop table notion_data.pages');
    await error.filter({ hasText: 'Only a read can run here: a query starts with SELECT, WITH, VALUES or FROM, not DROP.' }).waitFor();
  });

  it('draws the load history, schema, state and trace', async () => {
    await page.getByRole('link', { name: 'Loads' }).click();
    await page.locator('#loads-table > tbody > tr').nth(1).waitFor();
    expect(await page.locator('#loads-table > tbody > tr').count()).toBe(2);
    await page.getByRole('link', { name: 'Schema' }).click();
    await page.locator('#schema-tree li li .table-name', { hasText: 'pages__properties__tags__multi_select' }).waitFor();
    await page.locator('#schema .typed summary').first().waitFor();
    await page.getByRole('link', { name: 'State' }).click();
    await page.getByText('Source notion').waitFor();
    await page.getByRole('link', { name: 'Trace' }).click();
    await page.locator('#trace caption', { hasText: 'By endpoint' }).waitFor();
    const [endpoint] = Object.keys(fx.trace.requests.byEndpoint);
    await page.locator('#trace td', { hasText: endpoint }).first().waitFor();
  });

  it('broke no Content-Security-Policy rule and threw nothing', () => {
    expect(problems).toEqual([]);
  });
});
