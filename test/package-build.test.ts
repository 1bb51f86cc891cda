/**
 * The compiled JavaScript build (tsconfig.build.json → dist/) is a working npm package:
 *
 *   1. tsc -p tsconfig.build.json --outDir <tmp>/pkg/dist   (the same command as `npm run build`)
 *   2. <tmp>/pkg = that dist/ + a copy of package.json (its "exports" map), with node_modules
 *      linked to the repository's; <tmp>/consumer/node_modules/dqp links to <tmp>/pkg, so
 *      `import … from 'dqp'` and `'dqp/geometry'` go through the exports map as for an installed
 *      package
 *   3. plain `node` (no tsx loader, NODE_OPTIONS cleared) runs <tmp>/consumer/main.mjs, which
 *      calls compute.mjs on the BUILT modules: a 3-variable QP through dqpForward / dqpBackward
 *      (ipm), the same QP through a 1-thread DqpWorkerPool (the worker file is located next to
 *      batch.js at run time) and through HiGHS (WASM loaded at run time), and the cross example's
 *      embedding QP at θ₀ with its θ-gradient
 *   4. the same compute.mjs runs here, in-process, on the TypeScript SOURCES; every number must
 *      be identical (same code, same floating-point operations)
 *   5. tsc type-checks a TypeScript consumer against the emitted .d.ts through the exports map
 *   6. `import 'dqp'` loads no TensorFlow.js module: a module-resolution hook in the child records
 *      every URL it resolves; none is under @tensorflow until loadTf() is called (which then
 *      resolves one: the hook does see them)
 *   7. 'dqp/browser' resolves no `node:` built-in and exports what 'dqp' does minus the Node-only
 *      names (worker pool, batch helpers, benchmark-file readers)
 *   8. the packaged command (bin/dqp.js beside that dist/, no TypeScript sources) runs in plain node
 *
 * Skipped (with a message) when the TypeScript compiler is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainEnv, TRACE_HOOK } from './helpers.ts';
import * as geometrySources from '../geometry/index.ts';
import * as optimizerSources from '../optimizer/index.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const tscJs = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
// no skip when the compiler is missing: globalSetup (test/global-setup.ts) already fails the run
// without it, and a silently skipped build test would hide a broken package

/**
 * The computation, run on the built package (child process) and on the sources (here). Plain
 * JavaScript: it receives the two module namespaces and returns JSON-safe numbers only.
 */
const COMPUTE_MJS = String.raw`
export async function compute(dqp, geometry) {
  const arr = (v) => (v ? Array.from(v) : null);
  const grads = (g) => ({ P: arr(g.P), q: arr(g.q), A: arr(g.A), b: arr(g.b), C: arr(g.C), d: arr(g.d), lb: arr(g.lb), ub: arr(g.ub) });
  // minimize ½ zᵀPz + qᵀz  s.t.  z1 + z2 + z3 = 1,  z1 ≤ 0.1,  z1 − z2 ≤ 5,  lb ≤ z ≤ ub;
  // solution z = (1/12, −1/5, 67/60) with only the bound z2 ≥ −1/5 active
  const problem = {
    P: dqp.denseFromRows([[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]]),
    q: Float64Array.from([-1, 2, -3]),
    A: dqp.denseFromRows([[1, 1, 1]]),
    b: Float64Array.from([1]),
    C: dqp.denseFromRows([[1, 0, 0], [1, -1, 0]]),
    d: Float64Array.from([0.1, 5]),
    lb: Float64Array.from([-1, -0.2, -1]),
    ub: Float64Array.from([2, 2, 2]),
  };
  const cot = { z: Float64Array.from([1, -2, 0.5]) };
  const fwd = dqp.dqpForward(problem, { solver: 'ipm' });
  const g = dqp.dqpBackward(fwd, cot);

  const pool = new dqp.DqpWorkerPool({ workers: 1, options: { solver: 'ipm' } });
  let poolZ, poolGrads;
  try {
    const remote = await pool.forward([problem]);
    poolZ = arr(remote[0].z);
    poolGrads = grads((await pool.backward(remote, [cot]))[0]);
  } finally {
    await pool.close();
  }

  await dqp.loadSolvers(['highs']);
  const hf = dqp.dqpForward(problem, { solver: 'highs' });

  const cross = geometry.crossExample(7);
  const eqp = geometry.EmbeddingQP.fromMesh(cross.mesh.F, cross.mesh.nv, cross.targets);
  const theta = eqp.initialTheta();
  const inst = eqp.instance(theta);
  const ef = dqp.dqpForward(inst.problem, { solver: 'ipm' });
  const ez = new Float64Array(ef.z.length);
  for (let i = 0; i < ez.length; i++) ez[i] = Math.sin(i + 1);
  const eg = dqp.dqpBackward(ef, { z: ez });
  const gTheta = eqp.pullback(theta, eg.P ?? null, eg.C ?? null);

  return {
    qp: { status: fwd.status, z: arr(fwd.z), lambda: arr(fwd.lambda), mu: arr(fwd.mu), muLb: arr(fwd.muLb), muUb: arr(fwd.muUb), active: arr(fwd.active), activeLb: arr(fwd.activeLb), activeUb: arr(fwd.activeUb), grads: grads(g) },
    pool: { z: poolZ, grads: poolGrads },
    highs: { status: hf.status, z: arr(hf.z) },
    cross: { nv: cross.mesh.nv, nf: cross.mesh.F.length / 3, targets: arr(cross.targets.vertices), n: eqp.n, p: eqp.p, m: eqp.m, ne: eqp.ne, status: ef.status, z: arr(ef.z), active: arr(ef.active), gTheta: arr(gTheta) },
  };
}
`;

const MAIN_MJS = String.raw`
import * as dqp from 'dqp';
import * as geometry from 'dqp/geometry';
import { compute } from '../compute.mjs';
const out = await compute(dqp, geometry);
out.resolved = { dqp: import.meta.resolve('dqp'), geometry: import.meta.resolve('dqp/geometry') };
out.loader = { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS ?? null };
process.stdout.write(JSON.stringify(out) + '\n');
`;

/** Imports the package, records the trace so far, then loads tfjs through the lazy loader. */
const LAZY_TF_MJS = String.raw`
import { copyFileSync } from 'node:fs';
const dqp = await import('dqp');
copyFileSync(process.env.DQP_TRACE, process.env.DQP_TRACE + '.import');
await dqp.loadTf();
process.stdout.write(JSON.stringify({ loaded: dqp.loadedTfPackage, exports: Object.keys(dqp).sort() }) + '\n');
`;

const CONSUMER_TS = String.raw`
import { dqpBackward, dqpForward, denseFromRows, TfQpLayer, type DqpGradients, type QPProblem } from 'dqp';
import { crossExample, EmbeddingQP, type TriMesh } from 'dqp/geometry';
const problem: QPProblem = { P: denseFromRows([[2, 0], [0, 2]]), q: Float64Array.from([-2, -2]) };
const g: DqpGradients = dqpBackward(dqpForward(problem, { solver: 'ipm' }), { z: Float64Array.from([1, 0]) });
const mesh: TriMesh = crossExample().mesh;
const eqp: EmbeddingQP = EmbeddingQP.fromMesh(mesh.F, mesh.nv, crossExample().targets);
export const total: number = (g.q?.length ?? 0) + eqp.n + (typeof TfQpLayer === 'function' ? 1 : 0);
// @ts-expect-error the declarations are real types, not any: a numeric solver name is rejected
dqpForward(problem, { solver: 3 });
`;

function listFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}


describe('compiled JavaScript build (tsconfig.build.json)', () => {
  let tmp = '';
  let pkg = '';
  let consumer = '';
  let build: ReturnType<typeof spawnSync> | null = null;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'dqp-build-'));
    pkg = join(tmp, 'pkg');
    consumer = join(tmp, 'consumer');
    mkdirSync(pkg);
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    build = spawnSync(process.execPath, [tscJs, '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], { cwd: repo, encoding: 'utf8', env: plainEnv() });
    writeFileSync(join(pkg, 'package.json'), readFileSync(join(repo, 'package.json')));
    symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    symlinkSync(pkg, join(consumer, 'node_modules', 'dqp'), 'dir');
    // the consumer's own dependencies (types for its tsc run)
    symlinkSync(join(repo, 'node_modules', '@types'), join(consumer, 'node_modules', '@types'), 'dir');
    symlinkSync(join(repo, 'node_modules', '@tensorflow'), join(consumer, 'node_modules', '@tensorflow'), 'dir');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(tmp, 'compute.mjs'), COMPUTE_MJS);
    writeFileSync(join(consumer, 'main.mjs'), MAIN_MJS);
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('tsc emits JavaScript and declarations for the entry points, the command line and the worker scripts, with .js relative imports and no tsx', () => {
    expect(build!.status, `${build!.stdout}\n${build!.stderr}`).toBe(0);
    const dist = join(pkg, 'dist');
    const expected = ['optimizer/index.js', 'optimizer/index.d.ts', 'geometry/index.js', 'geometry/index.d.ts', 'optimizer/dqp/batch.js', 'optimizer/dqp/batch-worker.js'];
    expected.push('cli/main.js', 'cli/commands/solve.js', 'bench/file-suite.js', 'bench/file-suite-worker.js');
    for (const f of expected) expect(existsSync(join(dist, f)), f).toBe(true);
    const js = listFiles(dist).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(50);
    // the tests are not part of the package
    expect(existsSync(join(dist, 'test'))).toBe(false);
    const tsSpecifier = /(?:from\s*|import\s*\(\s*)['"]\.{1,2}\/[^'"]*\.ts['"]/;
    const tsxSpecifier = /['"]tsx(?:\/[^'"]*)?['"]/;
    for (const f of js) {
      const text = readFileSync(f, 'utf8');
      expect(tsSpecifier.test(text), `${f} imports a .ts file`).toBe(false);
      expect(tsxSpecifier.test(text), `${f} imports tsx`).toBe(false);
    }
  });

  it('plain node imports dqp and dqp/geometry from the build and reproduces the source results exactly', async () => {
    expect(build!.status).toBe(0);
    const run = spawnSync(process.execPath, ['main.mjs'], { cwd: consumer, encoding: 'utf8', env: plainEnv(), timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const { resolved, loader, ...built } = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown> & {
      resolved: { dqp: string; geometry: string };
      loader: { execArgv: string[]; nodeOptions: string | null };
    };
    // resolved through the exports map to the compiled files, with no loader flags
    expect(resolved.dqp).toBe(pathToFileURL(join(pkg, 'dist', 'optimizer', 'index.js')).href);
    expect(resolved.geometry).toBe(pathToFileURL(join(pkg, 'dist', 'geometry', 'index.js')).href);
    expect(loader).toEqual({ execArgv: [], nodeOptions: null });

    const { compute } = (await import(/* @vite-ignore */ pathToFileURL(join(tmp, 'compute.mjs')).href)) as {
      compute: (dqp: typeof optimizerSources, geometry: typeof geometrySources) => Promise<Record<string, unknown>>;
    };
    const fromSources = JSON.parse(JSON.stringify(await compute(optimizerSources, geometrySources))) as Record<string, unknown>;
    expect(built).toEqual(fromSources);

    // and the numbers are the right ones, not just equal. The 3-variable QP by hand: with z2 = −1/5
    // active and z1 + z3 = 6/5, stationarity along u = (1, 0, −1) gives 4z1 − 6/5 = −7/10 − 2z1,
    // so z = (1/12, −1/5, 67/60); z moves only along u, hence ∇q = −u (uᵀg_z)/(uᵀPu) with
    // uᵀg_z = 1/2, uᵀPu = 6: ∇q = (−1/12, 0, 1/12)
    const qp = fromSources.qp as { status: string; z: number[]; active: number[]; activeLb: number[]; activeUb: number[]; grads: { q: number[] } };
    expect(qp.status).toBe('solved');
    [1 / 12, -1 / 5, 67 / 60].forEach((v, i) => expect(Math.abs(qp.z[i]! - v)).toBeLessThan(1e-7));
    expect([qp.active, qp.activeLb, qp.activeUb]).toEqual([[], [1], []]);
    [-1 / 12, 0, 1 / 12].forEach((v, i) => expect(Math.abs(qp.grads.q[i]! - v)).toBeLessThan(1e-7));
    // the worker pool (worker file found next to batch.js) gives the serial numbers bitwise
    const pool = fromSources.pool as { z: number[]; grads: unknown };
    expect(pool.z).toEqual(qp.z);
    expect(pool.grads).toEqual((fromSources.qp as { grads: unknown }).grads);
    const highs = fromSources.highs as { status: string; z: number[] };
    expect(highs.status).toBe('solved');
    [1 / 12, -1 / 5, 67 / 60].forEach((v, i) => expect(Math.abs(highs.z[i]! - v)).toBeLessThan(1e-6));
    const cross = fromSources.cross as { nv: number; nf: number; status: string; gTheta: number[]; ne: number };
    expect([cross.nv, cross.nf, cross.status]).toEqual([49, 72, 'solved']);
    expect(cross.gTheta).toHaveLength(cross.ne);
    expect(cross.gTheta.some((v) => v !== 0)).toBe(true);
  });

  it('import "dqp" loads no TensorFlow.js module; loadTf() loads it on first use', () => {
    expect(build!.status).toBe(0);
    writeFileSync(join(consumer, 'trace-hook.mjs'), TRACE_HOOK);
    writeFileSync(join(consumer, 'register-trace.mjs'), "import { register } from 'node:module';\nregister('./trace-hook.mjs', import.meta.url);\n");
    writeFileSync(join(consumer, 'lazy-tf.mjs'), LAZY_TF_MJS);
    const trace = join(tmp, 'lazy-tf.trace');
    writeFileSync(trace, '');
    const run = spawnSync(process.execPath, ['--import', './register-trace.mjs', 'lazy-tf.mjs'], {
      cwd: consumer,
      encoding: 'utf8',
      env: { ...plainEnv(), DQP_TRACE: trace },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const atImport = readFileSync(`${trace}.import`, 'utf8').split('\n').filter((u) => u.length > 0);
    const afterLoad = readFileSync(trace, 'utf8').split('\n').filter((u) => u.length > 0);
    const distUrl = pathToFileURL(join(pkg, 'dist')).href;
    // the hook saw the package's module graph (the entry and the modules behind it) …
    expect(atImport).toContain(`${distUrl}/optimizer/index.js`);
    expect(atImport).toContain(`${distUrl}/optimizer/dqp/forward.js`);
    expect(atImport).toContain(`${distUrl}/optimizer/tf/load.js`);
    // … and nothing of TensorFlow.js, which it does see once loadTf() runs
    expect(atImport.filter((u) => u.includes('/@tensorflow/'))).toEqual([]);
    expect(afterLoad.filter((u) => u.includes('/@tensorflow/')).length).toBeGreaterThan(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { loaded: string; exports: string[] };
    expect(['@tensorflow/tfjs', '@tensorflow/tfjs-node']).toContain(out.loaded);
  });

  it("'dqp/browser' imports no Node built-in and exports 'dqp' minus the Node-only names", () => {
    expect(build!.status).toBe(0);
    writeFileSync(join(consumer, 'trace-hook.mjs'), TRACE_HOOK);
    writeFileSync(join(consumer, 'register-trace.mjs'), "import { register } from 'node:module';\nregister('./trace-hook.mjs', import.meta.url);\n");
    writeFileSync(
      join(consumer, 'browser.mjs'),
      "const b = await import('dqp/browser');\nconst all = await import('dqp');\nprocess.stdout.write(JSON.stringify({ browser: Object.keys(b).sort(), all: Object.keys(all).sort() }) + '\\n');\n",
    );
    const trace = join(tmp, 'browser.trace');
    writeFileSync(trace, '');
    const run = spawnSync(process.execPath, ['--import', './register-trace.mjs', 'browser.mjs'], {
      cwd: consumer,
      encoding: 'utf8',
      env: { ...plainEnv(), DQP_TRACE: trace },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const urls = readFileSync(trace, 'utf8').split('\n').filter((u) => u.length > 0);
    const browserAt = urls.indexOf(pathToFileURL(join(pkg, 'dist', 'optimizer', 'browser.js')).href);
    const indexAt = urls.indexOf(pathToFileURL(join(pkg, 'dist', 'optimizer', 'index.js')).href);
    expect(browserAt).toBeGreaterThanOrEqual(0);
    expect(indexAt).toBeGreaterThan(browserAt);
    // everything resolved while importing dqp/browser (before dqp itself) is a file of the package
    // or a dependency, never node:…; the full entry then does resolve Node built-ins
    const browserGraph = urls.slice(browserAt, indexAt);
    expect(browserGraph.length).toBeGreaterThan(30);
    expect(browserGraph.filter((u) => u.startsWith('node:'))).toEqual([]);
    expect(urls.slice(indexAt).some((u) => u.startsWith('node:'))).toBe(true);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { browser: string[]; all: string[] };
    const nodeOnly = out.all.filter((k) => !out.browser.includes(k));
    expect(nodeOnly.sort()).toEqual(['DqpWorkerPool', 'dqpBackwardBatch', 'dqpForwardBatch', 'isRemoteResult', 'marosMeszarosFromBytes', 'mpcFromBytes', 'readMarosMeszaros', 'readMpc'].sort());
    expect(out.browser.filter((k) => !out.all.includes(k))).toEqual([]);
  });

  it('the package exports every solver backend and none of the internals', async () => {
    const built = (await import(/* @vite-ignore */ pathToFileURL(join(pkg, 'dist', 'optimizer', 'index.js')).href)) as Record<string, unknown> & {
      listSolvers: () => { name: string }[];
    };
    const backendNames = Object.entries(built)
      .filter(([k, v]) => k.endsWith('Backend') && typeof v === 'object')
      .map(([, v]) => (v as { name: string }).name)
      .sort();
    expect(backendNames).toEqual(built.listSolvers().map((s) => s.name).sort());
    expect(backendNames).toContain('dualas');
    for (const name of ['solveQP', 'loadSolvers', 'dqpForward', 'dqpBackward', 'DqpLayer', 'DqpWorkerPool', 'loadTf', 'TfQpLayer', 'setWarningHandler', 'readProblemJson', 'readMatrixMarket', 'SparseLdl', 'InputError']) {
      expect(built[name], name).toBeDefined();
    }
    for (const name of ['mulberry32', 'median', 'warn', 'warnOnce', 'resetWarnOnce', 'KktFactorCache', 'DQP_DEFAULTS', 'INFINITE_BOUND', 'SYMMETRY_RTOL', 'embedBilevel']) {
      expect(name in built, name).toBe(false);
    }
  });

  it('the packaged command runs from dist/ in plain node (no TypeScript sources beside it)', () => {
    expect(build!.status).toBe(0);
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    writeFileSync(join(pkg, 'bin', 'dqp.js'), readFileSync(join(repo, 'bin', 'dqp.js')));
    const run = spawnSync(process.execPath, [join(pkg, 'bin', 'dqp.js'), 'solvers', '--json'], { cwd: tmp, encoding: 'utf8', env: plainEnv(), timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const names = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { solvers: { name: string }[] }).solvers.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['ipm', 'admm', 'highs', 'quadprog', 'dualas']));
  });

  it('a TypeScript consumer type-checks against the emitted declarations through the exports map', () => {
    expect(build!.status).toBe(0);
    writeFileSync(join(consumer, 'main.ts'), CONSUMER_TS);
    // skipLibCheck: @tensorflow/tfjs's own declarations do not pass a full check; the dqp
    // declarations are still used for every name the consumer imports
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
        files: ['main.ts'],
      }),
    );
    const tc = spawnSync(process.execPath, [tscJs, '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8', env: plainEnv() });
    expect(tc.status, `${tc.stdout}\n${tc.stderr}`).toBe(0);
  });
});
