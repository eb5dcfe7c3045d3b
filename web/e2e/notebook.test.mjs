// End-to-end: a new user's path, and two people on one notebook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, typeInto, shot, newNotebook, newPage, openNotebook, paragraphOf, waitConnected, waitStatus, finished, trace } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a new user opens the printed URL, runs the tutorial and sees tables', async () => {
  const { ctx, page, errors } = await newPage(browser);
  await trace(page);
  await page.goto(server.url);
  assert.ok(!page.url().includes('token='), 'the token is removed from the address bar');
  const item = page.getByTestId('notebook-item').filter({ hasText: 'Tutorial' });
  await item.waitFor();
  await shot(page, 'list');
  await item.click();
  await page.getByTestId('paragraph').first().waitFor();
  await waitConnected(page);
  await page.getByTestId('run-all').click();
  const ids = await page.getByTestId('paragraph').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.ok(ids.length >= 5, `tutorial has ${ids.length} paragraphs`);
  for (const id of ids) await finished(page, id, { name: 'tutorial-failed' });
  const count = paragraphOf(page, 'count');
  const table = count.getByTestId('result-table');
  await table.waitFor();
  assert.match(await table.textContent(), /3000000|3,000,000/);
  const all = paragraphOf(page, 'all-rows');
  assert.match(await all.getByTestId('row-count').textContent(), /3,?000,?000/);
  const go = paragraphOf(page, 'go');
  assert.match(await go.getByTestId('output').first().textContent(), /HELLO FROM GO!/);
  await shot(page, 'tutorial');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('two browsers on one notebook: one edits and runs, the other sees the edit and the output', async () => {
  const { nb, ps: [p] } = await newNotebook(server, 'together', ['select 1']);
  const id = nb.id;

  const open = async () => {
    const { ctx, page } = await newPage(browser, { viewport: { width: 1100, height: 700 } });
    await openNotebook(page, server, id);
    return { ctx, page, para: paragraphOf(page, p) };
  };
  const a = await open();
  const b = await open();

  const sql = "select origin, count(*) as n from 'data/flights-3m.parquet' group by origin order by n desc limit 3";
  await typeInto(a.para, sql);
  await a.para.locator('.cm-content').press('Shift+Enter');

  await b.para.locator('.cm-content').filter({ hasText: 'group by origin' }).waitFor();
  await waitStatus(b.page, p, 'FINISHED', { name: 'collab-failed' });
  const table = b.para.getByTestId('result-table');
  await table.waitFor();
  assert.match(await table.textContent(), /ORD/);
  assert.match(await b.para.getByTestId('row-count').textContent(), /3/);
  await shot(a.page, 'collab-a');
  await shot(b.page, 'collab-b');

  const saved = await server.api('GET', `/api/notebooks/${id}`);
  assert.equal(saved.body.paragraphs[0].text, sql);
  await a.ctx.close();
  await b.ctx.close();
});
