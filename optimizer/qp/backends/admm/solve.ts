/**
 * The ADMM backend's solve: setup (OSQP form, scaling, KKT analysis + factorization), warm start,
 * ADMM iterations, polishing, and the conversion of OSQP's (x, y) to our (z, λ, μ, μ_lb, μ_ub).
 */
import { LinearAlgebraError } from '../../../errors.ts';
import { makeSolution } from '../../solution.ts';
import type { QPProblem, QPSettings, QPSolution, QPStatus } from '../../types.ts';
import { AdmmWorkspace, runAdmm } from './algorithm.ts';
import { cscMatVec } from '../../../linalg/csc.ts';
import { ROW_BOUND, ROW_EQ, ROW_INEQ } from './data.ts';
import { dualResidual, polishSolution, primalViolation } from './polish.ts';
import type { PolishStatus } from './polish.ts';
import { resolveAdmmSettings } from './settings.ts';
import { diagonallyDominantPsd } from '../convexity.ts';

/** Diagnostics of one ADMM solve. */
export interface AdmmInfo {
  /** status of the ADMM iterations before polishing */
  readonly admmStatus: QPStatus;
  /** final scalar ρ (inequality rows; equality rows use rhoEqScale·ρ) */
  readonly rho: number;
  /** accepted ρ updates (each one numeric refactorization) */
  readonly rhoUpdates: number;
  /** symbolic analyses of the ADMM KKT matrix (1: the pattern is analysed once) */
  readonly analyses: number;
  /** numeric factorizations of the ADMM KKT matrix (1 + rhoUpdates) */
  readonly factorizations: number;
  readonly polishStatus: PolishStatus;
  /** reduced KKT systems solved by polishing (each with its own analysis) */
  readonly polishPasses: number;
  /** unscaled residuals of the returned point in OSQP form: max violation of l ≤ Ãx ≤ u, ‖Px + q + Ãᵀy‖∞ */
  readonly primalResidual: number;
  readonly dualResidual: number;
}

/**
 * Farkas certificate of primal infeasibility in our variables, normalized to ‖·‖∞ = 1:
 *   Aᵀλ + Cᵀμ − μ_lb + μ_ub ≈ 0,  μ, μ_lb, μ_ub ≥ 0,  bᵀλ + dᵀμ − lbᵀμ_lb + ubᵀμ_ub < 0.
 */
export interface PrimalInfeasibilityCertificate {
  readonly lambda: Float64Array;
  readonly mu: Float64Array;
  /** length n (zero where the bound is infinite) */
  readonly muLb: Float64Array;
  readonly muUb: Float64Array;
}

export interface AdmmSolution extends QPSolution {
  /** whether the returned point is the polished active-set solution */
  readonly polished: boolean;
  readonly info: AdmmInfo;
  /** set when status = 'primal_infeasible' */
  readonly primalCertificate?: PrimalInfeasibilityCertificate;
  /**
   * set when status = 'dual_infeasible': a direction δz, ‖δz‖∞ = 1, with Pδz ≈ 0, qᵀδz < 0, Aδz ≈ 0,
   * Cδz ≲ 0, δz_j ≳ 0 where lb_j is finite and ≲ 0 where ub_j is finite.
   */
  readonly dualCertificate?: Float64Array;
}

export function solveAdmm(problem: QPProblem, settings: QPSettings): AdmmSolution {
  const tStart = performance.now();
  const s = resolveAdmmSettings(settings);
  const w = new AdmmWorkspace(problem, s);
  const { n, mT, data } = w;
  const deadline = tStart + s.timeLimit * 1000;
  let factorError = false;
  let nonConvex = false;
  try {
    // convexity (backends/convexity.ts): free for a diagonally dominant P, else one extra
    // numeric factorization before the first one
    w.factor(!diagonallyDominantPsd(problem.P));
    nonConvex = !w.kkt!.convex;
    // a convex problem has exactly n positive pivots in the quasi-definite K (P + σI ≻ 0);
    // one that is convex only on null(A) may not (P + σI + ρÂᵀÂ indefinite): ADMM cannot run it
    if (nonConvex || w.kkt!.positivePivots !== n) factorError = true;
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    factorError = true;
  }
  const ws = s.warmStart;
  if (ws && !factorError) w.warmStart(ws.z, ws.lambda, ws.mu);
  const tSetup = performance.now();

  let status: QPStatus = nonConvex ? 'non_convex' : 'numerical_error';
  let iterations = 0;
  let polishStatus: PolishStatus = 'not_attempted';
  let polishPasses = 0;
  let primalCertificate: PrimalInfeasibilityCertificate | undefined;
  let dualCertificate: Float64Array | undefined;
  let admmStatus: QPStatus = 'numerical_error';
  if (!factorError) {
    const run = runAdmm(w, deadline);
    status = admmStatus = run.status;
    iterations = run.iterations;
    if (s.polish && (status === 'solved' || status === 'solved_inaccurate' || status === 'max_iter')) {
      const Ax = new Float64Array(mT);
      cscMatVec(w.Ac, w.x, Ax);
      const admmPrim = primalViolation(w, Ax);
      const admmDual = dualResidual(w, w.x, w.y, new Float64Array(n), new Float64Array(n));
      const pr = polishSolution(w, admmPrim, admmDual);
      polishStatus = pr.status;
      polishPasses = pr.passes;
      if (pr.status === 'succeeded') {
        w.x.set(pr.x);
        w.y.set(pr.y);
        cscMatVec(w.Ac, w.x, w.z);
        for (let i = 0; i < mT; i++) w.z[i] = Math.min(Math.max(w.z[i]!, w.l[i]!), w.u[i]!);
        w.computeResiduals();
        if (w.converged()) status = 'solved';
      }
    }
    if (status === 'primal_infeasible') primalCertificate = makePrimalCertificate(w);
    if (status === 'dual_infeasible') dualCertificate = makeDualCertificate(w);
  }

  // ---- unscale and convert to our convention
  const { D, E, c } = w.scaling;
  const z = new Float64Array(n);
  for (let j = 0; j < n; j++) z[j] = D[j]! * w.x[j]!;
  const lambda = new Float64Array(data.p);
  const mu = new Float64Array(data.m);
  const muLb = data.hasBounds ? new Float64Array(n) : undefined;
  const muUb = data.hasBounds ? new Float64Array(n) : undefined;
  let finite = true;
  for (let i = 0; i < mT; i++) {
    const yi = (E[i]! * w.y[i]!) / c;
    if (!Number.isFinite(yi)) finite = false;
    const kind = data.rowKind[i];
    if (kind === ROW_EQ) lambda[i] = yi;
    else if (kind === ROW_INEQ) mu[i - data.p] = Math.max(yi, 0);
    else if (kind === ROW_BOUND) {
      const j = data.rowVar[i]!;
      muUb![j] = Math.max(yi, 0);
      muLb![j] = Math.max(-yi, 0);
    }
  }
  for (let j = 0; j < n; j++) if (!Number.isFinite(z[j]!)) finite = false;
  if (!finite) {
    // never return NaN silently: zero the point and report the failure
    status = 'numerical_error';
    z.fill(0);
    lambda.fill(0);
    mu.fill(0);
    muLb?.fill(0);
    muUb?.fill(0);
  }
  // OSQP-form residuals of the returned point (unscaled)
  const Ax = new Float64Array(mT);
  cscMatVec(w.Ac, w.x, Ax);
  const primalResidual = finite ? primalViolation(w, Ax) : Infinity;
  const dualResidual_ = finite ? dualResidual(w, w.x, w.y, new Float64Array(n), new Float64Array(n)) : Infinity;
  let objective = 0;
  if (finite) {
    const Px = new Float64Array(n);
    cscMatVec(w.P, w.x, Px);
    for (let j = 0; j < n; j++) objective += w.x[j]! * (0.5 * Px[j]! + w.q[j]!);
    objective /= c;
  }
  const tEnd = performance.now();
  const kkt = w.kkt;
  const solution: AdmmSolution = {
    ...makeSolution(problem, { status, z, lambda, mu, muLb, muUb, objective, iterations, setupMs: tSetup - tStart, solveMs: tEnd - tSetup, solver: 'admm', hasDuals: status !== 'non_convex' }),
    polished: polishStatus === 'succeeded',
    info: {
      admmStatus,
      rho: w.rhoScalar,
      rhoUpdates: w.rhoUpdates,
      analyses: kkt ? kkt.analyses : 0,
      factorizations: kkt ? kkt.factorizations : 0,
      polishStatus,
      polishPasses,
      primalResidual,
      dualResidual: dualResidual_,
    },
    ...(primalCertificate ? { primalCertificate } : {}),
    ...(dualCertificate ? { dualCertificate } : {}),
  };
  return solution;
}

/** δy of the detecting iteration, unscaled (E δŷ, the factor 1/c dropped), mapped to our variables, ‖·‖∞ = 1. */
function makePrimalCertificate(w: AdmmWorkspace): PrimalInfeasibilityCertificate {
  const { data, mT, n } = w;
  const { E } = w.scaling;
  const v = new Float64Array(mT);
  let norm = 0;
  for (let i = 0; i < mT; i++) {
    v[i] = E[i]! * w.deltaY[i]!;
    norm = Math.max(norm, Math.abs(v[i]!));
  }
  const lambda = new Float64Array(data.p);
  const mu = new Float64Array(data.m);
  const muLb = new Float64Array(n);
  const muUb = new Float64Array(n);
  for (let i = 0; i < mT; i++) {
    const vi = v[i]! / norm;
    const kind = data.rowKind[i];
    if (kind === ROW_EQ) lambda[i] = vi;
    else if (kind === ROW_INEQ) mu[i - data.p] = Math.max(vi, 0);
    else {
      const j = data.rowVar[i]!;
      muUb[j] = Math.max(vi, 0);
      muLb[j] = Math.max(-vi, 0);
    }
  }
  return { lambda, mu, muLb, muUb };
}

/** δx of the detecting iteration, unscaled (D δx̂), ‖·‖∞ = 1. */
function makeDualCertificate(w: AdmmWorkspace): Float64Array {
  const { D } = w.scaling;
  const v = new Float64Array(w.n);
  let norm = 0;
  for (let j = 0; j < w.n; j++) {
    v[j] = D[j]! * w.deltaX[j]!;
    norm = Math.max(norm, Math.abs(v[j]!));
  }
  for (let j = 0; j < w.n; j++) v[j] = v[j]! / norm;
  return v;
}
