/**
 * Elimination of the variables fixed by single-entry active rows (optimizer/dqp/eliminate.ts),
 * the constraint-aware ordering, the singularity checks of the sparse path and the validity of
 * older forward results when a DqpLayer reuses a symbolic analysis.
 *
 * Gradients are checked against central finite differences of the full QP (re-solved by
 * quadprog, an exact active-set method) at non-degenerate points with MANY fixed variables:
 * active bounds, one-entry rows of C (a·z_i ≤ d) and of A (a·z_i = b), dense and sparse, and
 * against the same layer with the elimination switched off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { DqpLayer } from '../optimizer/dqp/layer.ts';
import { assembleReducedKkt, definiteVariables, kktOrdering, MATCH_MAGNITUDE, matchRowsByMagnitude, SPARSE_STATIC_REG } from '../optimizer/dqp/reduced-kkt.ts';
import { amdOrder } from '../optimizer/linalg/amd.ts';
import { selectActiveSet } from '../optimizer/dqp/active-set.ts';
import { inequalityRows } from '../optimizer/qp/inequality-rows.ts';
import type { DqpCotangents, DqpForwardResult, DqpGradients, DqpOptions } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { matTVec, matVec } from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { chainQP } from '../bench/generators.ts';
import { captureDqpWarnings } from './helpers.ts';
import { analyticFor, finiteDifference, gradientRelDiff, knownQP, randomLoss, referenceLoss, Rng, sampleIndices, type LinearLoss } from './dqp-fixtures.ts';

const PARAMS = ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const;
// warnings of the tests that do not check them are dropped (a test that does captures its own)
beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

interface FixedSpec {
  readonly n: number;
  /** general (dense random) equality rows */
  readonly p?: number;
  /** one-entry equality rows a·z_v = b */
  readonly pa?: number;
  /** general inequality rows, `k` of them active */
  readonly m?: number;
  readonly k?: number;
  /** one-entry inequality rows a·z_v ≤ d, `kc` of them active */
  readonly mc?: number;
  readonly kc?: number;
  /** active bounds (lb or ub); further finite inactive bounds are added at random */
  readonly nb?: number;
  /**
   * two-entry rows b(z_u ± z_v) ≤ d of equal magnitude: `kd` active ones among the free
   * variables forming a forest (they tie variables), `md − kd` inactive ones anywhere
   */
  readonly md?: number;
  readonly kd?: number;
  /** active equal-magnitude two-entry rows tying a FIXED variable to a fresh free one (which becomes fixed) */
  readonly kg?: number;
  /** three active rows z_a + z_b, z_b + z_c, z_c + z_a on fresh variables (independent; one closes a cycle) */
  readonly oddCycle?: boolean;
  /** active two-entry rows with entries of different magnitudes (never tied) */
  readonly ku?: number;
  readonly sparse?: boolean;
}

interface FixedQP {
  readonly problem: QPProblem;
  readonly z: Float64Array;
  /** rows of C active at z (general rows first, then the one-entry rows) */
  readonly active: Int32Array;
  /** number of variables the elimination should remove */
  readonly fixedCount: number;
  readonly p: number;
  readonly m: number;
}

/**
 * A QP with a known non-degenerate solution and many fixed variables (the construction of
 * dqp-fixtures.ts: choose z, the active rows and positive duals, then q from stationarity).
 * Each one-entry active row / active bound gets its own variable, so the active rows stay
 * independent; one-entry INACTIVE rows may sit on any variable.
 */
function fixedQP(seed: string, s: FixedSpec): FixedQP {
  // redraw (next sub-seed) until the active rows are linearly independent (LICQ)
  for (let attempt = 0; attempt < 20; attempt++) {
    const out = fixedQPAttempt(attempt === 0 ? seed : `${seed}/${attempt}`, s);
    if (out.independent) return out;
  }
  throw new Error('fixedQP: could not draw a problem satisfying LICQ');
}

/** Rank of the rows (Gaussian elimination with partial pivoting, tolerance 1e-9). */
function rank(rows: Float64Array[], n: number): number {
  const M = rows.map((r) => r.slice());
  const used = new Uint8Array(M.length);
  let rk = 0;
  for (let c = 0; c < n; c++) {
    let best = -1;
    let bv = 1e-9;
    for (let i = 0; i < M.length; i++) if (!used[i] && Math.abs(M[i]![c]!) > bv) (bv = Math.abs(M[i]![c]!)), (best = i);
    if (best < 0) continue;
    used[best] = 1;
    rk++;
    for (let i = 0; i < M.length; i++) {
      if (used[i]) continue;
      const f = M[i]![c]! / M[best]![c]!;
      for (let j = 0; j < n; j++) M[i]![j] -= f * M[best]![j]!;
    }
  }
  return rk;
}

function fixedQPAttempt(seed: string, s: FixedSpec): FixedQP & { readonly independent: boolean } {
  const rng = new Rng(seed);
  const n = s.n;
  const p = s.p ?? 0;
  const pa = s.pa ?? 0;
  const m = s.m ?? 0;
  const k = s.k ?? 0;
  const mc = s.mc ?? 0;
  const kc = s.kc ?? 0;
  const nb = s.nb ?? 0;
  if (pa + kc + nb + p + k + (s.kd ?? 0) + (s.kg ?? 0) + (s.oddCycle ? 3 : 0) + (s.ku ?? 0) > n) throw new Error('fixedQP: too many active rows');
  const signed = () => (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + 1.5 * rng.uniform());
  // P = LᵀL/n + I (dense SPD); sparse: keep a random symmetric subset of the off-diagonal
  const P = new Float64Array(n * n);
  const L = rng.fillNormal(new Float64Array(n * n));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let t = 0; t < n; t++) v += L[t * n + i]! * L[t * n + j]!;
      P[i * n + j] = v / n;
    }
  if (s.sparse) {
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        if (rng.uniform() < 0.75) {
          P[i * n + j] = 0;
          P[j * n + i] = 0;
        }
    // diagonal dominance keeps the sparsified matrix definite
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) if (j !== i) r += Math.abs(P[i * n + j]!);
      P[i * n + i] = r + 0.5 + rng.uniform();
    }
  } else for (let i = 0; i < n; i++) P[i * n + i] += 1;
  const z = rng.fillNormal(new Float64Array(n));
  // distinct variables for the one-entry equality rows, active one-entry rows and active bounds
  const vp = rng.permutation(n);
  let next = 0;
  const take = () => vp[next++]!;
  // the variables left free (vp[nFixed..]): every general row gets ≥ 2 entries there (LICQ)
  const nFixed = pa + kc + nb;
  const denseRow = (density: number) => {
    const r = new Float64Array(n);
    for (let j = 0; j < n; j++) if (rng.uniform() < density) r[j] = rng.normal();
    let cnt = 0;
    for (let t = nFixed; t < n; t++) if (r[vp[t]!] !== 0) cnt++;
    while (cnt < Math.min(2, n - nFixed)) {
      const j = vp[nFixed + rng.int(n - nFixed)]!;
      if (r[j] === 0) (r[j] = signed()), cnt++;
    }
    return r;
  };
  const density = s.sparse ? 0.3 : 1;
  const Arows: Float64Array[] = [];
  for (let i = 0; i < p; i++) Arows.push(denseRow(density));
  for (let i = 0; i < pa; i++) {
    const r = new Float64Array(n);
    r[take()] = signed();
    Arows.push(r);
  }
  const Crows: Float64Array[] = [];
  for (let i = 0; i < m; i++) Crows.push(denseRow(density));
  for (let i = 0; i < mc; i++) {
    const r = new Float64Array(n);
    r[i < kc ? take() : rng.int(n)] = signed();
    Crows.push(r);
  }
  // two-entry rows: ties among the free variables vp[nFixed..] (a forest), ties of fixed to
  // fresh free variables, an odd cycle of sums, unequal-magnitude rows, inactive ones
  const md = s.md ?? 0;
  const kd = s.kd ?? 0;
  const kg = s.kg ?? 0;
  const ku = s.ku ?? 0;
  const uf = Int32Array.from({ length: n }, (_, i) => i);
  const root = (x: number): number => (uf[x] === x ? x : (uf[x] = root(uf[x]!)));
  const twoRow = (a: number, b: number, va: number, vb: number) => {
    const r = new Float64Array(n);
    r[a] = va;
    r[b] = vb;
    Crows.push(r);
  };
  const activeTwo: boolean[] = [];
  // the free variables, shuffled: the first ones are "fresh" (used once), the rest form the forest
  const freeList = Array.from(rng.permutation(n - nFixed), (t) => vp[nFixed + t]!);
  const reserved = kg + (s.oddCycle ? 3 : 0) + 2 * ku;
  if (reserved + (kd > 0 ? kd + 1 : 0) > freeList.length) throw new Error('fixedQP: not enough free variables for the two-entry rows');
  let nextFresh = 0;
  const fresh = (): number => freeList[nextFresh++]!;
  const forest = freeList.slice(reserved);
  for (let t = 0; t < kd; t++) {
    for (;;) {
      const a = forest[rng.int(forest.length)]!;
      const b = forest[rng.int(forest.length)]!;
      if (a === b || root(a) === root(b)) continue;
      uf[root(a)] = root(b);
      const c = signed();
      twoRow(a, b, c, rng.uniform() < 0.5 ? c : -c);
      activeTwo.push(true);
      break;
    }
  }
  for (let t = 0; t < kg; t++) {
    const f = vp[rng.int(nFixed)]!;
    const c = signed();
    twoRow(f, fresh(), c, -c);
    activeTwo.push(true);
  }
  if (s.oddCycle) {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    const w = signed();
    twoRow(a, b, w, w);
    twoRow(b, c, -w, -w);
    twoRow(c, a, w, w);
    activeTwo.push(true, true, true);
  }
  for (let t = 0; t < ku; t++) {
    twoRow(fresh(), fresh(), 2.5, -1);
    activeTwo.push(true);
  }
  for (let t = kd; t < md; t++) {
    const a = rng.int(n);
    const b = (a + 1 + rng.int(n - 1)) % n;
    const c = signed();
    twoRow(a, b, c, -c);
    activeTwo.push(false);
  }
  const mAll = Crows.length;
  const activeC = new Uint8Array(mAll);
  for (const j of rng.permutation(m).subarray(0, k)) activeC[j] = 1;
  for (let i = 0; i < kc; i++) activeC[m + i] = 1;
  activeTwo.forEach((a, i) => (activeC[m + mc + i] = a ? 1 : 0));
  // bounds: nb active (one side), some inactive finite ones
  const lb = new Float64Array(n).fill(-Infinity);
  const ub = new Float64Array(n).fill(Infinity);
  const muLb = new Float64Array(n);
  const muUb = new Float64Array(n);
  for (let t = 0; t < nb; t++) {
    const i = take();
    if (rng.uniform() < 0.5) {
      lb[i] = z[i]!;
      muLb[i] = 0.5 + 1.5 * rng.uniform();
      if (rng.uniform() < 0.5) ub[i] = z[i]! + 0.5 + rng.uniform();
    } else {
      ub[i] = z[i]!;
      muUb[i] = 0.5 + 1.5 * rng.uniform();
    }
  }
  for (let i = 0; i < n; i++) {
    if (lb[i] === -Infinity && ub[i] === Infinity && rng.uniform() < 0.3) {
      lb[i] = z[i]! - 0.5 - rng.uniform();
      ub[i] = z[i]! + 0.5 + rng.uniform();
    }
  }
  const toMatrix = (rows: Float64Array[]): Matrix | null => {
    if (rows.length === 0) return null;
    const data = new Float64Array(rows.length * n);
    rows.forEach((r, i) => data.set(r, i * n));
    const M: DenseMatrix = { format: 'dense', nrows: rows.length, ncols: n, data };
    return s.sparse ? cscFromDense(M) : M;
  };
  const Pm: DenseMatrix = { format: 'dense', nrows: n, ncols: n, data: P };
  const Pmat: Matrix = s.sparse ? cscFromDense(Pm) : Pm;
  const A = toMatrix(Arows);
  const C = toMatrix(Crows);
  const lambda = rng.fillNormal(new Float64Array(p + pa));
  const mu = new Float64Array(mAll);
  for (let j = 0; j < mAll; j++) if (activeC[j]) mu[j] = 0.5 + 1.5 * rng.uniform();
  const b = A ? matVec(A, z) : null;
  let d: Float64Array | null = null;
  if (C) {
    d = matVec(C, z);
    for (let j = 0; j < mAll; j++) if (!activeC[j]) d[j] += 0.5 + 1.5 * rng.uniform();
  }
  const g = matVec(Pmat, z);
  if (A) matTVec(A, lambda, g, true);
  if (C) matTVec(C, mu, g, true);
  for (let i = 0; i < n; i++) g[i] += muUb[i]! - muLb[i]!;
  const q = g.map((v) => -v);
  const hasBounds = nb > 0 || lb.some(Number.isFinite);
  const problem: QPProblem = { P: Pmat, q, A, b, C, d, lb: hasBounds ? lb : null, ub: hasBounds ? ub : null };
  const active = Int32Array.from(Array.from(activeC.keys()).filter((j) => activeC[j]));
  const activeRows = [...Arows, ...Crows.filter((_, j) => activeC[j])];
  for (let i = 0; i < n; i++) {
    if (muLb[i]! > 0 || muUb[i]! > 0) {
      const e = new Float64Array(n);
      e[i] = 1;
      activeRows.push(e);
    }
  }
  const independent = rank(activeRows, n) === activeRows.length;
  // one eliminated variable per one-entry row and per tie; the odd cycle ties two of its three
  return { problem, z, active, fixedCount: pa + kc + nb + kd + kg + (s.oddCycle ? 2 : 0), p: p + pa, m: mAll, independent };
}

/** max |g − fd| / max(max |fd|, 1e-8) over sampled entries of every input. */
function gradientError(seed: string, problem: QPProblem, grads: DqpGradients, loss: LinearLoss, perInput: number): number {
  const rng = new Rng(`${seed}-entries`);
  const f = (pr: QPProblem) => referenceLoss(pr, loss);
  let maxErr = 0;
  let maxFd = 0;
  for (const param of PARAMS) {
    const input = problem[param];
    if (!input) continue;
    const g = grads[param]!;
    expect(g, `gradient of ${param}`).toBeDefined();
    for (const idx of sampleIndices(rng, g.length, perInput)) {
      if ((param === 'lb' || param === 'ub') && !Number.isFinite((input as Float64Array)[idx]!)) {
        expect(g[idx]).toBe(0);
        continue;
      }
      const fd = finiteDifference(problem, param, idx, f);
      const an = analyticFor(problem, param, idx, g);
      maxErr = Math.max(maxErr, Math.abs(fd - an));
      maxFd = Math.max(maxFd, Math.abs(fd));
    }
  }
  return maxErr / Math.max(maxFd, 1e-8);
}

function cotangentsOf(loss: LinearLoss): DqpCotangents {
  return { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub };
}

/** max |a − b| / max(1, max |b|) over every gradient both have. */
const gradDiff = (a: DqpGradients, b: DqpGradients) => gradientRelDiff(a, b, 1);

function maxAbsDiff(a: Float64Array | null, b: Float64Array | null): number {
  if (!a || !b) return a === b ? 0 : Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

interface Family {
  readonly name: string;
  readonly count: number;
  readonly spec: (i: number) => FixedSpec;
  readonly options?: DqpOptions;
}

const families: Family[] = [
  { name: 'dense, many active bounds', count: 8, spec: (i) => ({ n: 8 + i, m: 4, k: 1 + (i % 2), nb: 5 + (i % 3) }) },
  { name: 'sparse, many active bounds and equalities', count: 8, spec: (i) => ({ n: 10 + i, p: 1 + (i % 2), m: 5, k: 2, nb: 5 + (i % 3), sparse: true }) },
  { name: 'one-entry rows of C (active and inactive)', count: 8, spec: (i) => ({ n: 9 + i, m: 3, k: 1, mc: 6 + (i % 3), kc: 4 + (i % 2), sparse: i % 2 === 1 }) },
  { name: 'one-entry rows of A', count: 6, spec: (i) => ({ n: 8 + i, p: 1, pa: 3 + (i % 2), m: 4, k: 1 + (i % 2), sparse: i % 2 === 0 }) },
  { name: 'everything fixed (empty reduced system)', count: 4, spec: (i) => ({ n: 6 + i, pa: 2, mc: 3 + i, kc: 2, nb: 2 + i, sparse: i % 2 === 0 }) },
  {
    name: 'duals completed through the elimination',
    count: 6,
    spec: (i) => ({ n: 10 + i, p: 1, pa: 1, m: 4, k: 1, mc: 3, kc: 2, nb: 3, sparse: i % 2 === 0 }),
    options: { duals: 'kkt' },
  },
  {
    name: 'normalized rows',
    count: 6,
    spec: (i) => ({ n: 10 + i, p: 1, pa: 2, m: 4, k: 1, mc: 3, kc: 2, nb: 2, sparse: i % 2 === 1 }),
    options: { normalize: true, duals: 'kkt' },
  },
  {
    name: 'sparse LDLᵀ of the reduced system',
    count: 4,
    spec: (i) => ({ n: 14 + i, p: 2, pa: 1, m: 6, k: 2, mc: 4, kc: 3, nb: 4, sparse: true }),
    options: { linearSolver: 'sparse-ldl' },
  },
  { name: 'two-entry rows tying variables (difference and sum rows)', count: 8, spec: (i) => ({ n: 12 + i, m: 3, k: 1, md: 9, kd: 5 + (i % 3), nb: 1 + (i % 2), sparse: i % 2 === 1 }) },
  {
    name: 'ties to fixed variables, an odd cycle, unequal two-entry rows',
    count: 6,
    spec: (i) => ({ n: 16 + i, p: 1, pa: 1, m: 3, k: 1, mc: 2, kc: 1, nb: 2, md: 5, kd: 3, kg: 2, oddCycle: true, ku: 1, sparse: i % 2 === 0 }),
  },
  {
    name: 'ties, duals completed and normalized rows',
    count: 6,
    spec: (i) => ({ n: 14 + i, p: 1, m: 3, k: 1, nb: 2, md: 6, kd: 4, kg: 1, oddCycle: i % 2 === 0, sparse: i % 2 === 1 }),
    options: { duals: 'kkt', normalize: true },
  },
  {
    name: 'ties with the sparse LDLᵀ of the reduced system',
    count: 4,
    spec: (i) => ({ n: 18 + i, p: 2, m: 5, k: 2, nb: 3, md: 8, kd: 6, kg: 1, oddCycle: true, sparse: true }),
    options: { linearSolver: 'sparse-ldl' },
  },
];

describe('elimination of fixed variables: gradients match finite differences', () => {
  for (const fam of families) {
    it(`${fam.name} (${fam.count} problems), with no degeneracy warning`, () => {
      const { warnings } = captureDqpWarnings(() => checkFamily(fam));
      expect(warnings.map((w) => w.code)).toEqual([]);
    });
  }
});

/** One family of the table: forward, duals, gradients against finite differences and against the full K_J. */
function checkFamily(fam: (typeof families)[number]): void {
  let worst = 0;
  for (let i = 0; i < fam.count; i++) {
    const seed = `elim ${fam.name}#${i}`;
    const spec = fam.spec(i);
    const fq = fixedQP(seed, spec);
    const fwd = dqpForward(fq.problem, { solver: 'quadprog', ...fam.options });
    expect(fwd.status).toBe('solved');
    for (let j = 0; j < spec.n; j++) expect(fwd.z[j]).toBeCloseTo(fq.z[j]!, 8);
    expect(Array.from(fwd.active)).toEqual(Array.from(fq.active));
    expect(fwd.flags.nonDifferentiable).toBe(false);
    expect(fwd.eliminated).toBe(fq.fixedCount);
    const loss = randomLoss(seed, spec.n, fq.p, fq.m, !!fq.problem.lb);
    const cot = cotangentsOf(loss);
    const grads = dqpBackward(fwd, cot);
    expect(grads.leastSquares).toBe(false);
    const err = gradientError(seed, fq.problem, grads, loss, 8);
    worst = Math.max(worst, err);
    expect(err, `problem ${seed}`).toBeLessThanOrEqual(1e-5);
    // the same layer without the elimination: same duals and gradients
    const full = dqpForward(fq.problem, { solver: 'quadprog', ...fam.options, eliminateFixed: false });
    expect(full.eliminated).toBe(0);
    expect(maxAbsDiff(full.lambda, fwd.lambda)).toBeLessThan(1e-9);
    expect(maxAbsDiff(full.mu, fwd.mu)).toBeLessThan(1e-9);
    expect(maxAbsDiff(full.muLb, fwd.muLb)).toBeLessThan(1e-9);
    expect(gradDiff(grads, dqpBackward(full, cot))).toBeLessThan(1e-10);
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
}

describe('elimination on larger sparse problems (sparse LDLᵀ of K_R) equals the full K_J', () => {
  it('many active bounds, one-entry and two-entry rows, n = 120', () => {
    for (let s = 0; s < 3; s++) {
      const ties = s === 0 ? {} : { md: 30, kd: 20, kg: 3, oddCycle: s === 2 };
      const fq = fixedQP(`elim-large-${s}`, { n: 120, p: 3, pa: 8, m: 30, k: 12, mc: 40, kc: 24, nb: 24, sparse: true, ...ties });
      const loss = randomLoss(`elim-large-${s}`, 120, fq.p, fq.m, true);
      const cot = cotangentsOf(loss);
      for (const duals of ['auto', 'kkt'] as const) {
        const a = dqpForward(fq.problem, { solver: 'quadprog', duals, linearSolver: 'sparse-ldl' });
        const b = dqpForward(fq.problem, { solver: 'quadprog', duals, linearSolver: 'sparse-ldl', eliminateFixed: false });
        expect(a.eliminated).toBe(fq.fixedCount);
        expect(a.kktSolver).toBe('sparse-ldl');
        expect(b.kktSolver).toBe('sparse-ldl');
        expect(a.flags.nonDifferentiable || b.flags.nonDifferentiable).toBe(false);
        expect(maxAbsDiff(a.mu, b.mu)).toBeLessThan(1e-9);
        const ga = dqpBackward(a, cot);
        const gb = dqpBackward(b, cot);
        expect(ga.leastSquares || gb.leastSquares).toBe(false);
        expect(gradDiff(ga, gb)).toBeLessThan(1e-10);
      }
    }
  });
});

describe('the cyclic chain (benchmarks.md family 4): every active row ties two points', () => {
  it('eliminates one variable per active row; same gradients as the full K_J and as finite differences', () => {
    const problem = chainQP(2, 7, { points: 40 }); // n = 80, 160 rows ±(z_j − z_{j+1}) ≤ 1
    const fwd = dqpForward(problem, { solver: 'quadprog' });
    const full = dqpForward(problem, { solver: 'quadprog', eliminateFixed: false });
    expect(fwd.status).toBe('solved');
    expect(fwd.flags.nonDifferentiable).toBe(false);
    expect(fwd.active.length).toBeGreaterThan(20);
    expect(fwd.eliminated).toBe(fwd.active.length);
    const loss = randomLoss('chain', 80, 0, problem.C!.nrows, false);
    const cot = { z: loss.wz, mu: loss.wm };
    const grads = dqpBackward(fwd, cot);
    expect(gradDiff(grads, dqpBackward(full, cot))).toBeLessThan(1e-10);
    expect(gradientError('chain', problem, grads, loss, 4)).toBeLessThanOrEqual(1e-5);
  });
});

describe('the factored K_J is independent of the caller\'s arrays', () => {
  it('changing P, A, C in place after the forward does not change the backward', () => {
    for (const sparse of [false, true]) {
      const fq = fixedQP(`elim-mutate-${sparse}`, { n: 12, p: 1, pa: 1, m: 4, k: 1, mc: 3, kc: 2, nb: 3, sparse });
      const loss = randomLoss('elim-mutate', 12, fq.p, fq.m, true);
      const cot = cotangentsOf(loss);
      const fwd = dqpForward(fq.problem, { solver: 'quadprog' });
      expect(fwd.eliminated).toBe(6);
      const before = dqpBackward(fwd, cot);
      // overwrite the caller's matrices
      for (const M of [fq.problem.P, fq.problem.A!, fq.problem.C!]) (M.format === 'dense' ? M.data : M.values).fill(7);
      const after = dqpBackward(fwd, cot);
      // the solve is unchanged (∇q, ∇b, ∇d, ∇lb, ∇ub depend only on it)
      for (const key of ['q', 'b', 'd', 'lb', 'ub'] as const) expect(maxAbsDiff(after[key]!, before[key]!)).toBe(0);
    }
  });
});

describe('cases the elimination leaves to the full K_J', () => {
  it('two one-entry rows on the same variable (parallel rows): singular, least squares, as without elimination', () => {
    // min ½‖z‖² − 2z₀ − z₁ s.t. z₀ ≤ 1 (a row of C) and z₀ ≤ 1 (ub): both active, parallel
    const n = 3;
    const problem: QPProblem = {
      P: { format: 'dense', nrows: n, ncols: n, data: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) },
      q: Float64Array.from([-2, -1, 0]),
      C: { format: 'dense', nrows: 1, ncols: n, data: Float64Array.from([2, 0, 0]) },
      d: Float64Array.from([2]),
      lb: null,
      ub: Float64Array.from([1, Infinity, Infinity]),
    };
    const a = dqpForward(problem, { solver: 'quadprog', duals: 'kkt' });
    const b = dqpForward(problem, { solver: 'quadprog', duals: 'kkt', eliminateFixed: false });
    expect(a.eliminated).toBe(0);
    expect(a.flags.singular).toBe(true);
    expect(a.kktSolver).toBe(b.kktSolver);
    const cot = { z: Float64Array.from([1, 1, 1]) };
    expect(gradDiff(dqpBackward(a, cot), dqpBackward(b, cot))).toBe(0);
  });

  it('a row that becomes empty once the fixed variables are removed (dependent rows): the full K_J decides', () => {
    // active rows z₀ ≥ 0 (lb), z₁ ≥ 0 (lb) and z₀ + z₁ ≤ 0: dependent, |J| = 3 ≤ n = 4
    const n = 4;
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    const problem: QPProblem = {
      P: { format: 'dense', nrows: n, ncols: n, data: I },
      q: Float64Array.from([1, 1, -1, 0]),
      C: { format: 'dense', nrows: 1, ncols: n, data: Float64Array.from([1, 1, 0, 0]) },
      d: Float64Array.from([0]),
      lb: Float64Array.from([0, 0, -Infinity, -Infinity]),
      ub: null,
    };
    for (const linearSolver of ['auto', 'dense', 'sparse-ldl'] as const) {
      const a = dqpForward(problem, { solver: 'quadprog', duals: 'kkt', linearSolver });
      const b = dqpForward(problem, { solver: 'quadprog', duals: 'kkt', linearSolver, eliminateFixed: false });
      expect(a.eliminated).toBe(0);
      expect(a.flags.singular).toBe(true);
      expect(a.flags.leastSquares).toBe(true);
      expect(a.kktSolver).toBe(b.kktSolver);
      const cot = { z: Float64Array.from([1, 2, 3, 4]) };
      expect(gradDiff(dqpBackward(a, cot), dqpBackward(b, cot))).toBe(0);
    }
  });

  it('linearSolver lstsq and |J| + p > n factor the full K_J', () => {
    const fq = fixedQP('elim-lstsq', { n: 8, m: 3, k: 1, nb: 4 });
    expect(dqpForward(fq.problem, { solver: 'quadprog', linearSolver: 'lstsq' }).eliminated).toBe(0);
    const over: QPProblem = {
      P: { format: 'dense', nrows: 2, ncols: 2, data: Float64Array.from([1, 0, 0, 1]) },
      q: Float64Array.from([-1, -1]),
      C: { format: 'dense', nrows: 1, ncols: 2, data: Float64Array.from([1, 1]) },
      d: Float64Array.from([0]),
      lb: null,
      ub: Float64Array.from([0, 0]),
    };
    const f = dqpForward(over, { solver: 'quadprog' });
    expect(f.flags.overdetermined).toBe(true);
    expect(f.eliminated).toBe(0);
  });
});

describe('kktOrdering', () => {
  const kktOf = (problem: QPProblem, z: Float64Array) => {
    const n = problem.P.ncols;
    const rows = inequalityRows(n, problem.C, problem.d, problem.lb, problem.ub);
    const J = selectActiveSet(rows.residuals(z), 1e-9, null);
    return assembleReducedKkt({ P: problem.P, A: problem.A ?? null, rows, J, sA: null, sC: null }, 'sparse');
  };

  it("mode 'all' puts every constraint row after all of its variables", () => {
    const kq = knownQP('kkt-order-after', { n: 60, p: 5, m: 70, k: 40, sparse: true, density: 0.05 });
    const K = kktOf(kq.problem, kq.z);
    const perm = kktOrdering(K.upper!, K.n, definiteVariables(K.upper!, K.n), 'all');
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: K.N }, (_, i) => i));
    const pos = new Int32Array(K.N);
    perm.forEach((node, k) => (pos[node] = k));
    const U = K.upper!;
    let checked = 0;
    for (let c = K.n; c < K.N; c++) {
      for (let e = U.colPtr[c]!; e < U.colPtr[c + 1]!; e++) {
        const v = U.rowIdx[e]!;
        if (v < K.n) {
          expect(pos[v]).toBeLessThan(pos[c]!);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("mode 'matched' puts every row after its own variable, matched by largest entries", () => {
    const kq = knownQP('kkt-order-matched', { n: 60, p: 5, m: 70, k: 40, sparse: true, density: 0.05 });
    const K = kktOf(kq.problem, kq.z);
    const U = K.upper!;
    const definite = definiteVariables(U, K.n);
    const amdPos = new Int32Array(K.N);
    amdOrder(U).forEach((node, k) => (amdPos[node] = k));
    const match = matchRowsByMagnitude(U, K.n, definite, amdPos);
    const perm = kktOrdering(U, K.n, definite, 'matched');
    expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: K.N }, (_, i) => i));
    const pos = new Int32Array(K.N);
    perm.forEach((node, k) => (pos[node] = k));
    const seen = new Set<number>();
    let largest = 0;
    for (let t = 0; t < K.N - K.n; t++) {
      const v = match[t]!;
      expect(v).toBeGreaterThanOrEqual(0); // LICQ: a full matching exists
      expect(seen.has(v)).toBe(false); // distinct variables
      seen.add(v);
      expect(pos[v]).toBeLessThan(pos[K.n + t]!);
      // the matched entry is an entry of the row; count the rows that got their largest one
      let mx = 0;
      let mv = 0;
      for (let e = U.colPtr[K.n + t]!; e < U.colPtr[K.n + t + 1]!; e++) {
        if (U.rowIdx[e]! >= K.n) continue;
        mx = Math.max(mx, Math.abs(U.values[e]!));
        if (U.rowIdx[e] === v) mv = Math.abs(U.values[e]!);
      }
      expect(mv).toBeGreaterThan(0);
      if (mv >= MATCH_MAGNITUDE * mx) largest++;
    }
    // each row prefers its entries within MATCH_MAGNITUDE of its largest; rows sharing
    // variables make some take another
    expect(largest).toBeGreaterThan(0.7 * (K.N - K.n));
  });

  it('keeps the pivots within a few orders of magnitude on rows with entries of very different sizes', () => {
    // rows whose entries span 1e-3 … 1: deferring a row after only one of its variables lets
    // the others receive updates b_u / b_v and produced pivots of 1e-13 next to 1e11
    for (let s = 0; s < 3; s++) {
      const kq = knownQP(`kkt-order-scales-${s}`, { n: 80, p: 4, m: 60, k: 30, sparse: true, density: 0.15 });
      const rng = new Rng(`scales-${s}`);
      const C = kq.problem.C as ReturnType<typeof cscFromDense>;
      const values = C.values.map((v) => v * 10 ** (-3 * rng.uniform()));
      const problem: QPProblem = { ...kq.problem, C: { ...C, values } };
      const K = kktOf(problem, kq.z);
      const ldl = SparseLdl.analyze(K.upper!, { ordering: kktOrdering(K.upper!, K.n), signs: K.signs, staticReg: SPARSE_STATIC_REG }).factor(K.upper!.values);
      expect(ldl.positivePivots).toBe(K.n);
      expect(ldl.negativePivots).toBe(K.N - K.n);
      const d = ldl.diagonal();
      let mn = Infinity;
      let mx = 0;
      for (const v of d) {
        mn = Math.min(mn, Math.abs(v));
        mx = Math.max(mx, Math.abs(v));
      }
      expect(mn / mx).toBeGreaterThan(1e-8);
    }
  });
});

describe('singular K_J on the sparse path (no dense retry)', () => {
  it('duplicated active rows with N > 300 are found singular', () => {
    const kq = knownQP('elim-dup-sparse', { n: 200, p: 10, m: 150, k: 60, sparse: true, density: 0.02 });
    const C = kq.problem.C!;
    if (C.format !== 'csc') throw new Error('expected CSC');
    // append a copy of the first active row
    const j = kq.active[0]!;
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let c = 0; c < C.ncols; c++)
      for (let e = C.colPtr[c]!; e < C.colPtr[c + 1]!; e++) {
        rows.push(C.rowIdx[e]!);
        cols.push(c);
        vals.push(C.values[e]!);
        if (C.rowIdx[e] === j) {
          rows.push(C.nrows);
          cols.push(c);
          vals.push(C.values[e]!);
        }
      }
    const dense = new Float64Array((C.nrows + 1) * C.ncols);
    for (let t = 0; t < rows.length; t++) dense[rows[t]! * C.ncols + cols[t]!] += vals[t]!;
    const C2 = cscFromDense({ format: 'dense', nrows: C.nrows + 1, ncols: C.ncols, data: dense });
    const d2 = Float64Array.from([...kq.problem.d!, kq.problem.d![j]!]);
    const problem: QPProblem = { ...kq.problem, C: C2, d: d2 };
    for (const linearSolver of ['auto', 'sparse-ldl'] as const) {
      const fwd = dqpForward(problem, { solver: 'quadprog', linearSolver, duals: 'kkt' });
      expect(fwd.flags.singular).toBe(true);
      expect(fwd.flags.leastSquares).toBe(true);
      const g = dqpBackward(fwd, { z: new Float64Array(200).fill(1) });
      for (const key of PARAMS) for (const v of g[key] ?? []) expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe('DqpLayer: a cached symbolic analysis is shared, an older result stays valid', () => {
  it('backward of an earlier forward after a later forward with the same pattern', () => {
    const kq = knownQP('elim-layer', { n: 90, p: 3, m: 60, k: 20, sparse: true, density: 0.05, bounds: true, activeBounds: 10 });
    // P and q scaled by 3: same z and active set, different K_J values
    const P = kq.problem.P;
    if (P.format !== 'csc') throw new Error('expected CSC');
    const scaled: QPProblem = { ...kq.problem, P: { ...P, values: P.values.map((v) => 3 * v) }, q: kq.problem.q.map((v) => 3 * v) };
    const layer = new DqpLayer({ solver: 'quadprog', linearSolver: 'sparse-ldl', warmStart: false });
    const first: DqpForwardResult = layer.forward(kq.problem);
    const second = layer.forward(scaled);
    expect(layer.stats.symbolicHits).toBe(1);
    expect(Array.from(second.active)).toEqual(Array.from(first.active));
    const loss = randomLoss('elim-layer', 90, 3, 60, true);
    const cot = cotangentsOf(loss);
    const g1 = layer.backward(first, cot);
    const g2 = layer.backward(second, cot);
    const ref1 = dqpBackward(dqpForward(kq.problem, { solver: 'quadprog', linearSolver: 'sparse-ldl' }), cot);
    const ref2 = dqpBackward(dqpForward(scaled, { solver: 'quadprog', linearSolver: 'sparse-ldl' }), cot);
    expect(g1.leastSquares || g2.leastSquares).toBe(false);
    expect(gradDiff(g1, ref1)).toBeLessThan(1e-12);
    expect(gradDiff(g2, ref2)).toBeLessThan(1e-12);
    // and again in the other order
    expect(gradDiff(layer.backward(first, cot), ref1)).toBeLessThan(1e-12);
  });
});
