// Runs the unit tests of the pure logic: every web/src/**/*.test.ts is bundled by esbuild for
// node into a temporary directory and run with node's built-in test runner. The exit status is
// the runner's: non-zero when a test fails.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const web = dirname(fileURLToPath(import.meta.url));
const src = join(web, 'src');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

const filter = process.argv[2];
const tests = find(src).filter((f) => !filter || f.includes(filter));
if (tests.length === 0) {
  console.error('test-unit: no *.test.ts files');
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'lakebook-unit-'));
let code = 1;
try {
  await esbuild.build({
    entryPoints: tests,
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const files = tests.map((t) => join(out, basename(t, '.ts') + '.mjs'));
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
  code = r.status ?? 1;
} catch (err) {
  console.error(err);
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(code);
