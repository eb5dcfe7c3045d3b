// End-to-end: a new user's path, and two people on one notebook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, typeInto, shot } from './harness.mjs';

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
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  assert.ok(!page.url().includes('token='), 'the token is removed from the address bar');
  const item = page.getByTestId('notebook-item').filter({ hasText: 'Tutorial' });
  await item.waitFor();
  await shot(page, 'list');
  await item.click();
  await page.getByTestId('paragraph').first().waitFor();
  await page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor();
  await page.getByTestId('run-all').click();
  const paragraphs = page.getByTestId('paragraph');
  const n = await paragraphs.count();
  assert.ok(n >= 5, `tutorial has ${n} paragraphs`);
  for (let i = 0; i < n; i++) {
    const p = paragraphs.nth(i);
    await p.and(page.locator('[data-status="FINISHED"]')).waitFor({ timeout: 60000 }).catch(async (e) => {
      await shot(page, 'tutorial-failed');
      throw new Error(`paragraph ${i} did not finish: status ${await p.getAttribute('data-status')}: ${await p.textContent()}`);
    });
  }
  const count = page.locator('[data-testid="paragraph"][data-id="count"]');
  const table = count.getByTestId('result-table');
  await table.waitFor();
  assert.match(await table.textContent(), /3000000|3,000,000/);
  const all = page.locator('[data-testid="paragraph"][data-id="all-rows"]');
  assert.match(await all.getByTestId('row-count').textContent(), /3,?000,?000/);
  const go = page.locator('[data-testid="paragraph"][data-id="go"]');
  assert.match(await go.getByTestId('output').first().textContent(), /HELLO FROM GO!/);
  await shot(page, 'tutorial');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('two browsers on one notebook: one edits and runs, the other sees the edit and the output', async () => {
  const created = await server.api('POST', '/api/notebooks', { name: 'together' });
  assert.equal(created.status, 201);
  const id = created.body.id;
  const para = await server.api('POST', `/api/notebooks/${id}/paragraphs`, { lang: 'sql', text: 'select 1' });
  assert.equal(para.status, 201);

  const open = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await ctx.newPage();
    await page.goto(server.url.replace('/?', `/notebooks/${id}?`));
    await page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor();
    return { ctx, page, para: page.locator(`[data-testid="paragraph"][data-id="${para.body.id}"]`) };
  };
  const a = await open();
  const b = await open();

  const sql = "select origin, count(*) as n from 'data/flights-3m.parquet' group by origin order by n desc limit 3";
  await typeInto(a.para, sql);
  await a.para.locator('.cm-content').press('Shift+Enter');

  await b.para.locator('.cm-content').filter({ hasText: 'group by origin' }).waitFor();
  await b.para.and(b.page.locator('[data-status="FINISHED"]')).waitFor({ timeout: 30000 });
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
