// End-to-end: import a Zeppelin note through the UI, export the notebook as an HTML report and
// open the report in the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, shot, artifacts, waitConnected } from './harness.mjs';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../notebooks/testdata/interop/fixtures');
let server, browser;
before(async () => {
  server = await startServer({ withData: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('import a .zpln through the UI, export an HTML report and open it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(server.url);
  await page.getByTestId('import-file').setInputFiles(path.join(fixtures, 'spark-basic-features.zpln'));
  await page.waitForURL(/\/notebooks\//);
  await waitConnected(page);
  const paragraphs = page.getByTestId('paragraph');
  await paragraphs.first().waitFor();
  const n = await paragraphs.count();
  assert.ok(n >= 5, `imported ${n} paragraphs`);
  assert.match(await page.getByTestId('notebook-name').textContent(), /Spark|Basic|Features/i);
  // Spark code is kept, inert, with a visible note; the %sql paragraphs became SQL.
  assert.ok(await page.locator('[data-testid="paragraph"][data-lang="sql"]').count() >= 1);
  assert.match(await page.locator('main').textContent(), /lakebook cannot run/);
  await shot(page, 'imported-zpln');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').selectOption('html')]);
  const report = path.join(artifacts, 'report.html');
  await download.saveAs(report);
  const rp = await ctx.newPage();
  await rp.goto('file://' + report);
  assert.equal(await rp.getByTestId('report-paragraph').count(), n);
  await rp.screenshot({ path: path.join(artifacts, 'report.png'), fullPage: true });
  await ctx.close();
});

test('a file that is not a notebook is refused with a clear message and creates nothing', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(server.url);
  const before = await page.getByTestId('notebook-item').count();
  await page.getByTestId('import-file').setInputFiles({ name: 'data.json', mimeType: 'application/json', buffer: Buffer.from('{"rows": [1, 2]}') });
  await page.getByTestId('list-error').filter({ hasText: 'not a notebook' }).waitFor();
  await page.reload();
  assert.equal(await page.getByTestId('notebook-item').count(), before);
  await ctx.close();
});
