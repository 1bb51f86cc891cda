#!/usr/bin/env node
/**
 * Builds the web page into web/dist/ (run: `npm run build:web`, or `node web/build.mjs`).
 *
 *   web/dist/index.html, style.css   copied from web/
 *   web/dist/main.js                 the page (web/src/main.ts), minified ES module
 *   web/dist/worker.js               the Web Worker (web/src/worker.ts)
 *   web/dist/chunk-HASH.js           the solver, shared by both (the page runs ?autorun=1 itself)
 *   web/dist/highs.wasm              HiGHS, loaded by the worker next to itself (the package's
 *                                    loader resolves it from the bundle's own URL)
 *
 * esbuild (already in the tree through tsx): one fast, well-kept tool that bundles TypeScript
 * with no configuration file and no plugin. '@tensorflow/tfjs' is aliased to tfjs-core + the
 * CPU backend (web/src/tfjs-core-cpu.ts). Node built-ins may only appear behind the runtime
 * checks of third-party packages (HiGHS's Node branch); the build fails when any other module
 * of the page imports one. Prints the size of every file; exits 1 on a build error.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

/** Build into `outDir` (default web/dist). Returns [{ file, bytes, gzip }]. */
export async function buildWeb({ outDir = join(here, 'dist'), quiet = false } = {}) {
  const esbuild = await import('esbuild');
  const require = createRequire(join(root, 'package.json'));
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { main: join(here, 'src', 'main.ts'), worker: join(here, 'src', 'worker.ts') },
    outdir: tmp,
    bundle: true,
    // the page runs ?autorun=1 itself while loading (main.ts) and interactive runs in the worker:
    // the solver is one shared chunk both import, fetched once
    splitting: true,
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    alias: { '@tensorflow/tfjs': join(here, 'src', 'tfjs-core-cpu.ts') },
    // HiGHS's loader has a Node branch (dynamic import of node:module); it never runs in a page
    external: ['node:*'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  // only third-party runtime branches may name node: modules
  for (const [file, info] of Object.entries(result.metafile.inputs)) {
    for (const imp of info.imports) {
      if (imp.path.startsWith('node:') && !file.includes('node_modules')) {
        throw new Error(`${file} imports ${imp.path}: the page's import graph must not hold Node built-ins`);
      }
    }
  }
  copyFileSync(join(here, 'index.html'), join(tmp, 'index.html'));
  copyFileSync(join(here, 'style.css'), join(tmp, 'style.css'));
  copyFileSync(join(dirname(require.resolve('highs')), 'highs.wasm'), join(tmp, 'highs.wasm'));
  writeFileSync(join(tmp, 'build.json'), `${JSON.stringify({ builtAt: new Date().toISOString() })}\n`);
  // swap in the new build: the served folder is the old or the new one, never half written; when
  // another build swapped in at the same moment, its (identical) result stays and ours is dropped
  const old = `${outDir}.old-${process.pid}`;
  try {
    renameSync(outDir, old);
  } catch {
    // no previous build
  }
  try {
    renameSync(tmp, outDir);
  } catch (e) {
    if (!existsSync(join(outDir, 'index.html'))) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  const chunks = readdirSync(outDir).filter((f) => f.startsWith('chunk-') && f.endsWith('.js')).sort();
  const files = ['index.html', 'style.css', 'main.js', 'worker.js', ...chunks, 'highs.wasm'].map((f) => {
    const data = readFileSync(join(outDir, f));
    return { file: f, bytes: statSync(join(outDir, f)).size, gzip: gzipSync(data).length };
  });
  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`built ${relative(process.cwd(), outDir) || '.'}:`);
    for (const f of files) console.log(`  ${f.file.padEnd(20)} ${kb(f.bytes).padStart(10)}  (gzip ${kb(f.gzip)})`);
    const js = files.filter((f) => f.file.endsWith('.js'));
    const total = js.reduce((s, f) => s + f.bytes, 0);
    const gz = js.reduce((s, f) => s + f.gzip, 0);
    console.log(`  JavaScript total ${kb(total)} minified (gzip ${kb(gz)}); with highs.wasm ${kb(total + files[files.length - 1].bytes)}`);
  }
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWeb().catch((e) => {
    console.error(`build:web: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
