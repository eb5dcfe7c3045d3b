// Shared setup for the browser tests: a real lakebook server process on a free port with a
// fresh workspace holding the sample data, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = path.join(root, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

const TOKEN = 'e2e-token-' + Math.random().toString(36).slice(2);

/** Starts `lakebook serve` on a new workspace; resolves to { url, base, token, dir, stop }. */
export async function startServer({ withData = true } = {}) {
  const bin = process.env.LAKEBOOK_BIN || path.join(root, 'bin/lakebook');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build`);
  const dir = mkdtempSync(path.join(tmpdir(), 'lakebook-e2e-'));
  if (withData) {
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

export function shot(page, name) {
  return page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });
}
