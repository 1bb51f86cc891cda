/**
 * How the dqp command starts (bin/dqp.js):
 *   - from a checkout with a current dist/ it runs the compiled dist/cli/main.js in plain node:
 *     no TypeScript file and no tsx module is loaded (a module-resolution hook in the child
 *     records every URL it resolves)
 *   - when dist/ is missing or a source is newer, it runs the sources through tsx after ONE notice
 *     line on stderr naming the newer file; without tsx it fails with exit 1 and says how to build
 *   - inside node_modules (an installed package) it does not look at the sources
 *   - `npm run dqp:dev` runs the sources and prints what the compiled command prints
 * The launcher cases run bin/dqp.js copied into a scratch package whose dist/ and cli/ entries
 * print which of them ran. vitest's globalSetup (test/global-setup.ts) built dist/ before this file.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainEnv, QP3, TRACE_HOOK } from './helpers.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));



describe('the dqp command runs the compiled JavaScript', () => {
  let tmp = '';
  let hook = '';
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'dqp-startup-'));
    writeFileSync(join(tmp, 'hook.mjs'), TRACE_HOOK);
    hook = join(tmp, 'register.mjs');
    writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(tmp, 'hook.mjs')).href)});\n`);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** run node bin/dqp.js ARGS with the trace hook; returns the process and the resolved URLs */
  function traced(args: string[], name: string) {
    const trace = join(tmp, `${name}.trace`);
    writeFileSync(trace, '');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, 'bin/dqp.js', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...plainEnv(), DQP_TRACE: trace },
    });
    const urls = readFileSync(trace, 'utf8').split('\n').filter((u) => u.length > 0);
    return { r, urls };
  }

  it('solvers --json loads dist/cli/main.js and no .ts file, no tsx', () => {
    const { r, urls } = traced(['solvers', '--json'], 'solvers');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const names = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { solvers: { name: string }[] }).solvers.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['ipm', 'admm', 'highs', 'quadprog', 'dualas']));
    expect(urls).toContain(pathToFileURL(join(repo, 'dist', 'cli', 'main.js')).href);
    expect(urls.filter((u) => /\.ts$/.test(u))).toEqual([]);
    expect(urls.filter((u) => /\/node_modules\/tsx\//.test(u))).toEqual([]);
  });

  it('solve on a 3-variable QP runs from dist/ and gives the hand-computed solution', () => {
    // minimize ½ zᵀPz + qᵀz  s.t.  z1 + z2 + z3 = 1,  z1 ≤ 0.1,  z1 − z2 ≤ 5,  lb ≤ z ≤ ub:
    // z = (1/12, −1/5, 67/60) with only the bound z2 ≥ −1/5 active (see test/package-build.test.ts)
    const file = join(tmp, 'qp3.json');
    writeFileSync(file, JSON.stringify(QP3));
    const { r, urls } = traced(['solve', file, '--json'], 'solve');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { z: number[] };
    [1 / 12, -1 / 5, 67 / 60].forEach((v, i) => expect(Math.abs(out.z[i]! - v)).toBeLessThan(1e-7));
    expect(urls.filter((u) => /\.ts$/.test(u) || /\/node_modules\/tsx\//.test(u))).toEqual([]);
  });

  it('npm run dqp:dev runs the sources and prints what the compiled command prints', () => {
    const script = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['dqp:dev']!;
    const [cmd, ...args] = script.split(/\s+/);
    expect(cmd).toBe('node');
    const trace = join(tmp, 'dev.trace');
    writeFileSync(trace, '');
    const dev = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, ...args, 'solvers', '--json'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...plainEnv(), DQP_TRACE: trace },
    });
    expect(dev.status, dev.stderr).toBe(0);
    const urls = readFileSync(trace, 'utf8').split('\n');
    expect(urls).toContain(pathToFileURL(join(repo, 'cli', 'main.ts')).href);
    expect(urls.filter((u) => u.startsWith(`${pathToFileURL(join(repo, 'dist')).href}/`))).toEqual([]);
    const built = spawnSync(process.execPath, ['bin/dqp.js', 'solvers', '--json'], { cwd: repo, encoding: 'utf8', env: plainEnv() });
    expect(dev.stdout).toBe(built.stdout);
  });
});

describe('bin/dqp.js when dist/ is missing or older than the sources', () => {
  let tmp = '';
  /** a scratch package: bin/dqp.js (the real launcher), dist/cli/main.js and cli/main.ts that say which ran */
  function scratch(root: string, withTsx: boolean): void {
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(root, 'cli'), { recursive: true });
    mkdirSync(join(root, 'optimizer', 'qp'), { recursive: true });
    copyFileSync(join(repo, 'bin', 'dqp.js'), join(root, 'bin', 'dqp.js'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    writeFileSync(join(root, 'cli', 'main.ts'), "const from: string = 'sources';\nprocess.stdout.write(`ran ${from} ${process.argv.slice(2).join(' ')}\\n`);\n");
    writeFileSync(join(root, 'optimizer', 'qp', 'problem.ts'), 'export const x: number = 1;\n');
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), "process.stdout.write(`ran dist ${process.argv.slice(2).join(' ')}\\n`);\n");
    if (withTsx) {
      mkdirSync(join(root, 'node_modules'));
      // tsx finds its own dependencies from its real path (the repository's node_modules)
      symlinkSync(join(repo, 'node_modules', 'tsx'), join(root, 'node_modules', 'tsx'), 'dir');
    }
    // sources an hour old, the build now: current
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const f of ['cli/main.ts', 'optimizer/qp/problem.ts']) utimesSync(join(root, f), hourAgo, hourAgo);
  }
  const launch = (root: string, args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'dqp.js'), ...args], { cwd: tmp, encoding: 'utf8', env: plainEnv() });

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'dqp-launcher-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a current dist/ runs silently; a newer source runs the sources with one notice naming it', () => {
    const root = join(tmp, 'checkout');
    scratch(root, true);
    const fresh = launch(root, ['solve', 'x.json']);
    expect([fresh.status, fresh.stdout, fresh.stderr]).toEqual([0, 'ran dist solve x.json\n', '']);

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'optimizer', 'qp', 'problem.ts'), later, later);
    const stale = launch(root, ['solve', 'x.json']);
    expect(stale.status, stale.stderr).toBe(0);
    expect(stale.stdout).toBe('ran sources solve x.json\n');
    const lines = stale.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dqp: optimizer\/qp\/problem\.ts is newer than dist\/; running the TypeScript sources through tsx .*npm run build/);
  });

  it('a missing dist/ runs the sources with a notice; without tsx it exits 1 and says to build', () => {
    const root = join(tmp, 'unbuilt');
    scratch(root, true);
    rmSync(join(root, 'dist'), { recursive: true });
    const r = launch(root, ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran sources --help\n');
    expect(r.stderr).toMatch(/^dqp: dist\/ is not built; running the TypeScript sources through tsx/);

    const bare = join(tmp, 'bare');
    scratch(bare, false);
    rmSync(join(bare, 'dist'), { recursive: true });
    const b = launch(bare, ['--help']);
    expect(b.status).toBe(1);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/^dqp: dist\/ is not built, and tsx .* is not installed; run `npm run build` in /);
  });

  it('an installed package (inside node_modules) runs its dist/ without looking at the sources', () => {
    const root = join(tmp, 'app', 'node_modules', 'dqp');
    scratch(root, false);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'cli', 'main.ts'), later, later);
    const r = launch(root, ['solvers']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'ran dist solvers\n', '']);
  });
});
