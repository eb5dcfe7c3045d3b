// End-to-end: checkpoint a notebook, change it, see the change, restore the checkpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, newNotebook, openNotebook } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer({ withData: false });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('checkpoint, see what changed, restore', async () => {
  const { nb, ps: [p] } = await newNotebook(server, 'versions', ['select 1 as first']);
  const ctx = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept());
  await openNotebook(page, server, nb.id);

  await page.getByTestId('history').click();
  await page.getByTestId('checkpoint-message').fill('the first version');
  await page.getByTestId('checkpoint').click();
  await page.getByTestId('revision').filter({ hasText: 'the first version' }).waitFor();

  assert.equal((await server.api('PATCH', `/api/notebooks/${nb.id}/paragraphs/${p.id}`, { text: 'select 2 as second' })).status, 200);
  const para = page.locator(`[data-testid="paragraph"][data-id="${p.id}"]`);
  await para.locator('.cm-content').filter({ hasText: 'select 2 as second' }).waitFor();

  await page.getByTestId('show-diff').first().click();
  const diff = page.getByTestId('diff');
  await diff.filter({ hasText: '+select 2 as second' }).waitFor();
  assert.match(await diff.textContent(), /-select 1 as first/);
  await shot(page, 'history');

  await page.getByTestId('restore').first().click();
  await para.locator('.cm-content').filter({ hasText: 'select 1 as first' }).waitFor();
  const saved = await server.api('GET', `/api/notebooks/${nb.id}`);
  assert.equal(saved.body.paragraphs[0].text, 'select 1 as first');
  await ctx.close();
});
