// Bundles the dqp command line into dist/cli/main.js (run by `npm run build` after tsc, which
// emitted the per-module dist/ that the library entries 'dqp' and 'dqp/geometry' use).
//
// Why: started from tsc's output, `dqp solve` resolves and loads ~140 ES modules, and that module
// loading is most of its start-up time. esbuild puts the command line's own modules and its
// pure-JavaScript dependencies (yargs, quadprog, …) into a few files instead:
//   dist/cli/main.js              the entry: what every command needs (yargs, errors, output)
//   dist/cli/bundle-<name>-<hash>.js  one chunk per command module (loaded only by that command)
//                                 and the chunks the commands share
// The chunks sit in dist/cli/ next to main.js (no chunks/ folder), see below why.
//
// What stays outside the bundle, loaded at run time from node_modules as before:
//   - TensorFlow.js (the tf adapter imports it lazily, tfjs-node when it loads);
//   - highs (its glue finds highs.wasm next to itself);
//   - tsx (only bin/dqp.js uses it, for stale builds).
//
// import.meta.url: a module that locates files next to itself (the worker scripts
// optimizer/dqp/batch-worker.js and bench/file-suite-worker.js, the package.json lookup, the
// benchmark spec modules its workers import) must see the URL it has in tsc's dist/, so every
// `import.meta.url` in a source is replaced by that dist/ file's URL, computed at run time relative
// to the bundle file's own URL. That is why all outputs share one folder (dist/cli/): one relative
// path is right from each of them. The workers themselves run tsc's per-module files.
//
// Usage: node scripts/bundle-cli.mjs [--dist <dir>]   (default <repo>/dist; tsc must have emitted
// into the same folder first, e.g. tsc -p tsconfig.build.json --outDir <dir>)
import { build } from 'esbuild';
import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const distArg = process.argv.indexOf('--dist');
const dist = distArg > 0 && process.argv[distArg + 1] ? resolve(process.argv[distArg + 1]) : join(root, 'dist');
const outdir = join(dist, 'cli');
const CHUNK_PREFIX = 'bundle-';

/** `import.meta.url` as the tsc-emitted dist/ twin of `source` would see it. */
const metaUrlPlugin = {
  name: 'dqp-dist-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (!args.path.startsWith(root + sep) || args.path.includes(`${sep}node_modules${sep}`)) return { contents: text, loader: 'ts' };
      if (text.includes('import.meta.url')) {
        const twin = join(dist, relative(root, args.path)).replace(/\.ts$/, '.js');
        let rel = relative(outdir, twin).split(sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

/**
 * string-width (used by yargs and cliui to lay out help text) compiles several Unicode-property
 * regular expressions and an Intl.Segmenter when it is first evaluated: ~20–35 ms of every start,
 * though the command line's strings are plain ASCII. This wraps each copy: a string of printable
 * ASCII characters (U+0020–U+007E: no escape sequences, each one column wide, which string-width
 * itself returns) is measured by its length; anything else loads the real package on first use
 * and asks it.
 */
const lazyStringWidthPlugin = {
  name: 'dqp-lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      // a path relative to the repository names the copy in the output's comments
      return { path: relative(root, real.path).split(sep).join('/'), namespace: 'lazy-string-width', pluginData: { file: real.path } };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: dirname(args.pluginData.file),
      contents: [
        'let real;',
        'export default function stringWidth(text, options) {',
        "  if (typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text)) return text.length;",
        `  real ??= require(${JSON.stringify(args.pluginData.file)}).default;`,
        '  return real(text, options);',
        '}',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

// chunks of an earlier build (their names carry content hashes)
for (const f of await readdir(outdir).catch(() => [])) {
  if (f.startsWith(CHUNK_PREFIX) && f.endsWith('.js')) await rm(join(outdir, f));
}

await build({
  absWorkingDir: root,
  entryPoints: { main: 'cli/main.ts' },
  outdir,
  chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // a bundled CommonJS package (quadprog) may call require(): give the ES module one
  banner: { js: "import { createRequire as __dqpCreateRequire } from 'node:module'; const require = __dqpCreateRequire(import.meta.url);" },
  external: ['@tensorflow/*', 'highs', 'tsx'],
  plugins: [metaUrlPlugin, lazyStringWidthPlugin],
  legalComments: 'none',
  logLevel: 'warning',
});
