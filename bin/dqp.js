#!/usr/bin/env node
// Launcher of the dqp command line: runs the COMPILED command line, dist/cli/main.js (built by
// `npm run build`, and by `prepare` on `npm install` / `npm ci`), in this same process. Plain
// JavaScript, no TypeScript loader: the start-up cost is Node's own plus the invoked command.
//
// In a checkout (this package not inside node_modules/) the launcher also checks that dist/ is
// current: when dist/cli/main.js is missing, or any TypeScript source of the build (optimizer/,
// geometry/, report/, cli/, bench/) is newer than it, the sources are run through tsx instead,
// after a one-line notice on stderr naming the newer file and the command that refreshes dist/.
// An installed package is not checked (its dist/ is built when it is packed). To run the sources
// on purpose, without the notice: `npm run dqp:dev -- <command> …`.
//
// dist/cli/main.js is the command line bundled by esbuild (scripts/bundle-cli.mjs, part of
// `npm run build`): a few files instead of ~140 modules. Where Node has a module compile cache
// (Node ≥ 22.1) it is switched on, so later runs skip compiling them; on Node 20 nothing changes.
import module from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const main = join(root, 'dist', 'cli', 'main.js');
/** the folders tsconfig.build.json compiles (report/ may not exist) */
const SOURCE_DIRS = ['optimizer', 'geometry', 'report', 'cli', 'bench'];

/** The newest .ts source (not a declaration or a test) under `dir` newer than `since` (ms), if any. */
function newerSource(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return null; // a folder that does not exist has nothing newer
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const found = newerSource(p, since);
      if (found) return found;
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts')) {
      if (statSync(p).mtimeMs > since) return p;
    }
  }
  return null;
}

/** Why dist/ cannot be used ('' when it can). */
function staleReason() {
  if (!existsSync(main)) return 'dist/ is not built';
  if (root.split(sep).includes('node_modules')) return '';
  const built = statSync(main).mtimeMs;
  for (const d of SOURCE_DIRS) {
    const f = newerSource(join(root, d), built);
    if (f) return `${relative(root, f)} is newer than dist/`;
  }
  return '';
}

module.enableCompileCache?.();

const reason = staleReason();
if (reason === '') {
  await import(pathToFileURL(main).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`dqp: ${reason}, and tsx (to run the TypeScript sources) is not installed; run \`npm run build\` in ${root}\n`);
    process.exit(1);
  }
  process.stderr.write(`dqp: ${reason}; running the TypeScript sources through tsx (slow start; \`npm run build\` refreshes dist/)\n`);
  register();
  await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
