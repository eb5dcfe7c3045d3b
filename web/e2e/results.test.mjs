// End-to-end: results and charts. A million-row result scrolled to its last row, sorted,
// filtered, summarized and downloaded on the server; a bar chart of avg(delay) by origin that
// matches the SQL and comes back after a reload without a re-run; every chart type over the
// flights; dynamic forms (and an injection attempt that stays a string); run-all progress; and
// results kept across a server restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, typeInto, shot, artifacts, newNotebook, newPage, openNotebook, paragraphs, waitConnected } from './harness.mjs';

const FLIGHTS = "'data/flights-3m.parquet'";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** open opens a notebook page and gives helpers for its paragraphs. */
async function open(nbId, { viewport = { width: 1400, height: 1000 } } = {}) {
  const { ctx, page, errors } = await newPage(browser, { viewport, acceptDownloads: true });
  await openNotebook(page, server, nbId);
  return { ctx, page, errors, ...paragraphs(page, { timeout: 120000, name: 'results-failed' }) };
}

/** chartOf waits for a paragraph's chart to be drawn and returns the option it drew. */
async function chartOf(p, type) {
  const chart = p.locator(`[data-testid="chart"][data-state="ready"]${type ? `[data-type="${type}"]` : ''}`);
  await chart.waitFor({ timeout: 60000 });
  return chart.evaluate((el) => el.lakebookOption);
}

/** readGrid scrolls a paragraph's grid from top to bottom and returns every row's cells. */
async function readGrid(p) {
  const total = Number(await p.getByTestId('row-count').getAttribute('data-matched'));
  const rows = await p.getByTestId('grid-scroll').evaluate(async (el, total) => {
    const got = new Map();
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    el.scrollTop = 0;
    for (let i = 0; i < 4000 && got.size < total; i++) {
      await sleep(30);
      for (const tr of el.querySelectorAll('tbody tr[data-row]')) {
        if (!tr.classList.contains('loading')) got.set(Number(tr.dataset.row), [...tr.children].slice(1).map((td) => td.textContent));
      }
      if (el.scrollTop + el.clientHeight < el.scrollHeight) el.scrollTop += Math.max(24, el.clientHeight / 2);
    }
    return [...got.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }, total);
  assert.equal(rows.length, total, 'every row of the grid was read');
  return rows;
}

/** configure sets a chart through its settings bar, as a person would. */
async function configure(p, { type, keys, groups, value, agg, stacked, column, bins }) {
  const bar = p.getByTestId('chart-settings');
  if (type) await bar.getByTestId('chart-type').selectOption(type);
  const setList = async (role, names) => {
    const field = bar.getByTestId(`chart-${role}`);
    for (let i = 0; ; i++) {
      assert.ok(i < 10, `the ${role} chips can be removed`);
      const chips = await field.getByTestId(`chart-${role}-chip`).evaluateAll((els) => els.map((e) => e.dataset.column));
      const extra = chips.find((c) => !names.includes(c));
      if (extra === undefined) break;
      await field.locator(`[data-testid="chart-${role}-chip"][data-column="${extra}"] .chip-x`).click();
    }
    for (const n of names) {
      const have = await field.getByTestId(`chart-${role}-chip`).evaluateAll((els) => els.map((e) => e.dataset.column));
      if (!have.includes(n)) await field.getByTestId(`chart-${role}-add`).selectOption(n);
    }
  };
  if (keys) await setList('keys', keys);
  if (groups) await setList('groups', groups);
  if (value) await bar.getByTestId('chart-value-column').first().selectOption(value);
  if (agg) await bar.getByTestId('chart-value-agg').first().selectOption(agg);
  if (stacked !== undefined) await bar.getByTestId('chart-stacked').setChecked(stacked);
  if (column) await bar.getByTestId('chart-column').selectOption(column);
  if (bins) {
    await bar.getByTestId('chart-bins').fill(String(bins));
    await bar.getByTestId('chart-bins').press('Enter');
  }
}

test('a million rows: scroll to the last, sort, filter, column stats and download', async () => {
  const { nb, ps } = await newNotebook(server, 'million', ['SELECT range FROM range(1000000)']);
  const [p] = ps;
  const { ctx, page, errors, para, run } = await open(nb.id);
  await run(p);
  const grid = para(p);
  assert.match(await grid.getByTestId('row-count').textContent(), /^1,000,000 rows$/);
  const header = grid.locator('[data-testid="column-header"][data-column="range"]');
  assert.match(await header.textContent(), /range\s*BIGINT/);

  // Scroll to the very end: the last row arrives from the server.
  const scroll = grid.getByTestId('grid-scroll');
  await scroll.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const last = grid.locator('tbody tr[data-row="999999"]:not(.loading)');
  await last.waitFor();
  assert.equal((await last.locator('td').nth(1).textContent()).trim(), '999999');
  const drawn = await grid.locator('tbody tr[data-row]').count();
  assert.ok(drawn < 60, `only the rows in view are drawn (${drawn})`);
  // Smooth scrolling back up with the wheel stays in step.
  await scroll.hover();
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -600);
  await grid.locator('tbody tr[data-row]:not(.loading)').first().waitFor();
  await shot(page, 'results-million-end');

  // Sort on the server: descending puts 999999 first.
  await header.getByTestId('sort').click();
  assert.equal(await header.getAttribute('data-sort'), 'asc');
  await header.getByTestId('sort').click();
  assert.equal(await header.getAttribute('data-sort'), 'desc');
  const first = grid.locator('tbody tr[data-row="0"]:not(.loading) td').nth(1);
  await first.filter({ hasText: '999999' }).waitFor();
  await header.getByTestId('sort').click();
  assert.equal(await header.getAttribute('data-sort'), '');
  await first.filter({ hasText: /^0$/ }).waitFor();

  // Filter on the server: range > 999990 leaves 9 rows.
  await header.hover();
  await header.getByTestId('filter').click();
  const pop = grid.getByTestId('filter-popover');
  await pop.getByTestId('filter-op').selectOption('>');
  await pop.getByTestId('filter-value').fill('999990');
  await pop.getByTestId('filter-apply').click();
  await grid.getByTestId('row-count').filter({ hasText: '9 of 1,000,000 rows' }).waitFor();
  assert.equal(await grid.getByTestId('filter-chip').textContent(), 'range > 999990✕');
  await grid.locator('tbody tr[data-row="8"]:not(.loading) td').nth(1).filter({ hasText: '999999' }).waitFor();
  assert.equal(await grid.locator('tbody tr[data-row]').count(), 9);
  await shot(page, 'results-million-filtered');
  await grid.getByTestId('filter-chip').locator('.chip-x').click();
  await grid.getByTestId('row-count').filter({ hasText: /^1,000,000 rows$/ }).waitFor();

  // Column stats: nulls, distinct, range and a histogram.
  await grid.getByTestId('stats-toggle').click();
  const summary = grid.locator('[data-testid="column-summary"][data-column="range"]');
  await summary.waitFor({ timeout: 60000 });
  assert.match(await summary.getByTestId('summary-range').textContent(), /^0 … 999999$/);
  assert.match(await summary.getByTestId('summary-counts').textContent(), /distinct/);
  assert.ok((await summary.locator('svg rect').count()) > 1, 'a histogram sparkline');
  await shot(page, 'results-million-stats');

  // Download: the whole result as CSV.
  await grid.getByTestId('download').click();
  const [download] = await Promise.all([page.waitForEvent('download'), grid.getByTestId('download-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trimEnd().split('\n');
  assert.equal(lines[0].trim(), 'range');
  assert.equal(lines.length, 1_000_001);
  assert.equal(lines[lines.length - 1].trim(), '999999');
  assert.match(download.suggestedFilename(), /\.csv$/);
  for (const format of ['parquet', 'jsonl']) {
    const href = await grid.getByTestId(`download-${format}`).getAttribute('href');
    const res = await page.request.get(new URL(href, page.url()).href);
    assert.equal(res.status(), 200, `${format} download`);
    assert.match(res.headers()['content-disposition'] ?? '', /attachment/);
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});

let chartNotebook; // the notebook of the bar chart, opened again after a server restart

test('a bar chart of avg(delay) by origin equals the SQL and comes back after a reload without a re-run', async () => {
  const { nb, ps } = await newNotebook(server, 'delays', [
    `SELECT * FROM ${FLIGHTS}`,
    `SELECT origin, avg(delay) AS avg_delay FROM ${FLIGHTS} GROUP BY origin ORDER BY origin`,
  ]);
  chartNotebook = { nb, ps };
  const [all, direct] = ps;
  const { ctx, page, errors, para, run } = await open(nb.id);
  await run(all);
  await run(direct);

  // Chart the whole table: the defaults are the first text column and the first number, summed.
  await para(all).getByTestId('view-chart').click();
  const defaults = await chartOf(para(all), 'bar');
  assert.equal(defaults.series[0].name, 'sum(delay)');
  await configure(para(all), { agg: 'avg' });
  await para(all).getByTestId('chart').and(page.locator('[data-state="ready"]')).waitFor();
  const option = await chartOf(para(all), 'bar');
  assert.equal(option.series.length, 1);
  assert.equal(option.series[0].name, 'avg(delay)');
  const bars = new Map(option.xAxis.data.map((origin, i) => [origin, option.series[0].data[i]]));

  // The same numbers as the SQL shown in the other paragraph.
  const table = await readGrid(para(direct));
  assert.equal(bars.size, table.length, 'one bar per origin');
  for (const [origin, avg] of table) {
    const bar = bars.get(origin);
    assert.ok(bar !== undefined, `a bar for ${origin}`);
    assert.ok(Math.abs(bar - Number(avg)) <= 1e-9 * Math.max(1, Math.abs(bar)), `${origin}: bar ${bar}, SQL ${avg}`);
  }
  await shot(page, 'results-bar-avg-delay');

  // Saved in the notebook: the view and the chart.
  const before = (await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0];
  assert.equal(before.settings.view, 'chart');
  assert.deepEqual(JSON.parse(before.settings.chart).values, [{ column: 'delay', agg: 'avg' }]);

  // Reload: the chart is back, from the same run.
  await page.reload();
  await waitConnected(page);
  const again = await chartOf(para(all), 'bar');
  assert.deepEqual(again.series[0].data, option.series[0].data);
  assert.equal(await para(all).getAttribute('data-status'), 'FINISHED');
  const afterReload = (await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0];
  assert.equal(afterReload.run.runId, before.run.runId, 'no re-run');
  // Back to the table, and to the chart again, without a run either.
  await para(all).getByTestId('view-table').click();
  await para(all).getByTestId('result-table').waitFor();
  await para(all).getByTestId('view-chart').click();
  await chartOf(para(all), 'bar');
  assert.equal((await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0].run.runId, before.run.runId);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('every chart type over the flights', async () => {
  const { nb, ps } = await newNotebook(server, 'charts', [
    `SELECT origin, destination, delay, distance, date, date_trunc('day', date)::DATE AS day, dayname(date) AS weekday, hour(date) AS hour FROM ${FLIGHTS}`,
  ]);
  const [p] = ps;
  const { ctx, page, errors, para, run } = await open(nb.id, { viewport: { width: 1300, height: 900 } });
  await run(p);
  await para(p).getByTestId('view-chart').click();
  await chartOf(para(p), 'bar');

  const cases = [
    { name: 'bar', set: { type: 'bar', keys: ['origin'], groups: [], value: 'delay', agg: 'avg' }, check: (o) => assert.equal(o.series[0].type, 'bar') },
    {
      name: 'bar-stacked',
      set: { type: 'bar', keys: ['origin'], groups: ['weekday'], value: 'delay', agg: 'count', stacked: true },
      check: (o) => {
        assert.equal(o.series.length, 7);
        assert.ok(o.series.every((s) => s.stack === 'total'));
      },
    },
    { name: 'line', set: { type: 'line', keys: ['day'], groups: [], value: 'delay', agg: 'avg' }, check: (o) => assert.equal(o.series[0].type, 'line') },
    { name: 'area', set: { type: 'area', keys: ['weekday'], groups: [], value: 'distance', agg: 'avg' }, check: (o) => assert.ok(o.series[0].areaStyle) },
    { name: 'pie', set: { type: 'pie', keys: ['weekday'], value: 'delay', agg: 'count' }, check: (o) => assert.equal(o.series[0].data.length, 7) },
    {
      name: 'scatter',
      set: { type: 'scatter', keys: ['distance'], groups: [], value: 'delay' },
      check: async (o) => {
        assert.equal(o.series[0].type, 'scatter');
        assert.match(await para(p).getByTestId('chart-note').textContent(), /^sampled [\d,]+ of 3,000,000 points$/);
      },
    },
    { name: 'histogram', set: { type: 'histogram', column: 'distance', bins: 40 }, check: (o) => assert.equal(o.series[0].data.length, 40) },
    {
      name: 'heatmap',
      set: { type: 'heatmap', keys: ['weekday'], groups: ['hour'], value: 'delay', agg: 'avg' },
      check: (o) => {
        assert.equal(o.xAxis.data.length, 7);
        assert.ok(o.yAxis.data.length >= 20);
      },
    },
    {
      name: 'timeseries',
      set: { type: 'timeseries', keys: ['day'], groups: [], value: 'delay', agg: 'avg' },
      check: (o) => {
        assert.equal(o.xAxis.type, 'time');
        assert.ok(o.dataZoom.length > 0);
        assert.ok(o.series[0].data.length > 150);
      },
    },
  ];
  for (const c of cases) {
    await configure(para(p), c.set);
    const option = await chartOf(para(p), c.set.type);
    await c.check(option);
    await page.waitForTimeout(600); // the chart's animation
    await para(p).screenshot({ path: path.join(artifacts, `results-chart-${c.name}.png`) });
  }
  const saved = JSON.parse((await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0].settings.chart);
  assert.equal(saved.type, 'timeseries');
  assert.equal((await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0].run.runId, 1, 'charts never re-ran the query');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('forms: a value in a WHERE clause; an injection attempt is just a string', async () => {
  const { nb, ps } = await newNotebook(server, 'forms', [
    `SELECT origin, count(*) AS flights FROM ${FLIGHTS} WHERE origin = \${origin=SEA} GROUP BY origin`,
    'CREATE TABLE x AS SELECT 42 AS answer',
    'SELECT ${q=hello} AS v',
    'SELECT answer FROM x',
  ]);
  const [where, create, echo, check] = ps;
  const { ctx, page, errors, para, run, finished } = await open(nb.id);
  const form = para(where).locator('[data-testid="form"][data-name="origin"]');
  await form.waitFor();
  assert.equal(await form.getByTestId('form-input').inputValue(), 'SEA');
  await run(where);
  const cells = () => para(where).locator('tbody tr[data-row="0"] td');
  assert.equal(await cells().nth(1).textContent(), 'SEA');

  // A new value runs the paragraph with it, and is saved.
  const input = form.getByTestId('form-input');
  await input.fill('LAX');
  await input.press('Enter');
  await cells().nth(1).filter({ hasText: 'LAX' }).waitFor({ timeout: 60000 });
  await finished(where);
  const saved = (await server.api('GET', `/api/notebooks/${nb.id}`)).body.paragraphs[0].settings;
  assert.deepEqual(JSON.parse(saved.forms), { origin: 'LAX' });
  await shot(page, 'results-forms');

  // Typed into a form, SQL is a string.
  await run(create);
  await run(echo);
  assert.equal(await para(echo).locator('tbody tr[data-row="0"] td').nth(1).textContent(), 'hello');
  const evil = "'; drop table x; --";
  const q = para(echo).locator('[data-testid="form"][data-name="q"]').getByTestId('form-input');
  await q.fill(evil);
  await q.press('Enter');
  await para(echo).locator('tbody tr[data-row="0"] td').nth(1).filter({ hasText: 'drop table' }).waitFor({ timeout: 60000 });
  await finished(echo);
  assert.equal(await para(echo).locator('tbody tr[data-row="0"] td').nth(1).textContent(), evil);
  await run(check);
  assert.equal(await para(check).locator('tbody tr[data-row="0"] td').nth(1).textContent(), '42', 'table x is still there');

  // Forms typed into the editor appear above it.
  await typeInto(para(check), 'SELECT ${n=3} AS n, ${checkbox:c=a|b,a|b|c} AS c');
  const boxes = para(check).locator('[data-testid="form"][data-name="c"] input[type=checkbox]');
  await boxes.first().waitFor();
  assert.deepEqual(await boxes.evaluateAll((els) => els.map((e) => e.checked)), [true, true, false]);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('run all says which paragraph runs and which wait; elapsed time ticks while running', async () => {
  const { nb, ps } = await newNotebook(server, 'progress', [['go', 'import "time"\n\ntime.Sleep(4 * time.Second)\n"slept"'], 'SELECT 1 AS one', 'SELECT 2 AS two']);
  const [slow, a, b] = ps;
  const { ctx, page, errors, para, finished, status: waitStatus } = await open(nb.id);
  await page.getByTestId('run-all').click();
  const status = page.getByTestId('run-status');
  await waitStatus(slow, 'RUNNING', { timeout: 60000 });
  await status.filter({ hasText: /running paragraph 1 · 2 pending/ }).waitFor();
  assert.equal(await para(a).getAttribute('data-status'), 'PENDING');
  await para(a).getByTestId('elapsed').filter({ hasText: 'next' }).waitFor();
  await para(b).getByTestId('elapsed').filter({ hasText: '2nd in line' }).waitFor();
  assert.equal(await para(slow).getByTestId('progress').getAttribute('data-phase'), 'running');
  const t1 = await para(slow).getByTestId('elapsed').textContent();
  await page.waitForTimeout(700);
  const t2 = await para(slow).getByTestId('elapsed').textContent();
  assert.notEqual(t1, t2, `the elapsed time ticks (${t1}, ${t2})`);
  await shot(page, 'results-run-all');
  await finished(b);
  await finished(a);
  await finished(slow);
  await status.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('results come back after a server restart', async () => {
  assert.ok(chartNotebook, 'the chart test ran');
  const dir = server.dir;
  await server.stop();
  server = await startServer({ dir }); // the after() hook stops it
  const { nb, ps } = chartNotebook;
  const [all, direct] = ps;
  const { ctx, page, errors, para } = await open(nb.id);
  await para(all).getByTestId('restored').waitFor();
  assert.equal(await para(all).getAttribute('data-status'), 'FINISHED');
  const option = await chartOf(para(all), 'bar');
  assert.equal(option.series[0].name, 'avg(delay)');
  const rows = await readGrid(para(direct));
  assert.ok(rows.length > 200, 'the kept result pages');
  await shot(page, 'results-restored');
  assert.deepEqual(errors, []);
  await ctx.close();
});
