// End-to-end: what a person sees when things go wrong — bad SQL, Go that does not compile, a
// paragraph that runs forever, an edit that collides with someone else's, hostile Markdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, typeInto, shot, artifacts, newNotebook, addParagraph, openNotebook, paragraphOf, waitStatus, waitConnected, tabCompletes } from './harness.mjs';

let server, browser, page, ctx, nbID;
before(async () => {
  server = await startServer({ withData: false });
  browser = await launchBrowser();
  nbID = (await newNotebook(server, 'trouble')).nb.id;
  ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await ctx.newPage();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const paragraph = async (lang, text) => (await addParagraph(server, nbID, lang, text)).id;
const open = () => openNotebook(page, server, nbID);
const para = (id) => paragraphOf(page, id);
const status = (id, s) => waitStatus(page, id, s);

test('bad SQL and bad Go show the error with its line under the paragraph', async () => {
  const sql = await paragraph('sql', 'select 1,\n  2 +\nfrom nowhere where');
  const go = await paragraph('go', 'x := 1\ny := x +\n');
  await open();
  await para(sql).getByTestId('run').click();
  await status(sql, 'ERROR');
  const sqlErr = await para(sql).getByTestId('error').textContent();
  assert.match(sqlErr, /syntax error/i);
  assert.match(sqlErr, /line 3/i);
  await para(go).getByTestId('run').click();
  await status(go, 'ERROR');
  const goErr = await para(go).getByTestId('error').textContent();
  assert.match(goErr, /end of the paragraph/);
  assert.match(goErr, /line 2/i);
  await shot(page, 'errors');
});

test('Cancel stops a Go paragraph that runs forever, and the kernel keeps its variables', async () => {
  const setup = await paragraph('go', 'kept := "still here"');
  const forever = await paragraph('go', 'n := 0\nfor {\n\tn++\n}');
  const after = await paragraph('go', 'kept');
  await open();
  await para(setup).getByTestId('run').click();
  await status(setup, 'FINISHED');
  await para(forever).getByTestId('run').click();
  await status(forever, 'RUNNING');
  await page.waitForTimeout(300);
  await para(forever).getByTestId('cancel').click();
  await status(forever, 'ABORTED');
  await para(after).getByTestId('run').click();
  await status(after, 'FINISHED');
  assert.match(await para(after).getByTestId('output').first().textContent(), /still here/);
});

test('Cancel interrupts a long SQL query', async () => {
  const slow = await paragraph('sql', 'select count(*) from range(1000000000000) a');
  await open();
  await para(slow).getByTestId('run').click();
  await status(slow, 'RUNNING');
  await para(slow).getByTestId('cancel').click();
  await status(slow, 'ABORTED');
});

test("an edit that collides with someone else's is shown, not silently lost", async () => {
  const id = await paragraph('sql', 'select 1');
  await open();
  await typeInto(para(id), 'select 2 -- mine');
  // Someone else saves the same paragraph before this page's edit reaches the server.
  const theirs = await server.api('PATCH', `/api/notebooks/${nbID}/paragraphs/${id}`, { text: 'select 3 -- theirs' });
  assert.equal(theirs.status, 200);
  const notice = para(id).getByTestId('conflict');
  await notice.waitFor();
  assert.match(await notice.textContent(), /select 2 -- mine/);
  await para(id).locator('.cm-content').filter({ hasText: 'select 3 -- theirs' }).waitFor();
  await shot(page, 'conflict');
});

test('a Run clicked while the connection is down runs once it is back', async () => {
  const id = await paragraph('sql', "select 'ran after the reconnect' as said");
  const page2 = await ctx.newPage();
  // The page's websocket goes through a route the test can cut, and that holds the reconnect
  // until the test lets it through.
  const sockets = [];
  let release;
  const released = new Promise((r) => { release = r; });
  await page2.routeWebSocket(/\/ws\/notebooks\//, async (ws) => {
    sockets.push(ws);
    if (sockets.length > 1) await released;
    ws.connectToServer();
  });
  await openNotebook(page2, server, nbID);
  await sockets[0].close();
  await page2.getByTestId('connection').filter({ hasText: 'reconnecting' }).waitFor();
  await paragraphOf(page2, id).getByTestId('run').click();
  await page2.getByTestId('toast').filter({ hasText: 'runs once the connection is back' }).waitFor();
  await shot(page2, 'run-while-reconnecting');
  release();
  await waitStatus(page2, id, 'FINISHED');
  assert.match(await paragraphOf(page2, id).getByTestId('result-table').textContent(), /ran after the reconnect/);
  await page2.close();
});

test('Markdown with scripts and handlers renders without them', async () => {
  const id = await paragraph('md', '# Safe\n\n<img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> [x](javascript:window.pwned=3)');
  await open();
  await para(id).getByTestId('run').click();
  await status(id, 'FINISHED');
  const html = await para(id).getByTestId('output').first().innerHTML();
  assert.doesNotMatch(html, /onerror|<script|javascript:/i);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await para(id).locator('a').first().click().catch(() => {});
  assert.equal(await page.evaluate(() => window.pwned), undefined);
});

test('Restart kernels is one click and says what was lost; Run all above runs the paragraphs above', async () => {
  // A notebook of its own: "run all above" must not meet the endless paragraphs of other tests.
  nbID = (await newNotebook(server, 'kernels')).nb.id;
  const a = await paragraph('go', 'counter := 40');
  const b = await paragraph('go', 'counter += 2');
  const c = await paragraph('go', 'counter');
  await open();
  await para(c).getByTestId('run-above').click();
  await status(b, 'FINISHED');
  await status(a, 'FINISHED');
  await para(c).getByTestId('run').click();
  await status(c, 'FINISHED');
  assert.match(await para(c).getByTestId('output').first().textContent(), /42/);

  await page.getByTestId('restart-kernel').click();
  await page.getByTestId('toast').filter({ hasText: 'variables are gone' }).waitFor();
  await para(c).getByTestId('run').click();
  await status(c, 'ERROR');
  assert.match(await para(c).getByTestId('error').textContent(), /undefined: counter/);
});

test('Tab completes Go package members and SQL table names from the kernel', async () => {
  nbID = (await newNotebook(server, 'completion')).nb.id;
  const go = await paragraph('go', '');
  const sql = await paragraph('sql', 'create temp table flights_2001 as select 1 as delay');
  await open();
  await para(sql).getByTestId('run').click();
  await status(sql, 'FINISHED');

  const goEditor = para(go).locator('.cm-content');
  await goEditor.click();
  await page.keyboard.insertText('strings.ToU');
  await tabCompletes(page, 'ToUpper');
  // Not a full-page shot: resizing the page closes the completion list.
  await page.screenshot({ path: path.join(artifacts, 'completion.png') });
  await page.keyboard.press('Tab');
  await goEditor.filter({ hasText: 'strings.ToUpper' }).waitFor();

  const sql2 = await paragraph('sql', '');
  await page.reload();
  await waitConnected(page);
  const sqlEditor = para(sql2).locator('.cm-content');
  await sqlEditor.click();
  await page.keyboard.insertText('select * from flights_');
  await tabCompletes(page, 'flights_2001');
  await page.keyboard.press('Tab');
  await sqlEditor.filter({ hasText: 'from flights_2001' }).waitFor();
});
