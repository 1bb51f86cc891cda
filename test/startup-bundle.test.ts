/**
 * The bundled command line (scripts/bundle-cli.mjs, the second step of `npm run build`):
 *   - it replaces dist/cli/main.js by an esbuild bundle plus per-command chunks next to it, with no
 *     TypeScript specifier and no tsx import;
 *   - `dqp solve` then loads a handful of files, not the ~140 modules of the per-module build (a
 *     module-resolution hook in the child records every URL it resolves);
 *   - it prints what the per-module build (tsc's dist/cli/main.js, kept here as main-tsc.js) prints:
 *     solve (JSON minus timings, and a hand-computed solution), solvers, help, --version (found
 *     through import.meta.url), a usage error (exit code and stderr);
 *   - the worker threads still start from it (their scripts are tsc's files, found through the
 *     rewritten import.meta.url): `bench maros-meszaros` on HS21 when the data folder is present.
 * Built in a scratch package: tsc --outDir <tmp>/dist, then the bundler with --dist <tmp>/dist.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainEnv, QP3, TRACE_HOOK } from './helpers.ts';
import { describeData } from './data.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));




/** a JSON line with its timing fields (wall-clock) removed, keys sorted */
function withoutTimings(line: string): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) if (!/^timings?$|Ms$/.test(k)) out[k] = strip((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(strip(JSON.parse(line)));
}

let tmp = '';
let pkg = '';
let qpFile = '';
let bundle: ReturnType<typeof spawnSync> | null = null;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dqp-bundle-'));
  pkg = join(tmp, 'pkg');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  const dist = join(pkg, 'dist');
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dist], { cwd: repo, encoding: 'utf8', env: plainEnv() });
  if (!existsSync(join(dist, 'cli', 'main.js'))) throw new Error(`tsc emitted no dist/cli/main.js\n${built.stdout}\n${built.stderr}`);
  copyFileSync(join(dist, 'cli', 'main.js'), join(dist, 'cli', 'main-tsc.js'));
  bundle = spawnSync(process.execPath, [join(repo, 'scripts', 'bundle-cli.mjs'), '--dist', dist], { cwd: repo, encoding: 'utf8', env: plainEnv() });
  copyFileSync(join(repo, 'bin', 'dqp.js'), join(pkg, 'bin', 'dqp.js'));
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(repo, 'package.json')));
  symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  writeFileSync(join(tmp, 'hook.mjs'), TRACE_HOOK);
  writeFileSync(join(tmp, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(tmp, 'hook.mjs')).href)});\n`);
  qpFile = join(tmp, 'qp3.json');
  writeFileSync(qpFile, JSON.stringify(QP3));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** node <entry> ARGS in the scratch package: entry 'bundle' (bin/dqp.js → the bundle) or 'tsc' */
function run(entry: 'bundle' | 'tsc', args: string[], trace?: string) {
  const file = entry === 'bundle' ? join(pkg, 'bin', 'dqp.js') : join(pkg, 'dist', 'cli', 'main-tsc.js');
  const pre = trace ? ['--import', pathToFileURL(join(tmp, 'register.mjs')).href] : [];
  return spawnSync(process.execPath, [...pre, file, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...plainEnv(), ...(trace ? { DQP_TRACE: trace } : {}), COLUMNS: '100' },
  });
}

describe('the bundled command line', () => {
  it('the bundler writes dist/cli/main.js and its chunks, with no .ts specifier and no tsx import', () => {
    expect(bundle!.status, `${bundle!.stdout}\n${bundle!.stderr}`).toBe(0);
    const cli = join(pkg, 'dist', 'cli');
    const chunks = readdirSync(cli).filter((f) => /^bundle-.*\.js$/.test(f));
    expect(chunks.length).toBeGreaterThan(0);
    const main = readFileSync(join(cli, 'main.js'), 'utf8');
    expect(main).not.toBe(readFileSync(join(cli, 'main-tsc.js'), 'utf8'));
    for (const f of ['main.js', ...chunks]) {
      const text = readFileSync(join(cli, f), 'utf8');
      expect(/(?:from\s*|import\s*\(\s*)['"][^'"]*\.ts['"]/.test(text), `${f} imports a .ts file`).toBe(false);
      expect(/['"]tsx(?:\/[^'"]*)?['"]/.test(text), `${f} imports tsx`).toBe(false);
      // a bundle's own modules are inlined: no relative import leaves dist/cli/ except to tsc's files
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g)) expect(m[1], f).toMatch(/^\.\/bundle-.*\.js$/);
    }
  });

  it('solve loads a handful of files (no .ts, no tsx) and gives the hand-computed solution', () => {
    const trace = join(tmp, 'solve.trace');
    writeFileSync(trace, '');
    const r = run('bundle', ['solve', qpFile, '--json'], trace);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: string; z: number[] };
    expect(out.status).toBe('solved');
    [1 / 12, -1 / 5, 67 / 60].forEach((v, i) => expect(Math.abs(out.z[i]! - v)).toBeLessThan(1e-7));
    const urls = [...new Set(readFileSync(trace, 'utf8').split('\n').filter((u) => u.startsWith('file:')))];
    expect(urls).toContain(pathToFileURL(join(pkg, 'dist', 'cli', 'main.js')).href);
    expect(urls.filter((u) => /\.ts$/.test(u) || /\/node_modules\/tsx\//.test(u))).toEqual([]);
    // the per-module build resolves ~140 files for the same command
    expect(urls.length).toBeLessThan(40);
    const perModule = join(tmp, 'solve-tsc.trace');
    writeFileSync(perModule, '');
    expect(run('tsc', ['solve', qpFile, '--json'], perModule).status).toBe(0);
    const perModuleUrls = new Set(readFileSync(perModule, 'utf8').split('\n').filter((u) => u.startsWith('file:')));
    expect(perModuleUrls.size).toBeGreaterThan(urls.length * 2);
  });

  it('prints what the per-module build prints: solve, solvers, help, --version, a usage error', () => {
    const cases: string[][] = [
      ['solve', qpFile, '--json'],
      ['solve', qpFile],
      ['solve', qpFile, '--solver', 'admm', '--json'],
      ['solvers', '--json'],
      ['solvers'],
      ['--help'],
      ['solve', '--help'],
      ['--version'],
      ['solve', qpFile, '--solver', 'nope'],
      ['frobnicate'],
    ];
    for (const args of cases) {
      const a = run('bundle', args);
      const b = run('tsc', args);
      const what = `dqp ${args.join(' ')}`;
      expect(a.status, what).toBe(b.status);
      if (args.includes('--json')) expect(withoutTimings(a.stdout.trim()), what).toBe(withoutTimings(b.stdout.trim()));
      else if (args[0] === 'solve' && args.length === 2) {
        // the human summary ends with wall-clock timings: compare the other lines
        const lines = (s: string) => s.split('\n').filter((l) => !/^timings\b/.test(l));
        expect(lines(a.stdout), what).toEqual(lines(b.stdout));
      } else expect(a.stdout, what).toBe(b.stdout);
      if (!args[0]!.startsWith('--') && args[0] !== 'solvers') expect(a.stderr.replace(/timings .*/g, ''), what).toBe(b.stderr.replace(/timings .*/g, ''));
    }
    expect(run('bundle', ['--version']).stdout).toBe(`${(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });
});

describeData(['maros_meszaros/HS21.mat'], 'the bundled command line starts worker threads', () => {
  it('bench maros-meszaros runs HS21 in its isolated worker and agrees with the per-module build', () => {
    const args = ['bench', 'maros-meszaros', '--problems', 'HS21', '--json', '--quiet'];
    // the suite finds its data folder (../shared/data) from the package root, which it derives
    // from its own import.meta.url: give the scratch package the repository's data folder
    symlinkSync(resolve(repo, '..', 'shared'), join(tmp, 'shared'), 'dir');
    const a = spawnSync(process.execPath, [join(pkg, 'bin', 'dqp.js'), ...args], { cwd: tmp, encoding: 'utf8', env: plainEnv() });
    const b = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main-tsc.js'), ...args], { cwd: tmp, encoding: 'utf8', env: plainEnv() });
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const rows = (s: string) => (JSON.parse(s.trim().split('\n').pop()!) as { rows: { problem: string; status: string; objective: number }[] }).rows;
    const ra = rows(a.stdout);
    expect(ra.map((r) => [r.problem, r.status])).toEqual([['HS21', 'solved']]);
    expect(ra.map((r) => r.objective)).toEqual(rows(b.stdout).map((r) => r.objective));
  });
});
