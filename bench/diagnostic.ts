/**
 * Solver-choice diagnostic (docs/solvers.md#which-one-to-use, paper App. D): for one QP,
 * run every solver at several tolerances ε, time the dQP forward and backward passes, measure the
 * accuracy against a tight reference solve, and compare the reduced-KKT derivative (dQP) with the
 * full-KKT derivative (OptNet-style implicit differentiation of ALL the KKT conditions) at the
 * same approximate solution.
 *
 * Full-KKT derivative. Differentiating Pz + q + Aᵀλ + Cᵀμ = 0, Az = b, μ ⊙ (Cz − d) = 0 gives
 *
 *   [ P      Aᵀ  Cᵀ  ] [dz]     [ dq  ]
 *   [ A      0   0   ] [dλ] = − [ −db ]              s = Cz − d ≤ 0, μ ≥ 0
 *   [ D_μ C  0   D_s ] [dμ]     [ −D_μ dd ]
 *
 * Dividing the third block row by μ_j (rows with μ_j > 0; a row with μ_j = 0 has dμ_j = 0 and
 * drops out) makes it symmetric:
 *
 *   K_full = [ P  Aᵀ  C_Sᵀ ; A  0  0 ; C_S  0  diag(s_S / μ_S) ],   S = { j : μ_j > 0 },
 *
 * the reduced KKT matrix of dQP with every row of positive multiplier and a non-positive
 * diagonal s_j/μ_j (≈ 0 on truly active rows, ≪ 0 on rows that are "almost inactive"). For a
 * loss with ∂L/∂z = g and w = K_full⁻¹ [g; 0; 0]:  ∇q = −w_z,  ∇b = w_λ,  ∇d_S = w_μ (0 off S).
 * At an exact non-degenerate solution this equals dQP's derivative; at loose tolerances the two
 * differ, which is what the diagnostic reports (gradDiff).
 */
import { dqpBackward, dqpForward } from '../optimizer/dqp/index.ts';
import { cscFromTriplets, cscTranspose, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { toCsc } from '../optimizer/linalg/matrix.ts';
import { matVec } from '../optimizer/linalg/matrix.ts';
import { boundsToRows } from '../optimizer/qp/problem.ts';
import { getBackend, listSolvers, loadSolvers } from '../optimizer/qp/registry.ts';
import { computeResiduals, maxResidual } from '../optimizer/qp/residuals.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { InputError } from '../optimizer/errors.ts';
import { Rng } from '../optimizer/util/random.ts';

/** Gradients of a linear loss gᵀz with respect to the vector inputs q (n), b (p), d (m). */
export interface VectorGradients {
  readonly q: Float64Array;
  readonly b: Float64Array;
  readonly d: Float64Array;
}

/**
 * Full-KKT vector–Jacobian product at (z, μ) for ∂L/∂z = g (see the file comment).
 * problem: rows form (no lb/ub; use boundsToRows), not modified. z: length n; mu: length m
 * (negative entries are treated as 0, positive slacks s_j > 0 as 0). Throws ZeroPivotError /
 * LinearAlgebraError when K_full cannot be factored.
 */
export function fullKktVjp(problem: QPProblem, z: Float64Array, mu: Float64Array, g: Float64Array): VectorGradients {
  if (problem.lb || problem.ub) throw new InputError('problem', 'a problem without lb/ub (apply boundsToRows first)', 'bounds');
  const n = problem.P.ncols;
  const A = problem.A ? toCsc(problem.A, true) : null;
  const C = problem.C ? toCsc(problem.C, true) : null;
  const p = A ? A.nrows : 0;
  const m = C ? C.nrows : 0;
  const s = C ? matVec(C, z) : new Float64Array(0);
  for (let j = 0; j < m; j++) s[j]! -= problem.d![j]!;
  const S: number[] = [];
  for (let j = 0; j < m; j++) if (mu[j]! > 0) S.push(j);
  const k = S.length;
  const N = n + p + k;
  // triplets of the upper triangle: P (upper), Aᵀ in columns n.., C_Sᵀ in columns n+p.., diagonal
  const Pu = cscUpperTriangle(toCsc(problem.P, true));
  const At = A ? cscTranspose(A) : null; // n × p: column i = row i of A
  const Ct = C ? cscTranspose(C) : null; // n × m
  let T = Pu.colPtr[n]! + (At ? At.colPtr[p]! : 0) + k + (p > 0 ? p : 0);
  for (const j of S) T += Ct!.colPtr[j + 1]! - Ct!.colPtr[j]!;
  const ri = new Int32Array(T), ci = new Int32Array(T), vi = new Float64Array(T);
  let t = 0;
  let scale = 0;
  for (let j = 0; j < n; j++) {
    for (let e = Pu.colPtr[j]!; e < Pu.colPtr[j + 1]!; e++) {
      ri[t] = Pu.rowIdx[e]!;
      ci[t] = j;
      vi[t++] = Pu.values[e]!;
      scale = Math.max(scale, Math.abs(Pu.values[e]!));
    }
  }
  for (let i = 0; i < p; i++) {
    for (let e = At!.colPtr[i]!; e < At!.colPtr[i + 1]!; e++) {
      ri[t] = At!.rowIdx[e]!;
      ci[t] = n + i;
      vi[t++] = At!.values[e]!;
      scale = Math.max(scale, Math.abs(At!.values[e]!));
    }
    ri[t] = n + i; // explicit zero diagonal: keeps the pattern nonsingular for the regularization
    ci[t] = n + i;
    vi[t++] = 0;
  }
  S.forEach((j, r) => {
    for (let e = Ct!.colPtr[j]!; e < Ct!.colPtr[j + 1]!; e++) {
      ri[t] = Ct!.rowIdx[e]!;
      ci[t] = n + p + r;
      vi[t++] = Ct!.values[e]!;
      scale = Math.max(scale, Math.abs(Ct!.values[e]!));
    }
    ri[t] = n + p + r;
    ci[t] = n + p + r;
    vi[t++] = Math.min(s[j]!, 0) / mu[j]!;
  });
  const K = cscFromTriplets(N, N, ri.subarray(0, t), ci.subarray(0, t), vi.subarray(0, t));
  const signs = new Int8Array(N).fill(-1);
  signs.fill(1, 0, n);
  const ldl = SparseLdl.analyze(K, { signs, staticReg: 1e-11 * Math.max(scale, 1e-300), refineSteps: 10 });
  ldl.factor();
  const rhs = new Float64Array(N);
  rhs.set(g, 0);
  const w = ldl.solve(rhs);
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = -w[i]!;
  const b = w.slice(n, n + p);
  const d = new Float64Array(m);
  S.forEach((j, r) => (d[j] = w[n + p + r]!));
  return { q, b, d };
}

/** ‖x − y‖∞ over the concatenation of the three vectors. */
function diffInf(a: VectorGradients, b: VectorGradients): number {
  let m = 0;
  for (const key of ['q', 'b', 'd'] as const) {
    const x = a[key], y = b[key];
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  }
  return m;
}

function normInf(a: VectorGradients): number {
  let m = 0;
  for (const key of ['q', 'b', 'd'] as const) for (const v of a[key]) m = Math.max(m, Math.abs(v));
  return m;
}

/** One (solver, ε) run of the diagnostic. */
export interface DiagnosticRow {
  readonly solver: string;
  readonly eps: number;
  readonly status: string;
  /** dQP forward (solve + active set + factorization), ms */
  readonly forwardMs: number;
  /** dQP backward (reduced KKT), ms */
  readonly backwardMs: number;
  /** full-KKT backward (assembly + factorization + solve), ms */
  readonly fullBackwardMs: number;
  /** ‖z − z_ref‖∞ */
  readonly accuracy: number;
  /** max(r_p, r_d, r_g) of the returned (z, λ, μ) */
  readonly residual: number;
  /** ‖∇_reduced − ∇_full‖∞ / ‖∇_full‖∞ over (∇q, ∇b, ∇d) for the same random linear loss */
  readonly gradDiff: number;
  /** ‖∇_reduced − ∇_reference‖∞ / ‖∇_reference‖∞ (the reference: dQP at the tight solve) */
  readonly gradError: number;
  /** |J|, the number of active rows */
  readonly active: number;
  readonly note?: string;
}

export interface DiagnosticOptions {
  /** solver names (default: every registered solver that can be loaded) */
  readonly solvers?: readonly string[];
  /** tolerances ε (epsAbs; epsRel = 0) (default [1e-8, 1e-5, 1e-2]) */
  readonly eps?: readonly number[];
  /** ε_J (default 1e-5) */
  readonly epsActive?: number;
  /** solver of the reference solve (default 'ipm', epsAbs 1e-10, epsRel 0) */
  readonly reference?: string;
  /** seconds per solve (default 60) */
  readonly timeLimit?: number;
  /** seed of the random linear loss gᵀz, g ~ N(0, 1) (default 0) */
  readonly seed?: number;
  /** called after each row (progress) */
  readonly onRow?: (row: DiagnosticRow) => void;
}

export interface DiagnosticResult {
  readonly n: number;
  readonly p: number;
  readonly m: number;
  readonly reference: { readonly solver: string; readonly status: string; readonly residual: number; readonly forwardMs: number };
  readonly rows: DiagnosticRow[];
}

export const DEFAULT_EPS: readonly number[] = [1e-8, 1e-5, 1e-2];

/** Registered solvers that are ready or can be loaded (those failing to load are skipped). */
export async function availableSolvers(): Promise<string[]> {
  const out: string[] = [];
  for (const s of listSolvers()) {
    if (!s.ready) {
      try {
        await loadSolvers([s.name]);
      } catch {
        continue;
      }
    }
    out.push(s.name);
  }
  return out;
}

/**
 * Run the diagnostic on `problem` (bounds are first turned into rows of C, so ∇d covers them).
 * Never throws for a solver failure (the row says so); throws for bad input or when the
 * reference solve fails.
 */
export async function runDiagnostic(input: QPProblem, options: DiagnosticOptions = {}): Promise<DiagnosticResult> {
  const problem = input.lb || input.ub ? boundsToRows(input).problem : input;
  const n = problem.P.ncols;
  const p = problem.A ? problem.A.nrows : 0;
  const m = problem.C ? problem.C.nrows : 0;
  const epsList = options.eps ?? DEFAULT_EPS;
  for (const e of epsList) if (!(e > 0)) throw new InputError('eps', 'positive tolerances', String(e));
  const epsActive = options.epsActive ?? 1e-5;
  const timeLimit = options.timeLimit ?? 60;
  const refSolver = options.reference ?? 'ipm';
  const solvers = options.solvers ? [...options.solvers] : await availableSolvers();
  for (const s of [...solvers, refSolver]) {
    const b = getBackend(s);
    if (!b.isReady()) await loadSolvers([s]);
  }
  const g = new Rng(options.seed ?? 0).fillNormal(new Float64Array(n));

  const t0 = performance.now();
  const ref = dqpForward(problem, { solver: refSolver, epsAbs: 1e-10, epsRel: 0, epsActive, solverSettings: { timeLimit } });
  const refMs = performance.now() - t0;
  if (!ref.context) throw new InputError('reference solve', `a solution from "${refSolver}"`, `status ${ref.status}`);
  const refGrad = dqpBackward(ref, { z: g });
  const refVec: VectorGradients = { q: refGrad.q!, b: refGrad.b ?? new Float64Array(0), d: refGrad.d ?? new Float64Array(0) };
  const refResidual = maxResidual(computeResiduals(problem, ref.z, ref.lambda, ref.mu));

  const rows: DiagnosticRow[] = [];
  for (const solver of solvers) {
    for (const eps of epsList) {
      const row = diagnoseOne(problem, solver, eps, epsActive, timeLimit, g, ref.z, refVec);
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return { n, p, m, reference: { solver: refSolver, status: ref.status, residual: refResidual, forwardMs: refMs }, rows };
}

function diagnoseOne(
  problem: QPProblem,
  solver: string,
  eps: number,
  epsActive: number,
  timeLimit: number,
  g: Float64Array,
  zRef: Float64Array,
  refVec: VectorGradients,
): DiagnosticRow {
  const base = { solver, eps };
  const nan = Number.NaN;
  const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
  let fwd;
  const t0 = performance.now();
  try {
    fwd = dqpForward(problem, { solver, epsAbs: eps, epsRel: 0, epsActive, solverSettings: { timeLimit } });
  } catch (e) {
    return { ...base, status: 'error', forwardMs: performance.now() - t0, backwardMs: nan, fullBackwardMs: nan, accuracy: nan, residual: nan, gradDiff: nan, gradError: nan, active: 0, note: msg(e) };
  }
  const forwardMs = performance.now() - t0;
  let accuracy = 0;
  for (let i = 0; i < zRef.length; i++) accuracy = Math.max(accuracy, Math.abs(fwd.z[i]! - zRef[i]!));
  if (!Number.isFinite(accuracy)) accuracy = nan;
  const residual = maxResidual(computeResiduals(problem, fwd.z, fwd.lambda, fwd.mu));
  if (!fwd.context) {
    return { ...base, status: fwd.status, forwardMs, backwardMs: nan, fullBackwardMs: nan, accuracy, residual, gradDiff: nan, gradError: nan, active: fwd.active.length, note: 'no differentiable point' };
  }
  const notes: string[] = [];
  const t1 = performance.now();
  const red = dqpBackward(fwd, { z: g });
  const backwardMs = performance.now() - t1;
  if (fwd.flags.leastSquares || red.leastSquares) notes.push('least-squares');
  const redVec: VectorGradients = { q: red.q!, b: red.b ?? new Float64Array(0), d: red.d ?? new Float64Array(0) };
  const refNorm = normInf(refVec);
  const gradError = diffInf(redVec, refVec) / (refNorm > 0 ? refNorm : 1);
  // the full KKT uses the solver's own multipliers (as OptNet-style layers do); dQP's completed
  // duals when the solver gives none
  const mu = fwd.solution.hasDuals && fwd.solution.mu.length === fwd.mu.length ? fwd.solution.mu : fwd.mu;
  let gradDiff = nan;
  let fullBackwardMs = nan;
  const t2 = performance.now();
  try {
    const full = fullKktVjp(problem, fwd.z, mu, g);
    fullBackwardMs = performance.now() - t2;
    const fn = normInf(full);
    gradDiff = diffInf(redVec, full) / (fn > 0 ? fn : 1);
  } catch (e) {
    notes.push(`full KKT: ${msg(e)}`);
  }
  return {
    ...base,
    status: fwd.status,
    forwardMs,
    backwardMs,
    fullBackwardMs,
    accuracy,
    residual,
    gradDiff,
    gradError,
    active: fwd.active.length,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}
