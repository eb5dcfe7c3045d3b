// End-to-end: shareable chart links. A chart is shared from its paragraph's Share dialog; a
// fresh browser without cookies opens the link and sees the chart with the right data, while
// the API and the notebook answer it 401; the server-drawn PNG decodes; a snapshot outlives its
// notebook; revoking on the Shares page and expiring make the link 410 Gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, shot, artifacts } from './harness.mjs';

const FLIGHTS = "'data/flights-3m.parquet'";
const SQL = `select origin, delay from ${FLIGHTS} where origin in ('SEA', 'SFO', 'LAX', 'ORD', 'JFK', 'DEN')`;
const CHART = { type: 'bar', keys: ['origin'], values: [{ column: 'delay', agg: 'avg' }] };

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function chartNotebook(name) {
  const nb = (await server.api('POST', '/api/notebooks', { name })).body;
  const p = (await server.api('POST', `/api/notebooks/${nb.id}/paragraphs`, { lang: 'sql', text: SQL })).body;
  await server.api('PATCH', `/api/notebooks/${nb.id}/paragraphs/${p.id}`, { settings: { view: 'chart', chart: JSON.stringify(CHART) } });
  const run = await server.api('POST', `/api/notebooks/${nb.id}/paragraphs/${p.id}/run`);
  assert.equal(run.body.status, 'FINISHED', JSON.stringify(run.body));
  return { nb, p };
}

/** expectedAvg asks the engine, through the API, for SEA's average delay. */
async function expectedAvg() {
  const nb = (await server.api('POST', '/api/notebooks', { name: 'check-' + Math.random().toString(36).slice(2) })).body;
  const p = (await server.api('POST', `/api/notebooks/${nb.id}/paragraphs`, { lang: 'sql', text: `select avg(delay) as a from ${FLIGHTS} where origin = 'SEA'` })).body;
  const run = await server.api('POST', `/api/notebooks/${nb.id}/paragraphs/${p.id}/run`);
  return run.body.outputs.find((o) => o.type === 'table').rows[0][0];
}

/** stranger is a fresh browser context: no cookie, no token. */
async function stranger() {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { ctx, page, errors };
}

test('share a chart: a stranger sees only it; PNG; snapshot outlives the notebook; revoke and expiry give 410', async () => {
  const { nb, p } = await chartNotebook('shared flights');

  // The owner shares from the paragraph's Share dialog.
  const owner = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const op = await owner.newPage();
  await op.goto(server.url.replace('/?', `/notebooks/${nb.id}?`));
  await op.getByTestId('connection').filter({ hasText: 'connected' }).waitFor();
  const para = op.locator(`[data-testid="paragraph"][data-id="${p.id}"]`);
  await para.locator('[data-testid="chart"][data-state="ready"]').waitFor({ timeout: 60000 });
  await para.getByTestId('share').click();
  const dlg = op.getByTestId('share-dialog');
  await dlg.waitFor();
  await dlg.getByTestId('share-table-opt').check();
  await dlg.getByTestId('share-csv-opt').check();
  await dlg.getByTestId('share-create').click();
  const urlBox = dlg.getByTestId('share-url');
  await urlBox.and(op.locator(':not([value=""])')).waitFor();
  await op.waitForFunction(() => document.querySelector('[data-testid="share-url"]')?.value.includes('/s/'));
  const link = await urlBox.inputValue();
  assert.match(link, /\/s\/[A-Za-z0-9_-]{43}$/);
  await shot(op, 'share-dialog');

  // A stranger opens it: the chart with the right numbers, the table, the CSV link.
  const s = await stranger();
  const res = await s.page.goto(link);
  assert.equal(res.status(), 200);
  await s.page.locator('[data-testid="share-chart"][data-state="drawn"]').waitFor({ timeout: 30000 });
  assert.equal(await s.page.getByTestId('share-title').textContent(), 'shared flights');
  assert.match(await s.page.getByTestId('share-asof').textContent(), /as of \d{4}-\d\d-\d\d/);
  const data = JSON.parse(await s.page.locator('#share-data').textContent());
  const sea = data.pivot.rows.find((r) => r[0] === 'SEA');
  const want = await expectedAvg();
  assert.ok(Math.abs(sea[1] - want) < 1e-9, `SEA avg delay ${sea[1]}, want ${want}`);
  assert.ok(await s.page.getByTestId('share-table').isVisible());
  assert.match(await s.page.getByTestId('share-rows-note').textContent(), /first 200 of \d+ rows/);
  assert.ok(await s.page.getByTestId('share-csv').isVisible());
  assert.deepEqual(s.errors, [], 'no script or CSP errors on the share page');
  const body = await s.page.content();
  assert.ok(!body.includes('flights-3m.parquet'), 'the page does not show the query');
  await shot(s.page, 'share-page');

  // The same stranger gets nothing else.
  for (const p2 of ['/api/notebooks', `/api/notebooks/${nb.id}`, '/api/shares', `/notebooks/${nb.id}`, '/', '/shares']) {
    const r = await s.ctx.request.get(server.base + p2, { maxRedirects: 0 });
    assert.equal(r.status(), 401, `${p2} answered ${r.status()}`);
  }

  // The server-drawn PNG: a real 1200×630 picture that decodes.
  const png = await s.ctx.request.get(link + '.png');
  assert.equal(png.status(), 200);
  assert.equal(png.headers()['content-type'], 'image/png');
  const buf = await png.body();
  assert.ok(buf.length > 10_000, `png of ${buf.length} bytes`);
  assert.equal(buf.readUInt32BE(16), 1200);
  assert.equal(buf.readUInt32BE(20), 630);
  writeFileSync(path.join(artifacts, 'share-chart.png'), buf);
  const decoded = await s.page.evaluate(async (u) => {
    const img = new Image();
    img.src = u;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, link + '.png');
  assert.deepEqual(decoded, [1200, 630]);
  const og = await s.page.locator('meta[property="og:image"]').getAttribute('content');
  assert.equal(og, link + '.png');

  // The snapshot outlives its notebook.
  assert.equal((await server.api('DELETE', `/api/notebooks/${nb.id}`)).status, 200);
  assert.equal((await server.api('DELETE', '/api/trash')).status, 200);
  const again = await s.page.goto(link);
  assert.equal(again.status(), 200);
  await s.page.locator('[data-testid="share-chart"][data-state="drawn"]').waitFor();

  // Revoke on the Shares page; the next request is 410.
  await op.goto(server.base + '/shares');
  const row = op.locator(`[data-testid="share-item"][data-token="${link.split('/s/')[1]}"]`);
  assert.equal(await row.getByTestId('share-views').textContent(), '2');
  await shot(op, 'shares-page');
  await row.getByTestId('share-revoke').click();
  await op.locator(`[data-testid="share-item"][data-state="revoked"]`).waitFor();
  const gone = await s.page.goto(link);
  assert.equal(gone.status(), 410);
  assert.match(await s.page.getByTestId('share-missing').textContent(), /revoked/);
  await shot(s.page, 'share-revoked');
  assert.equal((await s.ctx.request.get(link + '.png')).status(), 410);
  await s.ctx.close();
  await owner.close();
});

test('an expired link answers 410; a live link renders', async () => {
  const { nb, p } = await chartNotebook('expiring');
  const expires = new Date(Date.now() + 2000).toISOString();
  const l = (await server.api('POST', '/api/shares', { notebook: nb.id, paragraph: p.id, mode: 'snapshot', expires })).body;
  const live = (await server.api('POST', '/api/shares', { notebook: nb.id, paragraph: p.id, mode: 'live', maxAge: 60 })).body;
  const s = await stranger();
  assert.equal((await s.page.goto(server.base + l.url)).status(), 200);
  assert.equal((await s.page.goto(server.base + live.url)).status(), 200);
  await s.page.locator('[data-testid="share-chart"][data-state="drawn"]').waitFor({ timeout: 30000 });
  assert.match(await s.page.getByTestId('share-mode').textContent(), /live, refreshed at most every 1 min/);

  // The owner changes the live link's expiry on the Shares page: a past time is refused with a
  // message, a future one is kept.
  const owner = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const op = await owner.newPage();
  await op.goto(server.url.replace('/?', '/shares?'));
  const row = op.locator(`[data-testid="share-item"][data-token="${live.token}"]`);
  await row.getByTestId('share-expires').fill('2001-01-01T00:00');
  await op.getByTestId('shares-error').filter({ hasText: 'in the past' }).waitFor();
  await row.getByTestId('share-expires').fill('2099-06-30T12:00');
  await op.waitForLoadState('load');
  await op.waitForFunction((tok) => document.querySelector(`[data-token="${tok}"] [data-testid="share-expires"]`)?.value === '2099-06-30T12:00', live.token);
  const listed = (await server.api('GET', '/api/shares')).body.shares.find((x) => x.token === live.token);
  assert.equal(listed.expires, '2099-06-30T12:00:00Z');
  await owner.close();

  await new Promise((r) => setTimeout(r, 2200));
  const res = await s.page.goto(server.base + l.url);
  assert.equal(res.status(), 410);
  assert.match(await s.page.getByTestId('share-missing').textContent(), /expired/);
  assert.deepEqual(s.errors.filter((e) => !e.includes('410')), []);
  await s.ctx.close();
});

// A Go paragraph's chart (nb.Chart, over a table nb.Query read): the notebook shows it as a
// chart with no saved view, and its share shows that chart, frozen, on the page and the PNG.
const GO_CHART = `t, err := nb.Query(\`${SQL}\`)
if err != nil {
	panic(err)
}
nb.Chart{Type: "bar", Data: t, Keys: []string{"origin"}, Values: []string{"avg(delay)"}}`;

test("a Go paragraph's nb.Chart is shared as that chart: page and PNG", async () => {
  const nb = (await server.api('POST', '/api/notebooks', { name: 'go chart' })).body;
  const p = (await server.api('POST', `/api/notebooks/${nb.id}/paragraphs`, { lang: 'go', text: GO_CHART })).body;
  const run = await server.api('POST', `/api/notebooks/${nb.id}/paragraphs/${p.id}/run`);
  assert.equal(run.body.status, 'FINISHED', JSON.stringify(run.body));

  const owner = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const op = await owner.newPage();
  await op.goto(server.url.replace('/?', `/notebooks/${nb.id}?`));
  const para = op.locator(`[data-testid="paragraph"][data-id="${p.id}"]`);
  await para.locator('[data-testid="chart"][data-state="ready"][data-type="bar"]').waitFor({ timeout: 60000 });
  await para.getByTestId('share').click();
  const dlg = op.getByTestId('share-dialog');
  await dlg.getByTestId('share-create').click();
  await op.waitForFunction(() => document.querySelector('[data-testid="share-url"]')?.value.includes('/s/'));
  const link = await dlg.getByTestId('share-url').inputValue();

  const s = await stranger();
  assert.equal((await s.page.goto(link)).status(), 200);
  await s.page.locator('[data-testid="share-chart"][data-state="drawn"]').waitFor({ timeout: 30000 });
  const data = JSON.parse(await s.page.locator('#share-data').textContent());
  assert.equal(data.chart.type, 'bar');
  assert.deepEqual(data.chart.keys, ['origin']);
  const sea = data.pivot.rows.find((r) => r[0] === 'SEA');
  const want = await expectedAvg();
  assert.ok(sea && Math.abs(sea[1] - want) < 1e-9, `SEA avg delay ${sea?.[1]}, want ${want}`);
  assert.equal(await s.page.locator('[data-testid="share-chart"] canvas').count(), 1, 'the chart is drawn on a canvas');
  assert.deepEqual(s.errors, [], 'no script or CSP errors on the share page');
  await shot(s.page, 'share-go-chart');

  const png = await s.ctx.request.get(link + '.png');
  assert.equal(png.status(), 200);
  const buf = await png.body();
  assert.ok(buf.length > 10_000, `png of ${buf.length} bytes`);
  assert.equal(buf.readUInt32BE(16), 1200);
  writeFileSync(path.join(artifacts, 'share-go-chart-server.png'), buf);
  await s.ctx.close();
  await owner.close();
});
