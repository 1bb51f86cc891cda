/**
 * The Goldfarb–Idnani dual active-set iteration of the `dualas` backend (see index.ts for the
 * method in words). Written from the paper (Goldfarb & Idnani, Math. Programming 27, 1983,
 * "A numerically stable dual method for solving strictly convex quadratic programs") in the
 * ≤-form used throughout dqp:
 *
 *   minimize ½ zᵀPz + qᵀz   s.t.  a_iᵀz = b_i (equalities),   n_iᵀz ≤ e_i (inequalities)
 *
 * where the inequalities are the rows of C (n_i = C_i, e_i = d_i), finite lower bounds
 * (n = −e_j, e = −lb_j) and finite upper bounds (n = e_j, e = ub_j). The Lagrangian is
 * ½zᵀPz + qᵀz + Σ λ_i(a_iᵀz − b_i) + Σ u_i(n_iᵀz − e_i), so the returned duals are directly
 * in dqp's convention (Pz + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0): μ = u(C rows), μ_lb = u(lb rows),
 * μ_ub = u(ub rows).
 *
 * Factorization kept along the iteration (P = LLᵀ once):
 *   L⁻¹ N = Q [R; 0],   J = L⁻ᵀ Q   (JᵀPJ = I),
 * N = the normals of the working set (independent equalities first, then the active
 * inequalities in insertion order). Only the columns of J after the equality block are stored
 * (`jr`, n × w, w = n − rank(A)): the equality columns never change (equalities are never
 * dropped) and are not needed by the iteration; the equality multipliers are recovered once at
 * the end from stationarity through the Householder QR of L⁻¹Aᵀ. Likewise only the inequality
 * block R_II (k × k) of R is kept: R = [R_EE R_EI; 0 R_II] is block upper triangular, so the
 * inequality part of R⁻¹d₁ is R_II⁻¹ d_I, whatever R_EI is.
 *
 * One step for a violated row p (slack s_p = n_pᵀz − e_p > tol):
 *   d = jrᵀ n_p;  d₁ = d(0:k), d₂ = d(k:w)
 *   primal direction dz = −jr(:, k:w) d₂  (moves along the working set, n_pᵀdz = −‖d₂‖²)
 *   dual direction: the active multipliers change by −t·r, r = R_II⁻¹ d₁, and u_p by +t
 *   full step   t₁ = s_p / ‖d₂‖²  (∞ when n_p depends on the working set: ‖d₂‖ ≤ depTol‖L⁻¹n_p‖)
 *   partial     t₂ = min_{r_j > 0} u_j / r_j   (the first active multiplier reaching zero)
 *   t₁ ≤ t₂: take it and ADD p (Givens rotations zero d(k+1:w) into d_k; R gets the column
 *            [d₁; ‖d₂‖]); otherwise step t₂ and DROP the blocking row (delete its column of R,
 *            restore triangularity by Givens rotations, rotate the columns of jr alike) and
 *            repeat with the same p. t₁ = t₂ = ∞: no multiplier can absorb n_p — the
 *            constraints are inconsistent (primal infeasible).
 */
import { InputError } from '../../../errors.ts';
import { matVec, toDense } from '../../../linalg/matrix.ts';
import type { DenseMatrix } from '../../../linalg/types.ts';
import { computeResiduals } from '../../residuals.ts';
import { makeSolution } from '../../solution.ts';
import type { QPProblem, QPResiduals, QPSolution, QPStatus } from '../../types.ts';
import { warnOnce } from '../../warnings.ts';
import { convexOnEqualityNullspace } from '../convexity.ts';
import { log } from '../log.ts';
import {
  applyQ,
  applyQt,
  backwardSolveT,
  choleskyLower,
  compactWyT,
  dotFrom,
  forwardSolve,
  givensInto,
  givensZeroTail,
  householderSkipQR,
  orthogonalComplementColumns,
  solveLowerInPlace,
  solveLowerTransInPlace,
  type SkipQR,
} from './kernels.ts';
import type { DualAsSettings } from './settings.ts';
import { IterStore } from './store.ts';

/** Round-off floor of the feasibility tolerance, relative to |e_i| + ‖n_i‖₁‖z‖∞. */
const SLACK_FLOOR = 64 * Number.EPSILON;
/**
 * A violated row that depends on the working set and cannot be absorbed by any multiplier is
 * called infeasible only when its violation exceeds LOOSE_FACTOR × its tolerance; below that it
 * is a round-off violation of a degenerate row and is ignored until z moves.
 */
const LOOSE_FACTOR = 1e4;
/** 'solved' is downgraded to 'solved_inaccurate' when r_d > INACCURATE_DUAL·(1 + ‖q‖∞ + ‖Pz‖∞). */
const INACCURATE_DUAL = 1e-7;

const normInf = (v: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
  return s;
};

/** Inequality rows of the problem in one numbering: C rows, then finite lb, then finite ub. */
interface RowSet {
  readonly n: number;
  readonly m: number;
  /** C, m × n row-major (may be empty) */
  readonly c: Float64Array;
  /** variables with a finite lower / upper bound */
  readonly lbIdx: Int32Array;
  readonly ubIdx: Int32Array;
  /** total rows m + #lb + #ub */
  readonly total: number;
  /** right-hand sides e_i */
  readonly e: Float64Array;
  /** ‖n_i‖₂ and ‖n_i‖₁ (1 for bounds) */
  readonly norm2: Float64Array;
  readonly norm1: Float64Array;
}

function buildRows(problem: QPProblem, n: number): RowSet {
  const m = problem.C ? problem.C.nrows : 0;
  const c = problem.C ? toDense(problem.C).data : new Float64Array(0);
  const lbList: number[] = [];
  const ubList: number[] = [];
  if (problem.lb) for (let j = 0; j < n; j++) if (problem.lb[j]! > -Infinity) lbList.push(j);
  if (problem.ub) for (let j = 0; j < n; j++) if (problem.ub[j]! < Infinity) ubList.push(j);
  const lbIdx = Int32Array.from(lbList);
  const ubIdx = Int32Array.from(ubList);
  const total = m + lbIdx.length + ubIdx.length;
  const e = new Float64Array(total);
  const norm2 = new Float64Array(total).fill(1);
  const norm1 = new Float64Array(total).fill(1);
  for (let i = 0; i < m; i++) {
    e[i] = problem.d![i]!;
    let s2 = 0;
    let s1 = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) {
      const a = c[o + j]!;
      s2 += a * a;
      s1 += Math.abs(a);
    }
    norm2[i] = Math.sqrt(s2);
    norm1[i] = s1;
  }
  for (let t = 0; t < lbIdx.length; t++) e[m + t] = -problem.lb![lbIdx[t]!]!;
  for (let t = 0; t < ubIdx.length; t++) e[m + lbIdx.length + t] = problem.ub![ubIdx[t]!]!;
  return { n, m, c, lbIdx, ubIdx, total, e, norm2, norm1 };
}

/** Outcome of the iteration before the duals are assembled. */
interface IterationOutcome {
  status: QPStatus;
  iterations: number;
  message: string;
}

/** Solve with the dual active-set method. `problem` has been validated by the registry. */
export function solveDualAs(problem: QPProblem, st: DualAsSettings): QPSolution {
  const t0 = performance.now();
  const n = problem.P.ncols;
  if (n > st.maxSize) {
    throw new InputError(
      'problem',
      `at most ${st.maxSize} variables for solver "dualas" (dense n × n factors; raise options.maxSize, or use "ipm")`,
      `n = ${n}`,
    );
  }
  const pEq = problem.A ? problem.A.nrows : 0;
  const rows = buildRows(problem, n);
  const { m, total } = rows;
  const hasBounds = problem.lb != null || problem.ub != null;
  const deadline = Number.isFinite(st.timeLimit) ? t0 + st.timeLimit * 1000 : Infinity;
  const maxIter = st.maxIter ?? Math.max(1000, 10 * (n + total));
  const relTol = Math.max(st.epsRel, SLACK_FLOOR);

  const z = new Float64Array(n);
  const lambda = new Float64Array(pEq);
  const mu = new Float64Array(m);
  const muLb = hasBounds ? new Float64Array(n) : undefined;
  const muUb = hasBounds ? new Float64Array(n) : undefined;
  const finish = (status: QPStatus, iterations: number, setupEnd: number, hasDuals: boolean, residuals?: QPResiduals): QPSolution => {
    const t2 = performance.now();
    return makeSolution(problem, { status, z, lambda, mu, muLb, muUb, iterations, setupMs: setupEnd - t0, solveMs: t2 - setupEnd, ...(residuals ? { residuals } : {}), solver: 'dualas', hasDuals });
  };

  // ---- P = L Lᵀ -------------------------------------------------------------------------
  const P: DenseMatrix = toDense(problem.P);
  const chol = choleskyLower(P);
  if (!chol.ok) {
    // not positive definite: a non-convex QP (backends/convexity.ts), or a convex one this
    // method cannot solve (P semidefinite, or indefinite but convex on the nullspace of A)
    if (!convexOnEqualityNullspace(problem)) return finish('non_convex', 0, performance.now(), false);
    warnOnce('dualas:pd', `solver "dualas" needs P positive definite (a strictly convex QP): ${chol.reason}; use "ipm" for a semidefinite P`);
    return finish('numerical_error', 0, performance.now(), false);
  }
  const L = chol.l;

  // ---- equalities: Householder QR of L⁻¹Aᵀ (dependent rows skipped) ---------------------
  const A = problem.A ? toDense(problem.A).data : new Float64Array(0);
  const b = problem.b ?? new Float64Array(0);
  let qr: SkipQR | null = null;
  if (pEq > 0) {
    const x = new Float64Array(n * pEq); // Aᵀ, n × p
    for (let j = 0; j < pEq; j++) for (let i = 0; i < n; i++) x[i * pEq + j] = A[j * n + i]!;
    solveLowerInPlace(L, n, x, pEq);
    const wt = new Float64Array(pEq * n); // rows L⁻¹a_j
    const norms = new Float64Array(pEq);
    for (let j = 0; j < pEq; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i * pEq + j]!;
        wt[j * n + i] = v;
        s += v * v;
      }
      norms[j] = Math.sqrt(s);
    }
    qr = householderSkipQR(wt, pEq, n, norms, st.depTol);
  }
  const rE = qr ? qr.rank : 0;
  const w = n - rE;

  // ---- J(:, rE:n) = L⁻ᵀ Q(:, rE:n) --------------------------------------------------------
  let jr: Float64Array;
  if (qr && rE > 0) {
    const T = compactWyT(qr, n);
    jr = orthogonalComplementColumns(qr, T, n);
  } else {
    jr = new Float64Array(n * n);
    for (let i = 0; i < n; i++) jr[i * n + i] = 1;
  }
  solveLowerTransInPlace(L, n, jr, w);

  // ---- starting point: the minimizer subject to the equalities ---------------------------
  //   z = L⁻ᵀ Q [R_EE⁻ᵀ b_E; −(Qᵀ L⁻¹ q)(rE:n)]   (= −P⁻¹q without equalities)
  {
    const y = Float64Array.from(problem.q);
    forwardSolve(L, n, y);
    if (qr && rE > 0) {
      applyQt(qr, n, y);
      const R = qr.r;
      for (let i = 0; i < rE; i++) {
        // Rᵀ v = b_taken, Rᵀ lower triangular: v_i = (b_i − Σ_{j<i} R_ji v_j) / R_ii
        let s = b[qr.taken[i]!]!;
        const col = i * rE;
        for (let j = 0; j < i; j++) s -= R[col + j]! * z[j]!;
        z[i] = s / R[col + i]!;
      }
      for (let i = rE; i < n; i++) z[i] = -y[i]!;
      applyQ(qr, n, z);
    } else {
      for (let i = 0; i < n; i++) z[i] = -y[i]!;
    }
    backwardSolveT(L, n, z);
  }
  const setupEnd = performance.now();

  // dependent equalities must hold at this point (they are implied by the independent ones)
  if (qr) {
    let zInf = 0;
    for (let i = 0; i < n; i++) zInf = Math.max(zInf, Math.abs(z[i]!));
    for (let j = 0; j < pEq; j++) {
      if (!qr.skipped[j]) continue;
      let s = -b[j]!;
      let a1 = 0;
      for (let i = 0; i < n; i++) {
        s += A[j * n + i]! * z[i]!;
        a1 += Math.abs(A[j * n + i]!);
      }
      const scale = Math.abs(b[j]!) + a1 * zInf;
      if (Math.abs(s) > st.epsAbs + Math.max(relTol, Math.sqrt(Number.EPSILON)) * scale) {
        if (st.verbose) log(`dualas: equality row ${j} depends on the others and is inconsistent (residual ${s.toExponential(3)})`);
        return finish('primal_infeasible', 0, setupEnd, false);
      }
    }
  }

  const store = new IterStore(n, w, m, jr, rows.c, L, rE > 0);
  const out = iterate(rows, store, w, rE, z, st, maxIter, deadline, relTol);

  // ---- duals --------------------------------------------------------------------------
  const solved = out.status === 'solved';
  if (solved || out.status === 'max_iter' || out.status === 'time_limit') {
    const { act, u, k } = out;
    for (let j = 0; j < k; j++) {
      const id = act[j]!;
      const v = Math.max(u[j]!, 0);
      if (id < m) mu[id] = v;
      else if (id < m + rows.lbIdx.length) muLb![rows.lbIdx[id - m]!] = v;
      else muUb![rows.ubIdx[id - m - rows.lbIdx.length]!] = v;
    }
    if (qr && rE > 0) equalityDuals(problem, rows, P, L, qr, z, mu, muLb, muUb, lambda);
  }
  // safety net: a 'solved' point must be a KKT point to the accuracy the method delivers
  let status = out.status;
  const residuals = computeResiduals(problem, z, lambda, mu, muLb, muUb);
  if (solved && !kktHolds(problem, rows, P, z, residuals, qr, st.epsAbs, relTol)) {
    status = 'solved_inaccurate';
    warnOnce(
      'dualas:inaccurate',
      `solver "dualas": the final point misses the KKT conditions (primal residual ${residuals.primal.toExponential(2)}, dual residual ${residuals.dual.toExponential(2)}); reported as solved_inaccurate`,
    );
  }
  if (st.verbose) {
    log(
      `dualas: n=${n} p=${pEq} (rank ${rE}) m=${m} bounds=${total - m} steps=${out.iterations} active=${out.k} ${status}${out.message ? ` (${out.message})` : ''}`,
    );
  }
  return finish(status, out.iterations, setupEnd, solved || out.status === 'max_iter' || out.status === 'time_limit', residuals);
}

/** State returned by iterate(): the working set and its multipliers. */
interface IterateResult extends IterationOutcome {
  /** active inequality rows (ids in the RowSet numbering), length ≥ k */
  act: Int32Array;
  /** their multipliers */
  u: Float64Array;
  k: number;
}

/**
 * The dual active-set loop. z: the equality-constrained minimizer on entry, the solution on
 * exit (modified in place). store: jr (the columns of J after the equality block, modified),
 * the copies of C and L, and the kernels (store.ts).
 */
function iterate(
  rows: RowSet,
  store: IterStore,
  w: number,
  rE: number,
  z: Float64Array,
  st: DualAsSettings,
  maxIter: number,
  deadline: number,
  relTol: number,
): IterateResult {
  const { n, m, lbIdx, ubIdx, total, e, norm1, norm2 } = rows;
  const nl = lbIdx.length;
  const { f, ld, gc, gs } = store;
  const jr = store.jr; // offsets into f: jr column c at jr + c·ld, C row i at cOff + i·n, L row i at lOff + i·n
  const cOff = store.c;
  const lOff = store.l;
  const dzOff = store.dz;
  const yOff = store.y;
  const zOff = store.z;
  const s = new Float64Array(total); // slacks n_iᵀz − e_i (> 0: violated)
  const active = new Uint8Array(total);
  const ignored = new Uint8Array(total);
  let anyIgnored = false;
  const act = new Int32Array(Math.max(w, 1));
  const u = new Float64Array(Math.max(w, 1));
  const R = new Float64Array(w * w); // R_II, column-major, leading dimension w
  const d = new Float64Array(w);
  const rv = new Float64Array(w);
  let k = 0;
  let iterations = 0;
  let sinceRecompute = 0;

  // warm start: rows believed active get priority when several rows are violated
  const warm = warmRows(rows, st);

  const recomputeSlacks = () => {
    f.set(z, zOff);
    for (let i = 0; i < m; i++) {
      s[i] = store.dot(cOff + i * n, zOff, n) - e[i]!;
    }
    boundSlacks();
    sinceRecompute = 0;
  };
  const boundSlacks = () => {
    for (let t = 0; t < nl; t++) s[m + t] = -z[lbIdx[t]!]! - e[m + t]!;
    for (let t = 0; t < ubIdx.length; t++) s[m + nl + t] = z[ubIdx[t]!]! - e[m + nl + t]!;
  };
  /** z += t·dz and the slacks of the inactive C rows with it; the bound slacks exactly. */
  const moveZ = (t: number) => {
    for (let j = 0; j < n; j++) z[j] += t * f[dzOff + j]!;
    for (let i = 0; i < m; i++) if (!active[i]) s[i] += t * store.dot(cOff + i * n, dzOff, n);
    boundSlacks();
    sinceRecompute++;
    if (anyIgnored) {
      ignored.fill(0);
      anyIgnored = false;
    }
  };
  /** index of the most violated inactive row (normalized violation), warm rows first; −1 if none */
  const select = (): number => {
    let zInf = 0;
    for (let j = 0; j < n; j++) zInf = Math.max(zInf, Math.abs(z[j]!));
    let best = -1;
    let bestV = 0;
    let bestWarm = -1;
    let bestWarmV = 0;
    for (let i = 0; i < total; i++) {
      if (active[i] || ignored[i]) continue;
      const si = s[i]!;
      if (!(si > 0)) continue;
      const tol = st.epsAbs + relTol * (Math.abs(e[i]!) + norm1[i]! * zInf);
      if (si <= tol || norm2[i] === 0) continue;
      const v = si / norm2[i]!;
      if (v > bestV) {
        bestV = v;
        best = i;
      }
      if (warm && warm[i] && v > bestWarmV) {
        bestWarmV = v;
        bestWarm = i;
      }
    }
    return bestWarm >= 0 ? bestWarm : best;
  };
  const tolOf = (i: number): number => {
    let zInf = 0;
    for (let j = 0; j < n; j++) zInf = Math.max(zInf, Math.abs(z[j]!));
    return st.epsAbs + relTol * (Math.abs(e[i]!) + norm1[i]! * zInf);
  };

  // a C row that is identically zero: 0 ≤ d_i must hold
  for (let i = 0; i < m; i++) {
    if (norm2[i] === 0 && e[i]! < -st.epsAbs) return { status: 'primal_infeasible', iterations, message: `row ${i} of C is zero and d_${i} < 0`, act, u, k };
  }
  recomputeSlacks();

  for (;;) {
    let p = select();
    if (p < 0) {
      if (sinceRecompute === 0) return { status: 'solved', iterations, message: '', act, u, k };
      recomputeSlacks();
      continue;
    }
    if (sinceRecompute >= st.recomputeEvery) {
      recomputeSlacks();
      p = select();
      if (p < 0) continue;
    }
    if (iterations >= maxIter) return { status: 'max_iter', iterations, message: '', act, u, k };
    if (performance.now() > deadline) return { status: 'time_limit', iterations, message: '', act, u, k };
    if (st.verbose && iterations % 100 === 0) {
      log(`dualas: step ${iterations} active ${k} adding row ${p} (violation ${s[p]!.toExponential(3)})`);
    }

    // d = jrᵀ n_p, and ρ = ‖L⁻¹ n_p‖ (the scale of the dependence test)
    let rho2 = 0;
    if (p < m) {
      const o = cOff + p * n;
      for (let col = 0; col < w; col++) d[col] = store.dot(jr + col * ld, o, n);
      if (rE > 0) {
        // y = L⁻¹ n_p (forward substitution, rows of L contiguous)
        f.copyWithin(yOff, o, o + n);
        for (let i = 0; i < n; i++) {
          const li = lOff + i * n;
          const yi = (f[yOff + i]! - store.dot(li, yOff, i)) / f[li + i]!;
          f[yOff + i] = yi;
          rho2 += yi * yi;
        }
      }
    } else {
      const lower = p < m + nl;
      const j = lower ? lbIdx[p - m]! : ubIdx[p - m - nl]!;
      const sign = lower ? -1 : 1;
      for (let col = 0; col < w; col++) d[col] = sign * f[jr + col * ld + j]!;
      if (rE > 0) {
        // y = L⁻¹ e_j: zero before j, so the substitution starts at row j
        f.fill(0, yOff + j, yOff + n);
        f[yOff + j] = 1;
        for (let i = j; i < n; i++) {
          const li = lOff + i * n;
          const yi = (f[yOff + i]! - store.dot(li + j, yOff + j, i - j)) / f[li + i]!;
          f[yOff + i] = yi;
          rho2 += yi * yi;
        }
      }
    }
    if (rE === 0) for (let col = 0; col < w; col++) rho2 += d[col]! * d[col]!;
    const depTol2 = st.depTol * st.depTol * rho2;

    let uP = 0;
    for (;;) {
      let d2 = 0;
      for (let col = k; col < w; col++) d2 += d[col]! * d[col]!;
      const dependent = !(d2 > depTol2);
      // r = R⁻¹ d(0:k)
      for (let j = 0; j < k; j++) rv[j] = d[j]!;
      for (let j = k - 1; j >= 0; j--) {
        const cj = j * w;
        const x = rv[j]! / R[cj + j]!;
        rv[j] = x;
        if (x !== 0) for (let i = 0; i < j; i++) rv[i] -= R[cj + i]! * x;
      }
      const t1 = dependent ? Infinity : s[p]! / d2;
      let t2 = Infinity;
      let drop = -1;
      for (let j = 0; j < k; j++) {
        const r = rv[j]!;
        if (r > 0) {
          const ratio = u[j]! / r;
          if (ratio < t2) {
            t2 = ratio;
            drop = j;
          }
        }
      }
      if (t1 === Infinity && t2 === Infinity) {
        if (s[p]! <= LOOSE_FACTOR * tolOf(p)) {
          // a dependent row violated at round-off level: treat it as satisfied until z moves
          ignored[p] = 1;
          anyIgnored = true;
          break;
        }
        return { status: 'primal_infeasible', iterations, message: `row ${p} cannot be satisfied together with the working set`, act, u, k };
      }
      iterations++;
      if (t1 <= t2) {
        // full step, then p joins the working set
        givensZeroTail(d, k, w - 1, gc, gs);
        store.rotateAdd(k, w - 1);
        const h = d[k]!;
        const ok = jr + k * ld;
        for (let i = 0; i < n; i++) f[dzOff + i] = -h * f[ok + i]!;
        moveZ(t1);
        for (let j = 0; j < k; j++) u[j] -= t1 * rv[j]!;
        uP += t1;
        const ck = k * w;
        for (let i = 0; i < k; i++) R[ck + i] = d[i]!;
        R[ck + k] = h;
        act[k] = p;
        u[k] = uP;
        active[p] = 1;
        s[p] = 0;
        k++;
        break;
      }
      // partial step t2, then the blocking row leaves the working set
      if (t1 !== Infinity) {
        // dz_i = −Σ_{c ≥ k} jr_ic d_c, summed as dotFrom does (four running sums)
        for (let i = 0; i < n; i++) {
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let c = k;
          let o = jr + k * ld + i;
          for (; c + 3 < w; c += 4, o += 4 * ld) {
            s0 += f[o]! * d[c]!;
            s1 += f[o + ld]! * d[c + 1]!;
            s2 += f[o + 2 * ld]! * d[c + 2]!;
            s3 += f[o + 3 * ld]! * d[c + 3]!;
          }
          for (; c < w; c++, o += ld) s0 += f[o]! * d[c]!;
          f[dzOff + i] = -(s0 + s1 + (s2 + s3));
        }
        moveZ(t2);
      }
      for (let j = 0; j < k; j++) u[j] -= t2 * rv[j]!;
      uP += t2;
      u[drop] = 0;
      active[act[drop]!] = 0;
      k = dropColumn(R, w, k, drop, store, d, act, u);
      if (iterations >= maxIter) return { status: 'max_iter', iterations, message: '', act, u, k };
      if (performance.now() > deadline) return { status: 'time_limit', iterations, message: '', act, u, k };
    }
  }
}

/**
 * Remove position `l` of the working set (k entries): delete column l of R (k × k upper
 * triangular, column-major, leading dimension w), restore triangularity with Givens rotations on
 * rows (j, j+1), j = l..k−2, apply them to the columns of jr and to d (= jrᵀ n_p), and shift
 * act and u. Returns the new k (k − 1).
 */
function dropColumn(
  R: Float64Array,
  w: number,
  k: number,
  l: number,
  store: IterStore,
  d: Float64Array,
  act: Int32Array,
  u: Float64Array,
): number {
  const { gc, gs } = store;
  for (let col = l; col < k - 1; col++) {
    const dst = col * w;
    const src = (col + 1) * w;
    for (let i = 0; i <= col + 1; i++) R[dst + i] = R[src + i]!;
  }
  for (let j = l; j < k - 1; j++) {
    const cj = j * w;
    const x = R[cj + j]!;
    const y = R[cj + j + 1]!;
    let cs = 1;
    let sn = 0;
    if (y !== 0) {
      R[cj + j] = givensInto(x, y, gc, gs, j);
      R[cj + j + 1] = 0;
      cs = gc[j]!;
      sn = gs[j]!;
      for (let col = j + 1; col < k - 1; col++) {
        const o = col * w;
        const a = R[o + j]!;
        const bb = R[o + j + 1]!;
        R[o + j] = cs * a + sn * bb;
        R[o + j + 1] = cs * bb - sn * a;
      }
    }
    gc[j] = cs;
    gs[j] = sn;
    const dj = d[j]!;
    const dj1 = d[j + 1]!;
    d[j] = cs * dj + sn * dj1;
    d[j + 1] = cs * dj1 - sn * dj;
  }
  store.rotateDrop(l, k - 1);
  for (let j = l; j < k - 1; j++) {
    act[j] = act[j + 1]!;
    u[j] = u[j + 1]!;
  }
  const last = (k - 1) * w;
  R.fill(0, last, last + k);
  return k - 1;
}

/**
 * The final check behind 'solved': r_d ≤ INACCURATE_DUAL·(1 + ‖q‖∞ + ‖Pz‖∞), every inequality
 * row and bound violated by at most 10·tol_i, and every equality row off by at most 10·tol_j
 * (tol as in the iteration; rows skipped as dependent use the looser √ε consistency tolerance).
 * O(n² + (m + p)·n).
 */
function kktHolds(
  problem: QPProblem,
  rows: RowSet,
  P: DenseMatrix,
  z: Float64Array,
  residuals: QPResiduals,
  qr: SkipQR | null,
  epsAbs: number,
  relTol: number,
): boolean {
  const { n, m, c: C, lbIdx, ubIdx, e, norm1 } = rows;
  const zInf = normInf(z);
  if (!(residuals.dual <= INACCURATE_DUAL * (1 + normInf(problem.q) + normInf(matVec(P, z))))) return false;
  const tol = (rhs: number, n1: number, rel: number) => 10 * (epsAbs + rel * (Math.abs(rhs) + n1 * zInf));
  for (let i = 0; i < m; i++) if (!(dotFrom(C, i * n, z, 0, 0, n) - e[i]! <= tol(e[i]!, norm1[i]!, relTol))) return false;
  const nl = lbIdx.length;
  for (let t = 0; t < nl; t++) if (!(-z[lbIdx[t]!]! - e[m + t]! <= tol(e[m + t]!, 1, relTol))) return false;
  for (let t = 0; t < ubIdx.length; t++) if (!(z[ubIdx[t]!]! - e[m + nl + t]! <= tol(e[m + nl + t]!, 1, relTol))) return false;
  if (problem.A) {
    const A = toDense(problem.A).data;
    const b = problem.b!;
    for (let j = 0; j < problem.A.nrows; j++) {
      let a1 = 0;
      for (let i = 0; i < n; i++) a1 += Math.abs(A[j * n + i]!);
      const rel = qr && qr.skipped[j] ? Math.max(relTol, Math.sqrt(Number.EPSILON)) : relTol;
      if (!(Math.abs(dotFrom(A, j * n, z, 0, 0, n) - b[j]!) <= tol(b[j]!, a1, rel))) return false;
    }
  }
  return true;
}

/**
 * Warm-start priorities: rows with μ_i > 0 in settings.warmStart.mu, or (without μ) rows of C
 * and bounds that hold with equality at settings.warmStart.z (slack within 1e-9 relative).
 * null when there is no warm start.
 */
function warmRows(rows: RowSet, st: DualAsSettings): Uint8Array | null {
  const ws = st.warmStart;
  if (!ws) return null;
  const { n, m, c: C, lbIdx, ubIdx, total, e, norm1 } = rows;
  const flags = new Uint8Array(total);
  let any = false;
  if (ws.mu && ws.mu.length === m) {
    for (let i = 0; i < m; i++)
      if (ws.mu[i]! > 0) {
        flags[i] = 1;
        any = true;
      }
  }
  const z0 = ws.z;
  if (z0 && z0.length === n) {
    let zInf = 0;
    for (let j = 0; j < n; j++) zInf = Math.max(zInf, Math.abs(z0[j]!));
    const near = (i: number, slack: number) => Math.abs(slack) <= 1e-9 * (1 + Math.abs(e[i]!) + norm1[i]! * zInf);
    if (!(ws.mu && ws.mu.length === m)) {
      for (let i = 0; i < m; i++) {
        let t = -e[i]!;
        for (let j = 0; j < n; j++) t += C[i * n + j]! * z0[j]!;
        if (near(i, t)) {
          flags[i] = 1;
          any = true;
        }
      }
    }
    const nl = lbIdx.length;
    for (let t = 0; t < nl; t++) {
      if (near(m + t, -z0[lbIdx[t]!]! - e[m + t]!)) {
        flags[m + t] = 1;
        any = true;
      }
    }
    for (let t = 0; t < ubIdx.length; t++) {
      if (near(m + nl + t, z0[ubIdx[t]!]! - e[m + nl + t]!)) {
        flags[m + nl + t] = 1;
        any = true;
      }
    }
  }
  return any ? flags : null;
}

/**
 * λ from stationarity: Aᵀλ = −g, g = Pz + q + Cᵀμ − μ_lb + μ_ub. With L⁻¹A_Eᵀ = Q₁R_EE (the QR of
 * the independent equalities), λ_E = −R_EE⁻¹ (Qᵀ L⁻¹ g)(0:rE); dependent equalities get λ = 0.
 * Writes `lambda` (length p).
 */
function equalityDuals(
  problem: QPProblem,
  rows: RowSet,
  P: DenseMatrix,
  L: Float64Array,
  qr: SkipQR,
  z: Float64Array,
  mu: Float64Array,
  muLb: Float64Array | undefined,
  muUb: Float64Array | undefined,
  lambda: Float64Array,
): void {
  const { n, m, c: C } = rows;
  const g = Float64Array.from(problem.q);
  const pd = P.data;
  for (let i = 0; i < n; i++) {
    const o = i * n;
    let t = 0;
    for (let j = 0; j < n; j++) t += pd[o + j]! * z[j]!;
    g[i] += t;
  }
  for (let i = 0; i < m; i++) {
    const v = mu[i]!;
    if (v === 0) continue;
    const o = i * n;
    for (let j = 0; j < n; j++) g[j] += v * C[o + j]!;
  }
  if (muLb) for (let j = 0; j < n; j++) g[j] -= muLb[j]!;
  if (muUb) for (let j = 0; j < n; j++) g[j] += muUb[j]!;
  forwardSolve(L, n, g);
  applyQt(qr, n, g);
  const rE = qr.rank;
  const R = qr.r;
  // R_EE x = −g(0:rE), back substitution (column-major R)
  const x = new Float64Array(rE);
  for (let i = 0; i < rE; i++) x[i] = -g[i]!;
  for (let j = rE - 1; j >= 0; j--) {
    const cj = j * rE;
    const v = x[j]! / R[cj + j]!;
    x[j] = v;
    for (let i = 0; i < j; i++) x[i] -= R[cj + i]! * v;
  }
  for (let t = 0; t < rE; t++) lambda[qr.taken[t]!] = x[t]!;
}
