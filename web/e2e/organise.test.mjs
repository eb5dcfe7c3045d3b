// End-to-end: notebooks in folders shown as a tree, search by paragraph text as you type,
// clone, move, the trash (delete, restore into a taken name, empty).
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

/** create makes a notebook holding one Markdown paragraph of text. */
async function create(name, text) {
  return (await newNotebook(server, name, text ? [['md', text]] : [])).nb;
}

/** names lists what the tree shows, indented by depth: "team/", "  sales/", "    q3". */
async function tree(page) {
  return page.getByTestId('notebook-list').evaluate((ul) => {
    const out = [];
    const walk = (list, depth) => {
      for (const li of list.children) {
        if (li.dataset.testid === 'folder') {
          out.push('  '.repeat(depth) + li.querySelector('[data-testid="folder-name"]').textContent.trim() + '/');
          walk(li.querySelector('ul'), depth + 1);
        } else if (li.dataset.testid === 'notebook-item') {
          out.push('  '.repeat(depth) + li.querySelector('.nb-name').textContent.trim());
        }
      }
    };
    walk(ul, 0);
    return out;
  });
}

const item = (page, name) => page.locator(`[data-testid="notebook-item"][data-name="${name}"]`);

test('folders, search, clone, move, trash, restore, empty', async () => {
  await create('team/sales/q3', '# Q3\nQuarterly revenue by region, from the ledger.');
  await create('team/ops/oncall', 'Who is on call this week.');
  await create('scratch', 'Nothing about money here.');

  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  let answer = ''; // what the next prompt() is answered
  page.on('dialog', (d) => (d.type() === 'prompt' ? d.accept(answer) : d.accept()));
  await page.goto(server.url);

  // Create a notebook in a folder from the folder's own button.
  const sales = page.locator('[data-testid="folder"][data-path="team/sales"]');
  await sales.locator('.folder-row').hover();
  await sales.getByTestId('new-in-folder').click();
  assert.equal(await page.getByTestId('new-notebook-name').inputValue(), 'team/sales/');
  await page.getByTestId('new-notebook-name').press('End');
  await page.keyboard.type('q1');
  await page.getByTestId('new-notebook').click();
  await page.waitForURL(/\/notebooks\//);
  assert.equal(await page.getByTestId('notebook-name').textContent(), 'team/sales/q1');
  await page.goto(server.url.split('?')[0]);

  const all = (await tree(page)).filter((l) => !/Tutorial|tutorial/.test(l));
  assert.deepEqual(all, ['team/', '  ops/', '    oncall', '  sales/', '    q1', '    q3', 'scratch']);

  // Folders collapse, and stay collapsed across a reload.
  const team = page.locator('[data-testid="folder"][data-path="team"]');
  await team.locator('> details > summary .folder-name').click();
  await item(page, 'team/sales/q3').waitFor({ state: 'hidden' });
  await page.reload();
  assert.equal(await item(page, 'team/sales/q3').isVisible(), false);
  await team.locator('> details > summary .folder-name').click();
  await item(page, 'team/sales/q3').waitFor();
  await shot(page, 'organise-tree');

  // Search as you type finds a notebook by its paragraph text, case-insensitively.
  await page.getByTestId('search').pressSequentially('REVENUE', { delay: 30 });
  const hit = page.getByTestId('search-hit');
  await hit.first().waitFor();
  assert.equal(await hit.count(), 1);
  assert.equal(await hit.getAttribute('data-name'), 'team/sales/q3');
  assert.equal(await hit.locator('mark').first().textContent(), 'revenue');
  assert.match(await hit.getByTestId('search-snippet').textContent(), /Quarterly revenue by region/);
  assert.equal(await page.getByTestId('notebooks-view').isVisible(), false);
  await shot(page, 'organise-search');
  await page.getByTestId('search').fill('no such words anywhere');
  await page.getByTestId('no-results').waitFor();
  await page.getByTestId('search').fill('');
  await page.getByTestId('notebooks-view').waitFor();

  // Clone: a copy next to the original.
  await item(page, 'team/sales/q3').hover();
  await item(page, 'team/sales/q3').getByTestId('clone-notebook').click();
  await item(page, 'team/sales/q3 copy').waitFor();

  // Move: into a new folder.
  answer = 'archive/2026';
  await item(page, 'scratch').hover();
  await item(page, 'scratch').getByTestId('move-notebook').click();
  await item(page, 'archive/2026/scratch').waitFor();
  assert.equal(await item(page, 'scratch').count(), 0);

  // Rename a folder: what is in it moves along.
  answer = 'archive/old';
  const y2026 = page.locator('[data-testid="folder"][data-path="archive/2026"]');
  await y2026.locator('> details > summary').hover();
  await y2026.locator('> details > summary').getByTestId('rename-folder').click();
  await item(page, 'archive/old/scratch').waitFor();
  assert.equal(await page.locator('[data-testid="folder"][data-path="archive/2026"]').count(), 0);

  // Delete moves to the trash; someone who has the notebook open is told.
  const open = await ctx.newPage();
  await openNotebook(open, server, await item(page, 'team/sales/q3').getAttribute('data-id'));
  await page.bringToFront();
  await item(page, 'team/sales/q3').hover();
  await item(page, 'team/sales/q3').getByTestId('delete-notebook').click();
  await item(page, 'team/sales/q3').waitFor({ state: 'detached' });
  await open.getByTestId('closed').filter({ hasText: 'moved to the trash' }).waitFor();
  await open.close();
  await page.getByTestId('trash-count').filter({ hasText: '1' }).waitFor();
  await page.getByTestId('tab-trash').click();
  const trashed = page.locator('[data-testid="trash-item"][data-name="team/sales/q3"]');
  await trashed.waitFor();
  assert.equal(await page.getByTestId('notebooks-view').isVisible(), false);
  await shot(page, 'organise-trash');

  // Restore into a name taken meanwhile: it comes back under a new name, nothing overwritten.
  const newer = await create('team/sales/q3', 'the newer one');
  await trashed.hover();
  await trashed.getByTestId('restore-notebook').click();
  await page.getByTestId('trash-empty').waitFor();
  await page.getByTestId('toast').filter({ hasText: 'Restored as “team/sales/q3 restored”' }).waitFor();
  await page.getByTestId('tab-notebooks').click();
  await item(page, 'team/sales/q3 restored').waitFor();
  assert.equal(await item(page, 'team/sales/q3').getAttribute('data-id'), newer.id);

  // Empty the trash (after a confirm): gone for good.
  for (const name of ['team/sales/q3 copy', 'team/ops/oncall']) {
    await item(page, name).hover();
    await item(page, name).getByTestId('delete-notebook').click();
    await item(page, name).waitFor({ state: 'detached' });
  }
  // The ops folder went with its last notebook.
  assert.equal(await page.locator('[data-testid="folder"][data-path="team/ops"]').count(), 0);
  await page.getByTestId('tab-trash').click();
  assert.equal(await page.getByTestId('trash-item').count(), 2);
  await page.getByTestId('empty-trash').click();
  await page.getByTestId('trash-empty').waitFor();
  assert.equal(await page.getByTestId('trash-item').count(), 0);
  assert.ok(await page.getByTestId('empty-trash').isDisabled());
  assert.deepEqual((await server.api('GET', '/api/trash')).body.trash, []);
  await shot(page, 'organise-emptied');
  await ctx.close();
});
