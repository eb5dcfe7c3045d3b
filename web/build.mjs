// Builds the browser assets: type-checks web/src with tsc, then bundles web/src/main.ts and
// web/src/app.css into web/dist/app.js and web/dist/app.css (minified, es2022), and the share
// page's own web/src/share.ts and share.css into share.js and share.css, which the Go package
// embeds.
//
//   node web/build.mjs            type-check and build
//   node web/build.mjs --dev      no minification, with source maps
//   node web/build.mjs --watch    rebuild on change (implies --dev; no type-check)
//   node web/build.mjs --no-check skip the type-check

import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const web = dirname(fileURLToPath(import.meta.url));
const root = dirname(web);
const dist = join(web, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const dev = watch || args.has('--dev');

if (!watch && !args.has('--no-check')) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  try {
    execFileSync(tsc, ['--noEmit', '-p', join(web, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
  } catch {
    console.error('build: type errors (see above)');
    process.exit(1);
  }
}

// Remove old outputs, keeping dist/.gitkeep.
for (const f of readdirSync(dist)) {
  if (f !== '.gitkeep') rmSync(join(dist, f), { recursive: true, force: true });
}

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: [
    { in: join(web, 'src', 'main.ts'), out: 'app' },
    { in: join(web, 'src', 'app.css'), out: 'app' },
    // A share link's page loads only this: the chart, never the notebook app.
    { in: join(web, 'src', 'share.ts'), out: 'share' },
    { in: join(web, 'src', 'share.css'), out: 'share' },
  ],
  outdir: dist,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('build: watching web/src');
} else {
  try {
    await esbuild.build(options);
  } catch {
    process.exit(1);
  }
  for (const f of ['app.js', 'app.css', 'share.js', 'share.css']) {
    console.log(`build: web/dist/${f} ${(statSync(join(dist, f)).size / 1024).toFixed(1)} KiB`);
  }
}
