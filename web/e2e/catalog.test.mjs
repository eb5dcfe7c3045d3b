// End-to-end: write a partitioned Parquet folder with SQL, crawl it into the catalog from the
// Catalog panel, insert its names into a paragraph, query it and see the pruning in the stats line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, typeInto, shot, newNotebook, newPage, openNotebook, paragraphs, tabCompletes } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer({ withData: false });
  mkdirSync(path.join(server.dir, 'data'), { recursive: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('crawl a partitioned folder, insert its names, query it with pruning, drop it', async () => {
  const { nb, ps } = await newNotebook(server, 'catalog', ["COPY (SELECT range AS n, range % 3 AS k FROM range(30)) TO 'data/parts' (FORMAT parquet, PARTITION_BY (k))", '']);
  const [write, query] = ps;

  const { ctx, page, errors } = await newPage(browser, { viewport: { width: 1600, height: 1000 } });
  page.on('dialog', (d) => d.accept());
  await openNotebook(page, server, nb.id);
  const { para, finished } = paragraphs(page, { timeout: 60000, name: 'catalog-failed' });

  // waitOrToast waits for locator, failing at once with the message when an error toast shows.
  const waitOrToast = async (locator, what) => {
    const toast = page.getByTestId('toast').first();
    const r = await Promise.race([
      locator.waitFor().then(() => ({ ok: true }), (err) => ({ err })),
      toast.waitFor().then(async () => ({ toast: await toast.textContent() }), () => new Promise(() => {})),
    ]);
    if (r.ok) return;
    await shot(page, 'catalog-failed');
    if (r.err) throw r.err;
    assert.fail(`${what}: ${r.toast}`);
  };

  // Write the data: three partitions k=0, k=1, k=2 of ten rows each.
  await para(write).locator('.cm-content').click();
  await para(write).locator('.cm-content').press('Shift+Enter');
  await finished(write);

  // Crawl it through the panel.
  await page.getByTestId('catalog').click();
  const panel = page.getByTestId('catalog-panel');
  await panel.waitFor();
  await panel.getByTestId('crawl-location').fill('data/parts');
  await panel.getByTestId('crawl-table').fill('parts');
  await panel.getByTestId('crawl').click();
  const summary = panel.getByTestId('crawl-summary');
  await waitOrToast(summary.filter({ hasText: '3 new partitions' }), 'crawl');
  const row = panel.locator('[data-testid="catalog-table"][data-name="parts"]');
  await row.waitFor();
  const meta = await row.getByTestId('table-meta').textContent();
  assert.match(meta, /\b30 rows\b/);
  assert.match(meta, /\b3 partitions\b/);
  assert.equal(await row.getByTestId('table-format').textContent(), 'parquet');
  // The crawled table opens with its columns; k is marked as the partition key.
  const detail = row.getByTestId('table-detail');
  await detail.waitFor();
  assert.equal(await row.locator('[data-testid="column"][data-name="k"]').getAttribute('data-partition'), 'true');
  assert.equal(await row.locator('[data-testid="column"][data-name="n"]').getAttribute('data-partition'), null);
  assert.match(await detail.getByTestId('table-partitions').textContent(), /3 partitions by k/);
  await row.getByTestId('table-toggle').click();
  assert.ok(await detail.isHidden(), 'the toggle hides the columns');
  await row.getByTestId('table-toggle').click();
  await detail.waitFor();
  await shot(page, 'catalog-panel');

  // Tab completion offers the catalog table before any query has used it.
  await typeInto(para(query), 'SELECT count(*) FROM par');
  await tabCompletes(page, 'parts');
  await page.keyboard.press('Escape');

  // Names go in at the cursor of the paragraph being edited.
  const content = para(query).locator('.cm-content');
  await typeInto(para(query), 'SELECT count(*) FROM ');
  await row.getByTestId('table-name').click();
  await content.filter({ hasText: 'FROM parts' }).waitFor();
  await page.keyboard.insertText(' WHERE ');
  await row.locator('[data-testid="column"][data-name="k"]').getByTestId('column-name').click();
  await page.keyboard.insertText(' = 1');
  await content.filter({ hasText: 'SELECT count(*) FROM parts WHERE k = 1' }).waitFor();

  await content.press('Shift+Enter');
  await finished(query);
  const table = para(query).getByTestId('result-table');
  await table.waitFor();
  assert.match(await table.locator('tbody').textContent(), /^\s*10\s*$/);
  const stats = para(query).getByTestId('stats');
  await stats.waitFor();
  const line = await stats.textContent();
  assert.match(line, /pruned/);
  assert.equal(await para(query).getByTestId('progress').count(), 0, 'the progress is gone once the run ended');
  await shot(page, 'catalog-query');

  // Crawling again finds nothing new.
  await row.getByTestId('table-crawl').click();
  await summary.filter({ hasText: 'no changes' }).waitFor();

  // Refresh keeps the table; drop removes it.
  await panel.getByTestId('catalog-refresh').click();
  await row.waitFor();
  await row.getByTestId('drop-table').click();
  await row.waitFor({ state: 'detached' });
  const list = await server.api('GET', '/api/catalog/tables');
  assert.equal(list.status, 200);
  assert.ok(!(list.body.tables ?? []).some((t) => t.name === 'parts'), 'the table is gone from the catalog');

  assert.deepEqual(errors, []);
  await ctx.close();
});
