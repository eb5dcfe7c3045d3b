// Command results measures what a person waits for in the browser, against the real server and
// Debian's Chromium:
//
//   - a 1,000,000-row SQL result: from Run to the query finishing, and from the query finishing
//     to the grid's first rows painted (target ≤ 300 ms);
//   - a bar chart of avg(delay) by origin over the 3,000,000 flights: from the query finishing
//     to the chart drawn (the engine's pivot, its transfer and ECharts; target ≤ 500 ms), and a
//     new pivot of the same result (another aggregation) to drawn;
//   - the server's resident memory (now and its peak) and the page's JavaScript heap after each.
//
//   LAKEBOOK_BIN=bin/lakebook node bench/results/main.mjs [runs]
//
// Each run uses a new paragraph, so nothing is cached in the browser. Times come from the page's
// own clock (performance.now), marked by a MutationObserver and the next animation frame.
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, newNotebook, addParagraph, notebookURL, waitConnected, paragraphOf } from '../../web/e2e/harness.mjs';

const runs = Number(process.argv[2] ?? 5);
const FLIGHTS = "'data/flights-3m.parquet'";

const server = await startServer();
const browser = await launchBrowser();
try {
  const { nb } = await newNotebook(server, 'bench-results');
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  // Not openNotebook: its trace would add its own listeners to the clicks being timed.
  await page.goto(notebookURL(server, nb.id));
  await waitConnected(page);

  /** add appends a SQL paragraph and waits until the page shows it. */
  const add = async (text, settings) => {
    const p = await addParagraph(server, nb.id, 'sql', text, { settings });
    await paragraphOf(page, p).waitFor();
    return p;
  };

  /**
   * timeRun clicks Run on a paragraph and resolves to the page-clock times (ms after the click)
   * of the query finishing and of `selector` appearing in the paragraph, painted.
   */
  const timeRun = async (p, selector) => {
    const para = paragraphOf(page, p);
    await page.evaluate(
      ({ id, selector }) => {
        const el = document.querySelector(`[data-testid="paragraph"][data-id="${id}"]`);
        const t = (window.__bench = { start: 0, finished: 0, shown: 0 });
        t.done = new Promise((resolve) => {
          const check = () => {
            const now = performance.now();
            if (!t.finished && el.dataset.status === 'FINISHED') t.finished = now;
            if (el.dataset.status === 'ERROR') resolve(`error: ${el.textContent}`);
            if (t.finished && !t.seen && el.querySelector(selector)) {
              t.seen = true;
              requestAnimationFrame(() => setTimeout(() => { t.shown = performance.now(); obs.disconnect(); resolve('ok'); }));
            }
          };
          const obs = new MutationObserver(check);
          obs.observe(el, { subtree: true, childList: true, attributes: true });
        });
        el.querySelector('[data-testid="run"]').addEventListener('click', () => { t.start = performance.now(); }, { once: true, capture: true });
      },
      { id: p.id, selector },
    );
    await para.getByTestId('run').click();
    const status = await page.evaluate(() => window.__bench.done);
    if (status !== 'ok') throw new Error(status);
    return page.evaluate(() => ({ query: window.__bench.finished - window.__bench.start, shown: window.__bench.shown - window.__bench.finished }));
  };

  const memory = async () => {
    const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const kb = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))[1]);
    return { serverRSS: kb('VmRSS') * 1024, serverPeak: kb('VmHWM') * 1024, jsHeap: m.JSHeapUsedSize };
  };

  const table = [];
  for (let i = 0; i < runs; i++) {
    const p = await add(`SELECT range AS n, range % 97 AS k, 'row ' || range AS label FROM range(1000000) -- ${i}`);
    table.push(await timeRun(p, 'tbody tr[data-row]:not(.loading)'));
  }
  const memTable = await memory();

  const chart = JSON.stringify({ type: 'bar', keys: ['origin'], values: [{ column: 'delay', agg: 'avg' }] });
  const charts = [];
  const repivots = [];
  for (let i = 0; i < runs; i++) {
    const p = await add(`SELECT * FROM ${FLIGHTS} -- ${i}`, { view: 'chart', chart });
    charts.push(await timeRun(p, '[data-testid="chart"][data-state="ready"]'));
    // Another aggregation of the same result: only the pivot, no query.
    const para = paragraphOf(page, p);
    const t0 = await page.evaluate(() => performance.now());
    await para.getByTestId('chart-value-agg').first().selectOption('median');
    await para.locator('[data-testid="chart"][data-state="ready"]').waitFor();
    repivots.push((await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now())))))) - t0);
  }
  const memChart = await memory();

  const q = (xs, f) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(f * s.length))];
  };
  const ms = (x) => `${x.toFixed(0)} ms`;
  const mib = (x) => `${(x / (1 << 20)).toFixed(0)} MiB`;
  const row = (name, xs, target) => console.log(`${name.padEnd(52)} ${ms(q(xs, 0.5)).padStart(8)} ${ms(q(xs, 1)).padStart(8)}   ${target}`);
  console.log(`lakebook results in Chromium, ${runs} runs each                    p50      max   target`);
  row('1M rows: Run → query finished', table.map((x) => x.query), '');
  row('1M rows: query finished → first rows painted', table.map((x) => x.shown), '≤ 300 ms');
  row('3M flights: Run → query finished', charts.map((x) => x.query), '');
  row('3M flights: query finished → bar chart avg(delay) drawn', charts.map((x) => x.shown), '≤ 500 ms');
  row('3M flights: new aggregation → chart drawn', repivots, '≤ 500 ms');
  console.log(`memory after the 1M-row results: server RSS ${mib(memTable.serverRSS)} (peak ${mib(memTable.serverPeak)}), page JS heap ${mib(memTable.jsHeap)}`);
  console.log(`memory after the charts:         server RSS ${mib(memChart.serverRSS)} (peak ${mib(memChart.serverPeak)}), page JS heap ${mib(memChart.jsHeap)}`);
  await ctx.close();
} finally {
  await browser.close();
  await server.stop();
}
