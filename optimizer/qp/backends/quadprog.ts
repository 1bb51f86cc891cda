/**
 * Backend 'quadprog': the Goldfarb–Idnani dual active-set method of the npm package `quadprog`
 * (1.6.1, a JavaScript port of R's quadprog / Fortran qpgen2). Dense, exact up to round-off,
 * no tolerances, no iteration or time limit. Needs P positive DEFINITE (it starts from the
 * unconstrained minimizer P⁻¹(−q) via a Cholesky factorization).
 *
 * Mapping to quadprog's problem  min −dᵀx + ½xᵀDx  s.t.  Aᵀx ≥ b0 (first meq are equalities):
 *   D = P, d = −q, and the constraint columns (all 1-based in the package, copied here because
 *   the package OVERWRITES D, d, A and b0):
 *     a = A_iᵀ,  b0 = b_i      (equalities, meq = p)
 *     a = −C_iᵀ, b0 = −d_i     (C z ≤ d)
 *     a = e_j,   b0 = lb_j     (finite lower bounds)
 *     a = −e_j,  b0 = −ub_j    (finite upper bounds)
 *
 * Duals. quadprog's KKT is D x − d = Σ_k u_k a_k, u_k ≥ 0 for inequalities, so
 *   P z + q − Σ u_k a_k = 0  ⇒  μ_i = u(C row i), μ_lb,j = u(lb row j), μ_ub,j = u(ub row j).
 * The equality multipliers it reports are NOT reliable: qpgen2 flips the orientation of an
 * equality column whenever its residual is positive (even while the row is active), so the sign
 * of u for an equality refers to an orientation that cannot be recovered from outside. We
 * therefore recompute λ from stationarity with the (reliable) inequality and bound duals:
 *   A_E A_Eᵀ λ_E = −A_E g,   g = P z + q + Cᵀμ − μ_lb + μ_ub,
 * over the equalities E that are in quadprog's final active set (their normals are linearly
 * independent); equalities outside it get λ = 0 (they were satisfied without a multiplier).
 *
 * Statuses: success → 'solved'; "constraints are inconsistent" → 'primal_infeasible';
 * "D not positive definite" → 'numerical_error' (with a one-time warning).
 */
import quadprog from 'quadprog';
import { ZeroPivotError } from '../../errors.ts';
import { DenseLu } from '../../linalg/dense.ts';
import { createLinearSystem } from '../../linalg/linsys.ts';
import { toDense } from '../../linalg/matrix.ts';
import type { DenseMatrix } from '../../linalg/types.ts';
import type { QPBackend } from '../backend.ts';
import { makeSolution } from '../solution.ts';
import type { QPProblem, QPSettings, QPSolution, QPStatus } from '../types.ts';
import { warnOnce } from '../warnings.ts';
import { convexOnEqualityNullspace } from './convexity.ts';
import { log } from './log.ts';

/** 1-based row i of a dense matrix, as a fresh array [0, M_i1, ..., M_in]. */
function oneBasedRows(M: DenseMatrix): number[][] {
  const out: number[][] = [[]];
  const { nrows, ncols, data } = M;
  for (let i = 0; i < nrows; i++) {
    const row = new Array<number>(ncols + 1);
    row[0] = 0;
    for (let j = 0; j < ncols; j++) row[j + 1] = data[i * ncols + j]!;
    out.push(row);
  }
  return out;
}

function solveQuadprog(problem: QPProblem, settings: QPSettings): QPSolution {
  const t0 = performance.now();
  const P = toDense(problem.P);
  const n = P.nrows;
  const A = problem.A ? toDense(problem.A) : null;
  const C = problem.C ? toDense(problem.C) : null;
  const b = problem.b ?? null;
  const d = problem.d ?? null;
  const lb = problem.lb ?? null;
  const ub = problem.ub ?? null;
  const p = A ? A.nrows : 0;
  const m = C ? C.nrows : 0;
  const lowerVars: number[] = [];
  const upperVars: number[] = [];
  if (lb) for (let j = 0; j < n; j++) if (lb[j]! > -Infinity) lowerVars.push(j);
  if (ub) for (let j = 0; j < n; j++) if (ub[j]! < Infinity) upperVars.push(j);
  const nc = p + m + lowerVars.length + upperVars.length;

  // quadprog arrays, 1-based (index 0 unused), fresh copies (the package overwrites them)
  const Dmat = oneBasedRows(P);
  const dvec = new Array<number>(n + 1);
  dvec[0] = 0;
  for (let i = 0; i < n; i++) dvec[i + 1] = -problem.q[i]!;
  const Amat: number[][] = [[]];
  for (let i = 0; i < n; i++) Amat.push(new Array<number>(nc + 1).fill(0));
  const bvec = new Array<number>(nc + 1).fill(0);
  let k = 1;
  for (let r = 0; r < p; r++, k++) {
    for (let j = 0; j < n; j++) Amat[j + 1]![k] = A!.data[r * n + j]!;
    bvec[k] = b![r]!;
  }
  for (let r = 0; r < m; r++, k++) {
    for (let j = 0; j < n; j++) Amat[j + 1]![k] = -C!.data[r * n + j]!;
    bvec[k] = -d![r]!;
  }
  for (const j of lowerVars) {
    Amat[j + 1]![k] = 1;
    bvec[k++] = lb![j]!;
  }
  for (const j of upperVars) {
    Amat[j + 1]![k] = -1;
    bvec[k++] = -ub![j]!;
  }
  const t1 = performance.now();
  const res = quadprog.solveQP(Dmat, dvec, Amat, bvec, p);
  const t2 = performance.now();

  let status: QPStatus = 'solved';
  if (res.message !== '') {
    if (/inconsistent/.test(res.message)) status = 'primal_infeasible';
    else {
      status = 'numerical_error';
      // "matrix D in quadratic function is not positive definite": a non-convex QP
      // (backends/convexity.ts), or a convex one quadprog cannot solve (P only semidefinite, or
      // indefinite but convex on the nullspace of A)
      if (/positive definite/.test(res.message) && !convexOnEqualityNullspace(problem)) status = 'non_convex';
      else if (/positive definite/.test(res.message)) {
        warnOnce('quadprog:pd', 'solver "quadprog" needs P positive definite (strictly convex QP); use "ipm" or "highs" for a semidefinite P');
      } else warnOnce(`quadprog:${res.message}`, `solver "quadprog": ${res.message}`);
    }
  }
  const z = new Float64Array(n);
  const lambda = new Float64Array(p);
  const mu = new Float64Array(m);
  const hasBounds = lb !== null || ub !== null;
  const muLb = hasBounds ? new Float64Array(n) : undefined;
  const muUb = hasBounds ? new Float64Array(n) : undefined;
  const sol = res.solution;
  const lag = res.Lagrangian;
  let hasDuals = false;
  if (status === 'solved' && sol && lag) {
    for (let i = 0; i < n; i++) z[i] = sol[i + 1]!;
    for (let r = 0; r < m; r++) mu[r] = Math.max(lag[p + r + 1]!, 0);
    let kk = p + m + 1;
    for (const j of lowerVars) muLb![j] = Math.max(lag[kk++]!, 0);
    for (const j of upperVars) muUb![j] = Math.max(lag[kk++]!, 0);
    if (p > 0) equalityDuals(problem, P, A!, z, mu, muLb, muUb, res.iact ?? [], lambda);
    hasDuals = true;
  }
  if (settings.verbose) {
    log(`quadprog: n=${n} p=${p} m=${m} bounds=${lowerVars.length + upperVars.length} iterations=${res.iterations?.[1] ?? 0} ${res.message || 'solved'}`);
  }
  return makeSolution(problem, { status, z, lambda, mu, muLb, muUb, iterations: res.iterations?.[1] ?? 0, setupMs: t1 - t0, solveMs: t2 - t1, solver: 'quadprog', hasDuals });
}

/**
 * λ_E from A_E A_Eᵀ λ_E = −A_E g (see the file comment); writes `lambda` (length p, zero outside E).
 * iact: quadprog's 1-based active constraint list (0-terminated).
 */
function equalityDuals(
  problem: QPProblem,
  P: DenseMatrix,
  A: DenseMatrix,
  z: Float64Array,
  mu: Float64Array,
  muLb: Float64Array | undefined,
  muUb: Float64Array | undefined,
  iact: readonly number[],
  lambda: Float64Array,
): void {
  const n = P.nrows;
  const p = A.nrows;
  const E: number[] = [];
  for (let t = 1; t < iact.length; t++) {
    const c = iact[t]!;
    if (c >= 1 && c <= p) E.push(c - 1);
  }
  if (E.length === 0) return;
  // g = P z + q + Cᵀμ − μ_lb + μ_ub
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = problem.q[i]!;
    for (let j = 0; j < n; j++) s += P.data[i * n + j]! * z[j]!;
    g[i] = s;
  }
  if (problem.C) {
    const C = toDense(problem.C);
    for (let r = 0; r < C.nrows; r++) {
      const v = mu[r]!;
      if (v !== 0) for (let j = 0; j < n; j++) g[j] += v * C.data[r * n + j]!;
    }
  }
  if (muLb) for (let j = 0; j < n; j++) g[j] -= muLb[j]!;
  if (muUb) for (let j = 0; j < n; j++) g[j] += muUb[j]!;
  const e = E.length;
  const G = new Float64Array(e * e);
  const rhs = new Float64Array(e);
  for (let a = 0; a < e; a++) {
    const ra = E[a]! * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += A.data[ra + j]! * g[j]!;
    rhs[a] = -s;
    for (let c = 0; c <= a; c++) {
      const rc = E[c]! * n;
      let t = 0;
      for (let j = 0; j < n; j++) t += A.data[ra + j]! * A.data[rc + j]!;
      G[a * e + c] = t;
      G[c * e + a] = t;
    }
  }
  const Gm: DenseMatrix = { format: 'dense', nrows: e, ncols: e, data: G };
  let x: Float64Array;
  try {
    x = createLinearSystem(Gm).factor().solve(rhs);
  } catch (err) {
    if (!(err instanceof ZeroPivotError)) throw err;
    const lu = DenseLu.factor(Gm);
    if (lu.singular) return; // dependent active normals cannot happen in exact arithmetic; leave λ_E = 0
    x = lu.solve(rhs);
  }
  for (let a = 0; a < e; a++) lambda[E[a]!] = x[a]!;
}

/** The quadprog backend (always ready; no options). */
export const quadprogBackend: QPBackend = {
  name: 'quadprog',
  capabilities: {
    dense: true,
    sparse: false,
    duals: true,
    warmStart: false,
    maxPracticalSize: 500,
    description:
      'Goldfarb–Idnani dual active set (npm quadprog); dense; P must be positive definite; exact, ignores tolerances and limits; ~10 s at n = 500',
  },
  optionNames: [],
  isReady: () => true,
  solve: solveQuadprog,
};
