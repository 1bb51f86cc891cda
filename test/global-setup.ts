/**
 * vitest globalSetup: build dist/ from the current sources once, before any test file runs.
 *
 * The tests that spawn the command line run `node bin/dqp.js …`, which runs the COMPILED
 * dist/cli/main.js (see bin/dqp.js); building first makes those child processes run the code
 * under test, not whatever dist/ an earlier build left behind. Type errors do not stop the suite
 * (tsc still emits; `npm run typecheck` reports them) but a build that emits nothing does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const main = join(repo, 'dist', 'cli', 'main.js');
  if (!existsSync(tsc)) throw new Error(`globalSetup: TypeScript compiler not found at ${tsc} (run npm install); dist/ cannot be built`);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const started = Date.now();
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repo, encoding: 'utf8', env });
  // then the command line's esbuild bundle (what `npm run build` and `prepare` ship): the spawned
  // `node bin/dqp.js` tests run exactly that
  const bundle = spawnSync(process.execPath, [join(repo, 'scripts', 'bundle-cli.mjs')], { cwd: repo, encoding: 'utf8', env });
  if (bundle.status !== 0) throw new Error(`globalSetup: scripts/bundle-cli.mjs failed (exit ${bundle.status})\n${bundle.stdout}\n${bundle.stderr}`);
  const ms = Date.now() - started;
  const emitted = existsSync(main) && statSync(main).mtimeMs >= started - 10;
  if (!emitted) throw new Error(`globalSetup: npm run build did not emit ${main} (exit ${build.status})\n${build.stdout}\n${build.stderr}`);
  if (build.status !== 0) console.warn(`globalSetup: dist/ built with type errors (tsc exit ${build.status}); npm run typecheck lists them`);
  else console.log(`globalSetup: built dist/ in ${ms} ms`);
}
