// Shared setup for the browser tests: a real lakebook server process on a free port with a
// fresh workspace holding the sample data, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = path.join(root, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

const TOKEN = 'e2e-token-' + Math.random().toString(36).slice(2);

/** Starts `lakebook serve` on a new workspace (or on the workspace dir, as a restart would);
 * resolves to { url, base, token, dir, stop }. */
export async function startServer({ withData = true, dir } = {}) {
  const bin = process.env.LAKEBOOK_BIN || path.join(root, 'bin/lakebook');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build`);
  const fresh = !dir;
  dir ??= mkdtempSync(path.join(tmpdir(), 'lakebook-e2e-'));
  if (fresh && withData) {
    const data = process.env.LAKEBOOK_DATA || path.join(root, 'node_modules/vega-datasets/data');
    mkdirSync(path.join(dir, 'data'));
    // A copy, not a symlink: the engine confines SQL to the workspace and resolves links.
    for (const f of ['flights-3m.parquet', 'airports.csv']) copyFileSync(path.join(data, f), path.join(dir, 'data', f));
  }
  const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--dir', dir], {
    env: { ...process.env, LAKEBOOK_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + stderr)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/\S+\/\?token=\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  const base = new URL(url).origin;
  return {
    url, base, token: TOKEN, dir, pid: proc.pid,
    stderr: () => stderr,
    async api(method, p, body) {
      const res = await fetch(base + p, {
        method,
        headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => { if (proc.exitCode !== null) r(); else proc.on('exit', r); });
    },
  };
}

/** newPage opens a page in a new browser context (options as browser.newContext's) and
 * collects the page's uncaught errors in `errors`, which a test expects to stay empty. */
export async function newPage(browser, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { ctx, page, errors };
}

/** Launches headless Chromium from Debian's package. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Replaces the text of a paragraph's CodeMirror editor, as a person would with the keyboard. */
export async function typeInto(paragraph, text) {
  const content = paragraph.locator('.cm-content');
  await content.click();
  await content.press('Control+a');
  await content.press('Delete');
  await paragraph.page().keyboard.insertText(text);
}

/**
 * tabCompletes presses Tab in the focused editor and waits for the completion list to offer
 * label. The kernels answer a completion within a short time or not at all (a late list is worse
 * than none), so on a loaded machine the first Tab may open nothing; a person presses Tab again,
 * and so does this, up to `tries` times, but never while a list is open (Tab would accept it).
 */
export async function tabCompletes(page, label, { tries = 5 } = {}) {
  const list = page.locator('.cm-tooltip-autocomplete');
  for (let i = 1; ; i++) {
    await page.keyboard.press('Tab');
    try {
      await list.filter({ hasText: label }).waitFor({ timeout: 5000 });
      return;
    } catch (err) {
      if (i >= tries || (await list.count()) > 0) throw err;
    }
  }
}

export function shot(page, name) {
  return page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
}

/** notebookURL is the address of a notebook's page, with the token. */
export function notebookURL(server, nbId) {
  return server.url.replace('/?', `/notebooks/${nbId}?`);
}

/** newNotebook creates a notebook through the API with paragraphs given as [lang, text] pairs
 * (a bare string is a SQL paragraph); it resolves to { nb, ps } with the created paragraphs. */
export async function newNotebook(server, name, paragraphs = []) {
  const res = await server.api('POST', '/api/notebooks', { name });
  if (res.status !== 201) throw new Error(`create notebook ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const nb = res.body;
  const ps = [];
  for (const p of paragraphs) ps.push(await addParagraph(server, nb.id, ...(typeof p === 'string' ? ['sql', p] : p)));
  return { nb, ps };
}

/** addParagraph appends a paragraph through the API and resolves to it (its id in `.id`). */
export async function addParagraph(server, nbId, lang, text, fields = {}) {
  const res = await server.api('POST', `/api/notebooks/${nbId}/paragraphs`, { lang, text, ...fields });
  if (res.status !== 201) throw new Error(`add ${lang} paragraph: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** waitConnected waits until the notebook page's websocket has its snapshot. */
export function waitConnected(page) {
  return page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor();
}

/** openNotebook loads a notebook's page in page, records what it does (see trace) and waits
 * until it is connected. */
export async function openNotebook(page, server, nbId) {
  await trace(page);
  await page.goto(notebookURL(server, nbId));
  await waitConnected(page);
}

/** paragraphOf is the locator of a paragraph, given by id or as the API returned it. */
export function paragraphOf(page, p) {
  return page.locator(`[data-testid="paragraph"][data-id="${typeof p === 'string' ? p : p.id}"]`);
}

const traces = new WeakMap();
const tracePrefix = 'lakebook-e2e:';
const maxTrace = 400;

/**
 * trace records, for the failure report of waitStatus, the last things page did: websocket
 * frames sent and received, socket opens and closes, page errors and console warnings (every
 * toast is logged there), and where the pointer went down and up. It takes effect from the next
 * navigation. Calling it again on the same page does nothing.
 */
export async function trace(page) {
  if (traces.has(page)) return;
  const t0 = Date.now();
  const lines = [];
  const log = (what) => {
    lines.push(`${String(Date.now() - t0).padStart(7)} ms ${what}`);
    if (lines.length > maxTrace) lines.shift();
  };
  const clip = (s) => (s.length > 300 ? s.slice(0, 300) + '…' : s);
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) log(`navigated ${f.url().replace(/token=[^&]+/, 'token=…')}`); });
  page.on('pageerror', (e) => log(`pageerror ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error' || m.text().startsWith(tracePrefix)) log(`console.${m.type()} ${m.text()}`);
  });
  traces.set(page, lines);
  // Where the pointer went down and up and what was clicked, in the page's own words, so a
  // click that did nothing can be told from one that never arrived.
  await page.addInitScript((prefix) => {
    const what = (n) => {
      if (!(n instanceof Element)) return String(n?.nodeName ?? n);
      const p = n.closest('[data-testid="paragraph"]');
      const cls = typeof n.className === 'string' && n.className.trim() ? '.' + n.className.trim().split(/\s+/).join('.') : '';
      return `${n.tagName.toLowerCase()}${n.dataset.testid ? `[${n.dataset.testid}]` : ''}${cls}${p ? ` in paragraph ${p.dataset.id}` : ''}`;
    };
    for (const type of ['mousedown', 'mouseup', 'click']) {
      addEventListener(type, (e) => console.info(`${prefix} ${type} at ${Math.round(e.clientX)},${Math.round(e.clientY)} on ${what(e.target)}`), true);
    }
    // What moved on the page after it was laid out: a click can land on what moved there.
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const moved = e.sources.map((s) => `${what(s.node)} y ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)} h ${Math.round(s.previousRect.height)}→${Math.round(s.currentRect.height)}`);
        console.info(`${prefix} layout shift ${e.value.toFixed(4)}${e.hadRecentInput ? ' after input' : ''}: ${moved.join('; ')}`);
      }
    }).observe({ type: 'layout-shift', buffered: true });
    addEventListener('scroll', () => console.info(`${prefix} scrolled to ${Math.round(scrollY)}`), { passive: true });
  }, tracePrefix);
  page.on('websocket', (ws) => {
    log(`ws open ${ws.url()}`);
    ws.on('framesent', (f) => log(`ws → ${typeof f.payload === 'string' ? clip(f.payload) : `${f.payload.length} bytes`}`));
    ws.on('framereceived', (f) => log(`ws ← ${typeof f.payload === 'string' ? clip(f.payload) : `${f.payload.length} bytes`}`));
    ws.on('socketerror', (e) => log(`ws error ${e}`));
    ws.on('close', () => log('ws closed'));
  });
}

/**
 * waitStatus waits until paragraph p shows one of statuses (data-status: FINISHED, ERROR,
 * RUNNING, ...) and resolves to the one it shows. When it times out it saves a screenshot and a
 * report (the paragraph's status, error and outputs, the connection, toasts, and what trace
 * recorded) as test-artifacts/NAME.png and NAME.txt, and throws saying so.
 */
export async function waitStatus(page, p, statuses, { timeout = 30000, name } = {}) {
  const want = [statuses].flat();
  const el = paragraphOf(page, p);
  try {
    await el.and(page.locator(want.map((s) => `[data-status="${s}"]`).join(', '))).waitFor({ timeout });
  } catch (err) {
    const id = typeof p === 'string' ? p : p.id;
    const file = name ?? `timeout-${id}-${want.join('-')}-${Date.now()}`;
    const report = await describe(page, el).catch((e) => `could not describe the page: ${e.message}`);
    const lines = traces.get(page) ?? ['(page not traced: open it with openNotebook or call trace)'];
    writeFileSync(path.join(artifacts, file + '.txt'), `waiting for paragraph ${id} to be ${want.join(' or ')}: ${err.message.replace(/\x1b\[[0-9;]*m/g, '')}\n\n${report}\n\ntrace:\n${lines.join('\n')}\n`);
    await shot(page, file).catch(() => {});
    throw new Error(`paragraph ${id} did not become ${want.join(' or ')} within ${timeout} ms; see test-artifacts/${file}.png and .txt\n${report}`, { cause: err });
  }
  return el.getAttribute('data-status');
}

/** describe is what a person would read off a paragraph and the page around it. */
async function describe(page, el) {
  return page.evaluate((e) => {
    const text = (n) => (n?.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 500);
    const conn = document.querySelector('[data-testid="connection"]');
    const lines = [`connection: ${text(conn)}`];
    if (!e) return [...lines, 'paragraph: not on the page'].join('\n');
    lines.push(
      `paragraph: data-status="${e.dataset.status ?? ''}" status="${text(e.querySelector('[data-testid="status"]'))}" elapsed="${text(e.querySelector('[data-testid="elapsed"]'))}" lang=${e.dataset.lang}`,
      `error: ${text(e.querySelector('[data-testid="error"]')) || '(none)'}`,
      `conflict: ${text(e.querySelector('[data-testid="conflict"]')) || '(none)'}`,
      `outputs: ${[...e.querySelectorAll('[data-testid="output"]')].map(text).join(' | ') || '(none)'}`,
      `run button: ${e.querySelector('[data-testid="run"]')?.disabled ? 'disabled' : 'enabled'}`,
      `run status: ${text(document.querySelector('[data-testid="run-status"]')) || '(hidden)'}`,
      `toasts: ${[...document.querySelectorAll('[data-testid="toast"]')].map(text).join(' | ') || '(none)'}`,
    );
    return lines.join('\n');
  }, await el.elementHandle({ timeout: 1000 }).catch(() => null));
}

/** finished waits until paragraph p ends and fails, with a screenshot, unless it FINISHED. */
export async function finished(page, p, { timeout = 60000, name } = {}) {
  const status = await waitStatus(page, p, ['FINISHED', 'ERROR', 'ABORTED'], { timeout, name });
  if (status !== 'FINISHED') {
    const id = typeof p === 'string' ? p : p.id;
    const file = name ?? `failed-${id}`;
    await shot(page, file);
    throw new Error(`paragraph ${id}: ${status}: ${await paragraphOf(page, p).textContent()} (test-artifacts/${file}.png)`);
  }
}

/** run clicks a paragraph's Run button and waits until it has FINISHED (see finished). */
export async function run(page, p, opts) {
  await paragraphOf(page, p).getByTestId('run').click();
  await finished(page, p, opts);
}

/** paragraphs binds the paragraph helpers to page, with default options (timeout, name) for
 * the waits: { para, status, finished, run }. */
export function paragraphs(page, defaults = {}) {
  return {
    para: (p) => paragraphOf(page, p),
    status: (p, statuses, opts) => waitStatus(page, p, statuses, { ...defaults, ...opts }),
    finished: (p, opts) => finished(page, p, { ...defaults, ...opts }),
    run: (p, opts) => run(page, p, { ...defaults, ...opts }),
  };
}
