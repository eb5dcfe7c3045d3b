// End-to-end: Go paragraphs reach the data. A Go paragraph queries the 3 million flights with
// nb.Query, computes delay percentiles per origin, registers them with nb.Register and shows the
// busiest origins; a SQL paragraph queries the registered table and its result renders; a check
// in SQL recomputes the percentiles and finds no difference. Then an nb.Select input above a
// Go paragraph, whose value nb.Put hands to SQL as getvariable('origin'); and nb.Chart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, shot, artifacts, newNotebook, newPage, openNotebook, paragraphs } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const PERCENTILES = `type stat struct {
	Origin  string
	Flights int
	P50     float64
	P90     float64
	P99     float64
}

t, err := nb.Query("select origin, delay from 'data/flights-3m.parquet'")
if err != nil {
	panic(err)
}
origins, _ := t.String("origin")
delays, _ := t.Float64("delay")
by := map[string][]float64{}
for i, o := range origins {
	by[o] = append(by[o], delays[i])
}
var stats []stat
for o, ds := range by {
	sort.Float64s(ds)
	at := func(q float64) float64 { return ds[int(q*float64(len(ds)-1))] }
	stats = append(stats, stat{o, len(ds), at(0.5), at(0.9), at(0.99)})
}
sort.Slice(stats, func(i, j int) bool { return stats[i].Flights > stats[j].Flights })
if err := nb.Register("delay_pct", stats); err != nil {
	panic(err)
}
fmt.Println(t.Len(), "flights,", len(stats), "origins")
stats[:5]`;

const QUERY = `SELECT origin, flights, p50, p90, p99 FROM delay_pct ORDER BY flights DESC LIMIT 10`;

// The same percentiles in SQL: the value at index floor(q*(n-1)) of the sorted delays.
const CHECK = `WITH f AS (SELECT origin, list_sort(list(delay)) AS d FROM 'data/flights-3m.parquet' GROUP BY origin)
SELECT count(*) AS origins,
       count(*) FILTER (WHERE p.p50 <> f.d[floor(0.5*(len(f.d)-1))::INT + 1]
                          OR p.p90 <> f.d[floor(0.9*(len(f.d)-1))::INT + 1]
                          OR p.flights <> len(f.d)) AS mismatches
FROM delay_pct p JOIN f USING (origin)`;

const PICK = `o := nb.Select("origin", "SEA", "SEA", "SFO", "LAX")
nb.Put("origin", o)
fmt.Println("origin:", o)`;

const PICKED = `SELECT origin, flights FROM delay_pct WHERE origin = getvariable('origin')`;

// A chart the code asks for, over the Go values of the first paragraph (the kernel keeps them).
const CHART = `nb.Chart{Type: "bar", Data: stats[:10], Keys: []string{"Origin"}, Values: []string{"P90"}}`;

// HTML and Markdown, sanitized by the server: the kernel runs user code.
const RICH = `nb.Show(nb.Markdown("**Busiest:** " + stats[0].Origin))
nb.HTML("<i>html</i><img src=x onerror=\\"document.title='pwned'\\"><script>document.title='pwned'</script>")`;

test('a Go paragraph computes percentiles from the flights and registers them; SQL queries them', async () => {
  const { nb, ps } = await newNotebook(server, 'go data', [['go', PERCENTILES], ['sql', QUERY], ['sql', CHECK], ['go', PICK], ['sql', PICKED], ['go', CHART], ['go', RICH]]);
  const [goPara, sqlPara, checkPara, pickPara, pickedPara, chartPara, richPara] = ps;
  const { ctx, page, errors } = await newPage(browser, { viewport: { width: 1400, height: 1100 } });
  await openNotebook(page, server, nb.id);
  const { para, run } = paragraphs(page, { timeout: 180000, name: 'gokernel-failed' });
  const cells = (p, row) => para(p).locator(`tbody tr[data-row="${row}"] td`).evaluateAll((tds) => tds.slice(1).map((td) => td.textContent));

  // The Go paragraph: what it printed, and its final value (the five busiest origins) as a table.
  await run(goPara);
  const text = await para(goPara).textContent();
  assert.match(text, /3000000 flights, \d+ origins/);
  assert.match(await para(goPara).getByTestId('row-count').textContent(), /^5 rows$/);
  const goTop = await cells(goPara, 0);
  assert.equal(goTop[0], 'ORD', 'the busiest origin first');
  const goOrigins = [];
  for (let r = 0; r < 5; r++) goOrigins.push((await cells(goPara, r))[0]);

  // The table nb.Show made lives on the server like a SQL result: it charts (over the 5 rows).
  await para(goPara).getByTestId('view-chart').click();
  const chart = para(goPara).locator('[data-testid="chart"][data-state="ready"]');
  await chart.waitFor({ timeout: 60000 });
  const option = await chart.evaluate((el) => el.lakebookOption);
  assert.deepEqual(option.xAxis.data.slice().sort(), goOrigins.slice().sort());
  await shot(page, 'gokernel-chart');
  await para(goPara).getByTestId('view-table').click();

  // SQL reads the registered table; the result renders like any SQL result.
  await run(sqlPara);
  assert.match(await para(sqlPara).getByTestId('row-count').textContent(), /^10 rows$/);
  const sqlTop = await cells(sqlPara, 0);
  assert.deepEqual(sqlTop, goTop, 'SQL sees what Go computed');
  await run(checkPara);
  const [origins, mismatches] = await cells(checkPara, 0);
  assert.ok(Number(origins.replace(/,/g, '')) > 200, `${origins} origins`);
  assert.equal(mismatches, '0', 'the percentiles Go computed are the ones SQL computes');
  await shot(page, 'gokernel-percentiles');

  // An input above a Go paragraph; its value goes to SQL through nb.Put.
  const form = para(pickPara).locator('[data-testid="form"][data-name="origin"]');
  await form.waitFor();
  await run(pickPara);
  assert.match(await para(pickPara).textContent(), /origin: SEA/);
  await run(pickedPara);
  assert.equal((await cells(pickedPara, 0))[0], 'SEA');
  await form.getByTestId('form-input').selectOption('LAX');
  await para(pickPara).filter({ hasText: 'origin: LAX' }).waitFor({ timeout: 60000 });
  await run(pickedPara);
  assert.equal((await cells(pickedPara, 0))[0], 'LAX');
  await shot(page, 'gokernel-select');

  // nb.Chart: the page draws the chart the code asked for, from the whole table on the server.
  await run(chartPara);
  const asked = para(chartPara).locator('[data-testid="chart"][data-state="ready"][data-type="bar"]');
  await asked.waitFor({ timeout: 60000 });
  const drawn = await asked.evaluate((el) => el.lakebookOption);
  assert.equal(drawn.xAxis.data.length, 10);
  assert.equal(drawn.series[0].name, 'sum(P90)');
  const p90 = new Map(drawn.xAxis.data.map((o, i) => [o, drawn.series[0].data[i]]));
  assert.equal(p90.get('ORD'), Number((await cells(sqlPara, 0))[3]));
  await shot(page, 'gokernel-nbchart');

  await run(richPara);
  const html = para(richPara).locator('[data-testid="output"][data-type="html"]');
  assert.equal(await html.count(), 2);
  assert.equal(await html.nth(0).locator('strong').textContent(), 'Busiest:');
  assert.match(await html.nth(0).textContent(), /Busiest: ORD/);
  assert.equal(await html.nth(1).locator('i').textContent(), 'html');
  assert.equal(await html.nth(1).locator('script, [onerror]').count(), 0);
  assert.notEqual(await page.title(), 'pwned');
  await para(richPara).screenshot({ path: path.join(artifacts, 'gokernel-rich.png') });

  assert.deepEqual(errors, []);
  await ctx.close();
});
