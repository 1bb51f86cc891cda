/**
 * The TensorFlow.js adapter: TfQpLayer gradients equal dqpBackward's (float32 tolerance), for
 * dense and sparse (fixed-pattern) inputs, with and without a batch dimension; shared inputs sum
 * their gradient over the batch; tf.train.adam through the layer reduces a loss; loadTf picks
 * @tensorflow/tfjs-node when it can be imported and falls back to @tensorflow/tfjs otherwise
 * (checked against what is installed here, and in child processes whose module resolution hides
 * tfjs-node or replaces it with a stub).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import type { DqpGradients } from '../optimizer/dqp/types.ts';
import { setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { cscFromTriplets } from '../optimizer/linalg/csc.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { loadedTfPackage, loadTf, type Tf } from '../optimizer/tf/load.ts';
import { TfQpLayer } from '../optimizer/tf/qp-layer.ts';
import { knownQP, randomLoss } from './dqp-fixtures.ts';

let tf: Tf;
beforeAll(async () => {
  setDqpWarningHandler(() => {});
  tf = await loadTf();
});

/** Round a problem to float32 (what the tensors hold), back in Float64. */
const f32 = (v: Float64Array) => Float64Array.from(Float32Array.from(v));
function roundProblem(pr: QPProblem): QPProblem {
  const mat = (M: Matrix | null | undefined): Matrix | null =>
    !M ? null : M.format === 'dense' ? { ...M, data: f32(M.data) } : { ...M, values: f32(M.values) };
  const vec = (v: Float64Array | null | undefined) => (v ? f32(v) : null);
  return { P: mat(pr.P)!, q: f32(pr.q), A: mat(pr.A), b: vec(pr.b), C: mat(pr.C), d: vec(pr.d), lb: vec(pr.lb), ub: vec(pr.ub) };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rel = 2e-4): void {
  expect(actual.length, what).toBe(expected.length);
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]`).toBeLessThanOrEqual(rel * scale);
}

const denseTensor = (tfm: Tf, M: Matrix) => {
  const D = toDense(M);
  return tfm.tensor(Float32Array.from(D.data), [D.nrows, D.ncols]);
};

describe('TfQpLayer, dense inputs', () => {
  it('gradients of a linear loss of (z, λ, μ, μ_lb, μ_ub) equal dqpBackward', () => {
    for (let s = 0; s < 4; s++) {
      const kq = knownQP(`tf-dense-${s}`, { n: 6 + s, p: 1 + (s % 2), m: 7, k: 2, bounds: s % 2 === 0, activeBounds: 1 });
      const pr = roundProblem(kq.problem);
      const n = pr.P.ncols;
      const p = pr.A!.nrows;
      const m = pr.C!.nrows;
      const loss = randomLoss(`tf-dense-${s}`, n, p, m, !!pr.lb);
      const ref = dqpBackward(dqpForward(pr, { solver: 'quadprog' }), { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub });
      const layer = new TfQpLayer(tf, { options: { solver: 'quadprog' } });
      const t = {
        P: denseTensor(tf, pr.P),
        q: tf.tensor(Float32Array.from(pr.q)),
        A: denseTensor(tf, pr.A!),
        b: tf.tensor(Float32Array.from(pr.b!)),
        C: denseTensor(tf, pr.C!),
        d: tf.tensor(Float32Array.from(pr.d!)),
        lb: pr.lb ? tf.tensor(Float32Array.from(pr.lb)) : null,
        ub: pr.ub ? tf.tensor(Float32Array.from(pr.ub)) : null,
      };
      const keys = (['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const).filter((k) => t[k]);
      const w = (v: Float64Array | null) => tf.tensor(Float32Array.from(v ?? []));
      const f = (...xs: import('@tensorflow/tfjs').Tensor[]) => {
        const inp = Object.fromEntries(keys.map((k, i) => [k, xs[i]!])) as unknown as Parameters<TfQpLayer['apply']>[0];
        const o = layer.apply(inp);
        let l = tf.add(tf.sum(tf.mul(o.z, w(loss.wz))), tf.add(tf.sum(tf.mul(o.lambda, w(loss.wl))), tf.sum(tf.mul(o.mu, w(loss.wm)))));
        if (o.muLb) l = tf.add(l, tf.add(tf.sum(tf.mul(o.muLb, w(loss.wlb))), tf.sum(tf.mul(o.muUb!, w(loss.wub)))));
        return l as import('@tensorflow/tfjs').Scalar;
      };
      const grads = tf.grads(f)(keys.map((k) => t[k]!));
      // forward values
      const o = layer.apply(t as never);
      expectClose(o.z.dataSync(), kq.z, 'z', 1e-4);
      keys.forEach((k, i) => expectClose(grads[i]!.dataSync(), (ref as DqpGradients)[k]!, `∇${k} (problem ${s})`));
    }
  });

  it('a batch dimension: batched q and b, shared P, A, C, d (gradient summed over the batch)', () => {
    const kq = knownQP('tf-batch', { n: 6, p: 1, m: 6, k: 2 });
    const pr = roundProblem(kq.problem);
    const B = 3;
    const qs = Array.from({ length: B }, (_, bi) => f32(pr.q.map((v, i) => v + 0.01 * bi * (i % 3))));
    const bs = Array.from({ length: B }, (_, bi) => f32(pr.b!.map((v) => v + 0.02 * bi)));
    const layer = new TfQpLayer(tf, { options: { solver: 'quadprog' } });
    const P = denseTensor(tf, pr.P);
    const A = denseTensor(tf, pr.A!);
    const C = denseTensor(tf, pr.C!);
    const d = tf.tensor(Float32Array.from(pr.d!));
    const qT = tf.tensor(Float32Array.from(qs.flatMap((v) => Array.from(v))), [B, 6]);
    const bT = tf.tensor(Float32Array.from(bs.flatMap((v) => Array.from(v))), [B, 1]);
    const wz = tf.tensor(Float32Array.from({ length: B * 6 }, (_, i) => Math.sin(i + 1)), [B, 6]);
    const f = (Pt: import('@tensorflow/tfjs').Tensor, qt: import('@tensorflow/tfjs').Tensor, bt: import('@tensorflow/tfjs').Tensor, dt: import('@tensorflow/tfjs').Tensor) =>
      tf.sum(tf.mul(layer.apply({ P: Pt, q: qt, A, b: bt, C, d: dt }).z, wz)) as import('@tensorflow/tfjs').Scalar;
    const [gP, gq, gb, gd] = tf.grads(f)([P, qT, bT, d]);
    expect(gq!.shape).toEqual([B, 6]);
    expect(gP!.shape).toEqual([6, 6]);
    const out = layer.apply({ P, q: qT, A, b: bT, C, d });
    expect(out.z.shape).toEqual([B, 6]);
    expect(out.mu.shape).toEqual([B, 6]);
    const sumP = new Float64Array(36);
    const sumD = new Float64Array(6);
    const wzd = wz.dataSync();
    for (let bi = 0; bi < B; bi++) {
      const prb: QPProblem = { ...pr, q: qs[bi]!, b: bs[bi]! };
      const fwd = dqpForward(prb, { solver: 'quadprog' });
      expectClose(out.z.dataSync().subarray(bi * 6, bi * 6 + 6), fwd.z, `z[${bi}]`, 1e-4);
      const g = dqpBackward(fwd, { z: Float64Array.from(wzd.subarray(bi * 6, bi * 6 + 6)) });
      expectClose(gq!.dataSync().subarray(bi * 6, bi * 6 + 6), g.q!, `∇q[${bi}]`);
      expectClose(gb!.dataSync().subarray(bi, bi + 1), g.b!, `∇b[${bi}]`);
      g.P!.forEach((v, i) => (sumP[i] += v));
      g.d!.forEach((v, i) => (sumD[i] += v));
    }
    expectClose(gP!.dataSync(), sumP, '∇P (summed)');
    expectClose(gd!.dataSync(), sumD, '∇d (summed)');
    expect(layer.lastResults).toHaveLength(B);
  });
});

describe('TfQpLayer, sparse inputs over fixed patterns', () => {
  it('P as CSC values, C as COO values in any order with a duplicate; gradients in input order', () => {
    const kq = knownQP('tf-sparse', { n: 8, p: 1, m: 8, k: 3, sparse: true, density: 0.4 });
    const pr = roundProblem(kq.problem);
    const P = pr.P as CscMatrix;
    const Cd = toDense(pr.C!) as DenseMatrix;
    // COO of C: reversed row-major order, first entry split into two halves (a duplicate)
    const row: number[] = [];
    const col: number[] = [];
    const val: number[] = [];
    for (let i = 7; i >= 0; i--)
      for (let j = 7; j >= 0; j--) {
        const v = Cd.data[i * 8 + j]!;
        if (v !== 0) {
          row.push(i);
          col.push(j);
          val.push(v);
        }
      }
    row.push(row[0]!);
    col.push(col[0]!);
    val[0] = Math.fround(val[0]! / 2);
    val.push(val[0]!);
    const Ccsc = cscFromTriplets(8, 8, row, col, val);
    const prob: QPProblem = { ...pr, C: Ccsc };
    const layer = new TfQpLayer(tf, {
      sparse: { P: { format: 'csc', nrows: 8, ncols: 8, colPtr: P.colPtr, rowIdx: P.rowIdx }, C: { format: 'coo', nrows: 8, ncols: 8, row, col } },
      options: { solver: 'quadprog' },
    });
    const Pv = tf.tensor(Float32Array.from(P.values));
    const Cv = tf.tensor(Float32Array.from(val));
    const A = denseTensor(tf, pr.A!);
    const wz = Float64Array.from({ length: 8 }, (_, i) => Math.cos(i));
    const f = (pv: import('@tensorflow/tfjs').Tensor, cv: import('@tensorflow/tfjs').Tensor) =>
      tf.sum(tf.mul(layer.apply({ P: pv, q: tf.tensor(Float32Array.from(pr.q)), A, b: tf.tensor(Float32Array.from(pr.b!)), C: cv, d: tf.tensor(Float32Array.from(pr.d!)) }).z, tf.tensor(Float32Array.from(wz)))) as import('@tensorflow/tfjs').Scalar;
    const [gPv, gCv] = tf.grads(f)([Pv, Cv]);
    const ref = dqpBackward(dqpForward(prob, { solver: 'quadprog' }), { z: wz });
    expectClose(gPv!.dataSync(), ref.P!, '∇P values');
    // each COO entry gets the gradient of the CSC entry it was summed into
    const refCoo = row.map((r, k) => {
      for (let e = Ccsc.colPtr[col[k]!]!; e < Ccsc.colPtr[col[k]! + 1]!; e++) if (Ccsc.rowIdx[e] === r) return ref.C![e]!;
      return NaN;
    });
    expectClose(gCv!.dataSync(), refCoo, '∇C values (COO order)');
    expect(gCv!.dataSync()[0]).toBeCloseTo(gCv!.dataSync()[row.length - 1]!, 6);
  });

  it('rejects tensors whose shape does not match the pattern or the other inputs', () => {
    const layer = new TfQpLayer(tf, { sparse: { C: { format: 'coo', nrows: 2, ncols: 3, row: [0, 1], col: [0, 2] } } });
    const base = { P: tf.eye(3), q: tf.zeros([3]), C: tf.zeros([3]), d: tf.zeros([2]) };
    expect(() => layer.apply(base)).toThrow(/inputs\.C/);
    expect(() => layer.apply({ ...base, C: tf.zeros([2]), P: tf.zeros([2, 3, 3]), q: tf.zeros([4, 3]) })).toThrow(/batch size/);
    expect(() => layer.apply({ P: tf.eye(3), q: tf.zeros([3]), d: tf.zeros([2]) })).toThrow(/inputs\.C/);
  });
});

describe('training through the layer', () => {
  it('tf.train.adam on q reduces ‖z*(q) − target‖² by a large factor', () => {
    // projection-like QP: min ½‖z‖² + qᵀz s.t. z ≥ 0, Σz = 1 (simplex); learn q so that z* = target
    const n = 5;
    const target = tf.tensor(Float32Array.from([0.5, 0.3, 0.2, 0, 0]));
    const P = tf.eye(n);
    const A = tf.ones([1, n]);
    const b = tf.ones([1]);
    const C = tf.neg(tf.eye(n));
    const d = tf.zeros([n]);
    const q = tf.variable(tf.zeros([n]));
    const layer = new TfQpLayer(tf, { options: { solver: 'quadprog' } });
    const lossOf = () => tf.sum(tf.square(tf.sub(layer.apply({ P, q, A, b, C, d }).z, target))) as import('@tensorflow/tfjs').Scalar;
    const first = lossOf().dataSync()[0]!;
    const opt = tf.train.adam(0.05);
    for (let it = 0; it < 80; it++) opt.minimize(lossOf);
    const last = lossOf().dataSync()[0]!;
    expect(first).toBeGreaterThan(0.05);
    expect(last).toBeLessThan(first * 1e-2);
  });
});

/** Is @tensorflow/tfjs-node installed here (resolvable from this project), and does it load? */
async function tfjsNodeHere(): Promise<'absent' | 'broken' | 'loads'> {
  const name = ['@tensorflow', 'tfjs-node'].join('/'); // not a literal: the package need not exist for tsc
  try {
    createRequire(import.meta.url).resolve(name);
  } catch {
    return 'absent';
  }
  try {
    await import(name);
    return 'loads';
  } catch {
    return 'broken'; // installed, but its native library is missing
  }
}

/**
 * loadTf() in a fresh Node process whose module resolution is rigged by a loader hook:
 * '@tensorflow/tfjs-node' is not found ('absent'), or resolves to a stub module ('stub': a
 * default export { stub: true }). Returns which package loadTf reported and what it returned.
 */
function loadTfWith(rig: 'absent' | 'stub', preferNode = true): { pkg: string; stub: boolean; backend: string | null } {
  const answer =
    rig === 'absent'
      ? "const e = new Error('Cannot find package @tensorflow/tfjs-node'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;"
      : "return { url: 'data:text/javascript,export default { stub: true, tensor() {} };', shortCircuit: true };";
  const hooks = `export async function resolve(specifier, context, next) {
    if (specifier === '@tensorflow/tfjs-node') { ${answer} }
    return next(specifier, context);
  }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const load = new URL('../optimizer/tf/load.ts', import.meta.url).href;
  const code =
    `const m = await import(${JSON.stringify(load)}); const tf = await m.loadTf({ preferNode: ${preferNode} });` +
    `let backend = null; if (typeof tf.ready === 'function') { await tf.ready(); backend = tf.getBackend(); }` +
    `console.log(JSON.stringify({ pkg: m.loadedTfPackage, stub: tf.stub === true, backend }));`;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  // the rigging hook is registered after tsx's, so it runs first
  const r = spawnSync(process.execPath, ['--import', tsx, '--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { pkg: string; stub: boolean; backend: string | null };
}

describe('loadTf', () => {
  it('loads @tensorflow/tfjs-node when it is installed and loads here, else @tensorflow/tfjs (the cpu backend)', async () => {
    const node = await tfjsNodeHere();
    expect(loadedTfPackage).toBe(node === 'loads' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs');
    await tf.ready();
    expect(tf.getBackend()).toBe(node === 'loads' ? 'tensorflow' : 'cpu');
    expect(typeof tf.customGrad).toBe('function');
  });

  it('falls back to @tensorflow/tfjs when @tensorflow/tfjs-node cannot be found', () => {
    expect(loadTfWith('absent')).toEqual({ pkg: '@tensorflow/tfjs', stub: false, backend: 'cpu' });
  }, 60_000);

  it('prefers @tensorflow/tfjs-node when it can be imported, unless preferNode is false', () => {
    expect(loadTfWith('stub')).toEqual({ pkg: '@tensorflow/tfjs-node', stub: true, backend: null });
    expect(loadTfWith('stub', false)).toEqual({ pkg: '@tensorflow/tfjs', stub: false, backend: 'cpu' });
  }, 60_000);
});
