/**
 * The ADMM iteration of OSQP (Stellato et al., "OSQP: an operator splitting solver for quadratic
 * programs", Math. Prog. Comp. 2020, Algorithm 1), run on the scaled data (scaling.ts).
 *
 * Iterates x ∈ ℝⁿ, z ∈ [l, u] ⊂ ℝ^mT, y ∈ ℝ^mT (all scaled). One iteration:
 *   solve  [P+σI  Aᵀ; A  −diag(1/ρ)] [x̃; ν] = [σx − q; z − y/ρ]       (kkt.ts, factored once per ρ)
 *   z̃ = z + (ν − y)/ρ
 *   x ← α x̃ + (1−α) x,     ẑ = α z̃ + (1−α) z
 *   z ← Π_[l,u](ẑ + y/ρ),    y ← y + ρ (ẑ − z)
 * (ρ, 1/ρ per row). Every `checkTermination` iterations, in UNSCALED quantities:
 *   r_prim = ‖Ax − z‖∞ ≤ ε_abs + ε_rel max(‖Ax‖∞, ‖z‖∞)
 *   r_dual = ‖Px + q + Aᵀy‖∞ ≤ ε_abs + ε_rel max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞)
 * Infeasibility, with δy, δx the change over the last iteration (unscaled):
 *   primal:  δy projected on the polar of the recession cone of [l,u] (δy_i = 0 where the bound in its
 *            direction is infinite), ‖Aᵀδy‖∞ ≤ ε_pinf‖δy‖∞ and uᵀδy₊ + lᵀδy₋ < −ε_pinf‖δy‖∞
 *   dual:    ‖Pδx‖∞ ≤ ε_dinf‖δx‖∞, qᵀδx < −ε_dinf‖δx‖∞, and (Aδx)_i within ±ε_dinf‖δx‖∞ of the
 *            recession cone of [l_i, u_i] (= 0 for two finite bounds, ≥ 0 when u_i = ∞, ≤ 0 when l_i = −∞)
 * Adaptive ρ (scaled residuals): ρ ← ρ·√( (‖Ax−z‖/max(‖Ax‖,‖z‖)) / (‖Px+q+Aᵀy‖/max(‖Px‖,‖Aᵀy‖,‖q‖)) ),
 * clipped to [RHO_MIN, RHO_MAX], applied (one numeric refactorization) when it changed by more
 * than adaptiveRhoTolerance×.
 */
import type { QPProblem, QPStatus } from '../../types.ts';
import { log } from '../log.ts';
import { DimensionError, InputError } from '../../../errors.ts';
import { cscMatTVec, cscMatVec, cscRowCompressed, type RowCompressed } from '../../../linalg/csc.ts';
import { normInf } from '../../../linalg/vec.ts';
import { buildOsqpData, normInfScaled, ROW_EQ } from './data.ts';
import type { CscMatrix } from '../../../linalg/types.ts';
import type { OsqpData } from './data.ts';
import { AdmmKkt } from './kkt.ts';
import { ruizScale } from './scaling.ts';
import type { AdmmScaling } from './scaling.ts';
import { RHO_MAX, RHO_MIN } from './settings.ts';
import type { AdmmSettings } from './settings.ts';

/** tolerance under which a norm counts as zero in ratios and certificates */
const DIVISION_TOL = 1e-30;

/** Residual norms at the current iterate, unscaled unless named `scaled*`. */
export interface ResidualInfo {
  prim: number;
  dual: number;
  normAx: number;
  normZ: number;
  normPx: number;
  normAty: number;
  normQ: number;
  scaledPrim: number;
  scaledDual: number;
  scaledPrimNorm: number;
  scaledDualNorm: number;
}

export class AdmmWorkspace {
  readonly data: OsqpData;
  readonly s: AdmmSettings;
  readonly n: number;
  readonly mT: number;
  /** scaled data (P, q, Ã of `data`, rescaled in place) and scaled bounds */
  readonly P: CscMatrix;
  readonly q: Float64Array;
  readonly Ac: CscMatrix;
  readonly rows: RowCompressed;
  readonly l: Float64Array;
  readonly u: Float64Array;
  readonly scaling: AdmmScaling;
  /** rows with l = u (always active in polishing) */
  readonly isEq: Uint8Array;
  /** per-row ρ and 1/ρ, and the scalar ρ they derive from */
  readonly rho: Float64Array;
  readonly rhoInv: Float64Array;
  rhoScalar: number;
  rhoUpdates = 0;
  kkt: AdmmKkt | null = null;
  // iterates (scaled)
  readonly x: Float64Array;
  readonly z: Float64Array;
  readonly y: Float64Array;
  readonly xPrev: Float64Array;
  readonly yPrev: Float64Array;
  // work vectors
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  readonly Ax: Float64Array;
  readonly Px: Float64Array;
  readonly Aty: Float64Array;
  private readonly workN: Float64Array;
  private readonly workM: Float64Array;
  readonly res: ResidualInfo = {
    prim: Infinity, dual: Infinity, normAx: 0, normZ: 0, normPx: 0, normAty: 0, normQ: 0,
    scaledPrim: Infinity, scaledDual: Infinity, scaledPrimNorm: 0, scaledDualNorm: 0,
  };
  /** certificates (scaled δy / δx of the detecting iteration), set when detected */
  readonly deltaY: Float64Array;
  readonly deltaX: Float64Array;
  private readonly normQUnscaled: number;
  private readonly normQScaled: number;

  constructor(problem: QPProblem, s: AdmmSettings) {
    this.s = s;
    const data = buildOsqpData(problem);
    this.data = data;
    const n = data.n;
    const mT = data.mT;
    this.n = n;
    this.mT = mT;
    this.P = data.P;
    this.q = data.q;
    this.Ac = data.Ac;
    this.l = Float64Array.from(data.l);
    this.u = Float64Array.from(data.u);
    for (let i = 0; i < mT; i++) {
      if (Number.isNaN(this.l[i]!) || Number.isNaN(this.u[i]!)) throw new InputError('problem', 'no NaN in b, d, lb, ub', `NaN in constraint row ${i}`);
    }
    this.scaling = ruizScale(this.P, this.q, this.Ac, this.l, this.u, s.scaling);
    this.rows = cscRowCompressed(this.Ac);
    this.isEq = new Uint8Array(mT);
    for (let i = 0; i < mT; i++) this.isEq[i] = data.l[i] === data.u[i] ? 1 : 0;
    this.rho = new Float64Array(mT);
    this.rhoInv = new Float64Array(mT);
    this.rhoScalar = s.rho;
    this.setRhoVector(s.rho);
    this.x = new Float64Array(n);
    this.z = new Float64Array(mT);
    this.y = new Float64Array(mT);
    this.xPrev = new Float64Array(n);
    this.yPrev = new Float64Array(mT);
    this.rhs = new Float64Array(n + mT);
    this.sol = new Float64Array(n + mT);
    this.Ax = new Float64Array(mT);
    this.Px = new Float64Array(n);
    this.Aty = new Float64Array(n);
    this.workN = new Float64Array(n);
    this.workM = new Float64Array(mT);
    this.deltaY = new Float64Array(mT);
    this.deltaX = new Float64Array(n);
    const { Dinv, c } = this.scaling;
    this.normQUnscaled = normInfScaled(this.q, Dinv) / c;
    this.normQScaled = normInf(this.q);
  }

  /** ρ_i from the scalar ρ: equality rows (scaled u − l < 1e-4, as OSQP) rhoEqScale·ρ, free rows RHO_MIN, others ρ. */
  private setRhoVector(rho: number): void {
    for (let i = 0; i < this.mT; i++) {
      const lo = this.l[i]!;
      const hi = this.u[i]!;
      let r: number;
      if (lo === -Infinity && hi === Infinity) r = RHO_MIN;
      else if (hi - lo < 1e-4) r = this.s.rhoEqScale * rho;
      else r = rho;
      this.rho[i] = r;
      this.rhoInv[i] = 1 / r;
    }
  }

  /** Analyse and factor the KKT matrix (throws LinearAlgebraError from the LDLᵀ). */
  factor(checkConvexity = false): void {
    const eq = checkConvexity ? Uint8Array.from(this.data.rowKind, (k) => (k === ROW_EQ ? 1 : 0)) : undefined;
    this.kkt = new AdmmKkt(this.P, this.Ac, this.rows, this.s.sigma, this.rho, eq);
  }

  /**
   * Initial point from an unscaled warm start in OUR variables (z, λ, μ): x̂ = D⁻¹z, ŷ = c E⁻¹ y with
   * y = λ on equality rows, μ on inequality rows, 0 on bound rows; ẑ = Π(Âx̂).
   */
  warmStart(z: Float64Array | undefined, lambda: Float64Array | undefined, mu: Float64Array | undefined): void {
    const { n, data } = this;
    const { Dinv, Einv, c } = this.scaling;
    if (z) {
      if (z.length !== n) throw new DimensionError('settings.warmStart.z', `length ${n}`, `length ${z.length}`);
      for (let j = 0; j < n; j++) {
        if (!Number.isFinite(z[j]!)) throw new InputError(`settings.warmStart.z[${j}]`, 'a finite number', String(z[j]));
        this.x[j] = z[j]! * Dinv[j]!;
      }
    }
    if (lambda) {
      if (lambda.length !== data.p) throw new DimensionError('settings.warmStart.lambda', `length ${data.p}`, `length ${lambda.length}`);
      for (let i = 0; i < data.p; i++) {
        if (!Number.isFinite(lambda[i]!)) throw new InputError(`settings.warmStart.lambda[${i}]`, 'a finite number', String(lambda[i]));
        this.y[i] = c * lambda[i]! * Einv[i]!;
      }
    }
    if (mu) {
      if (mu.length !== data.m) throw new DimensionError('settings.warmStart.mu', `length ${data.m}`, `length ${mu.length}`);
      for (let i = 0; i < data.m; i++) {
        const r = data.p + i;
        if (!Number.isFinite(mu[i]!)) throw new InputError(`settings.warmStart.mu[${i}]`, 'a finite number', String(mu[i]));
        this.y[r] = c * Math.max(mu[i]!, 0) * Einv[r]!;
      }
    }
    cscMatVec(this.Ac, this.x, this.z);
    for (let i = 0; i < this.mT; i++) this.z[i] = Math.min(Math.max(this.z[i]!, this.l[i]!), this.u[i]!);
  }

  /** One ADMM iteration; keeps the previous x, y in xPrev, yPrev. */
  step(): void {
    const { n, mT, x, z, y, rho, rhoInv, rhs, sol, l, u, q } = this;
    const { sigma, alpha } = this.s;
    this.xPrev.set(x);
    this.yPrev.set(y);
    for (let j = 0; j < n; j++) rhs[j] = sigma * x[j]! - q[j]!;
    for (let i = 0; i < mT; i++) rhs[n + i] = z[i]! - y[i]! * rhoInv[i]!;
    this.kkt!.solve(rhs, sol);
    const beta = 1 - alpha;
    for (let j = 0; j < n; j++) x[j] = alpha * sol[j]! + beta * x[j]!;
    for (let i = 0; i < mT; i++) {
      const zi = z[i]!;
      const yi = y[i]!;
      const zTilde = zi + (sol[n + i]! - yi) * rhoInv[i]!;
      const zRelax = alpha * zTilde + beta * zi;
      let zNew = zRelax + yi * rhoInv[i]!;
      if (zNew < l[i]!) zNew = l[i]!;
      else if (zNew > u[i]!) zNew = u[i]!;
      y[i] = yi + rho[i]! * (zRelax - zNew);
      z[i] = zNew;
    }
  }

  /** Fill `res` (and Ax, Px, Aty) for the current iterate. */
  computeResiduals(): ResidualInfo {
    const { n, mT, x, z, y, Ax, Px, Aty, q, res } = this;
    const { Dinv, Einv, c } = this.scaling;
    cscMatVec(this.Ac, x, Ax);
    cscMatVec(this.P, x, Px);
    cscMatTVec(this.Ac, y, Aty);
    let prim = 0, sPrim = 0, nAx = 0, nZ = 0, sAx = 0, sZ = 0;
    for (let i = 0; i < mT; i++) {
      const e = Einv[i]!;
      const r = Ax[i]! - z[i]!;
      prim = Math.max(prim, Math.abs(r * e));
      sPrim = Math.max(sPrim, Math.abs(r));
      nAx = Math.max(nAx, Math.abs(Ax[i]! * e));
      nZ = Math.max(nZ, Math.abs(z[i]! * e));
      sAx = Math.max(sAx, Math.abs(Ax[i]!));
      sZ = Math.max(sZ, Math.abs(z[i]!));
    }
    let dual = 0, sDual = 0, nPx = 0, nAty = 0, sPx = 0, sAty = 0;
    for (let j = 0; j < n; j++) {
      const d = Dinv[j]!;
      const r = Px[j]! + q[j]! + Aty[j]!;
      dual = Math.max(dual, Math.abs(r * d));
      sDual = Math.max(sDual, Math.abs(r));
      nPx = Math.max(nPx, Math.abs(Px[j]! * d));
      nAty = Math.max(nAty, Math.abs(Aty[j]! * d));
      sPx = Math.max(sPx, Math.abs(Px[j]!));
      sAty = Math.max(sAty, Math.abs(Aty[j]!));
    }
    res.prim = prim;
    res.dual = dual / c;
    res.normAx = nAx;
    res.normZ = nZ;
    res.normPx = nPx / c;
    res.normAty = nAty / c;
    res.normQ = this.normQUnscaled;
    res.scaledPrim = sPrim;
    res.scaledDual = sDual;
    res.scaledPrimNorm = Math.max(sAx, sZ);
    res.scaledDualNorm = Math.max(sPx, sAty, this.normQScaled);
    return res;
  }

  /** unscaled tolerance of the primal residual, times `factor` */
  epsPrim(factor = 1): number {
    const r = this.res;
    return factor * (this.s.epsAbs + this.s.epsRel * Math.max(r.normAx, r.normZ));
  }

  /** unscaled tolerance of the dual residual, times `factor` */
  epsDual(factor = 1): number {
    const r = this.res;
    return factor * (this.s.epsAbs + this.s.epsRel * Math.max(r.normPx, r.normAty, r.normQ));
  }

  /** termination test on `res` with the tolerances multiplied by `factor` */
  converged(factor = 1): boolean {
    return this.res.prim <= this.epsPrim(factor) && this.res.dual <= this.epsDual(factor);
  }

  /** Primal infeasibility test on δy = y − yPrev; on success δy (projected) is left in deltaY. */
  primalInfeasible(): boolean {
    const { mT, l, u, deltaY: dy } = this;
    if (mT === 0) return false;
    const { E, Dinv } = this.scaling;
    const eps = this.s.epsPrimInf;
    let normDy = 0;
    for (let i = 0; i < mT; i++) {
      let d = this.y[i]! - this.yPrev[i]!;
      if ((d > 0 && u[i] === Infinity) || (d < 0 && l[i] === -Infinity)) d = 0;
      dy[i] = d;
      normDy = Math.max(normDy, Math.abs(d * E[i]!));
    }
    if (normDy <= DIVISION_TOL) return false;
    // uᵀδy₊ + lᵀδy₋ (scaled bounds times scaled δy = unscaled up to the factor c)
    let support = 0;
    for (let i = 0; i < mT; i++) {
      const d = dy[i]!;
      if (d > 0) support += u[i]! * d;
      else if (d < 0) support += l[i]! * d;
    }
    if (!(support < -eps * normDy)) return false;
    cscMatTVec(this.Ac, dy, this.workN);
    return normInfScaled(this.workN, Dinv) <= eps * normDy;
  }

  /** Dual infeasibility test on δx = x − xPrev; on success δx is left in deltaX. */
  dualInfeasible(): boolean {
    const { n, mT, l, u, deltaX: dx } = this;
    const { D, Dinv, Einv, c } = this.scaling;
    const eps = this.s.epsDualInf;
    let normDx = 0;
    for (let j = 0; j < n; j++) {
      dx[j] = this.x[j]! - this.xPrev[j]!;
      normDx = Math.max(normDx, Math.abs(dx[j]! * D[j]!));
    }
    if (normDx <= DIVISION_TOL) return false;
    let qdx = 0;
    for (let j = 0; j < n; j++) qdx += this.q[j]! * dx[j]!;
    if (!(qdx < -c * eps * normDx)) return false;
    cscMatVec(this.P, dx, this.workN);
    if (normInfScaled(this.workN, Dinv) > c * eps * normDx) return false;
    cscMatVec(this.Ac, dx, this.workM);
    const tol = eps * normDx;
    for (let i = 0; i < mT; i++) {
      const v = this.workM[i]! * Einv[i]!;
      const finL = l[i]! > -Infinity;
      const finU = u[i]! < Infinity;
      if (finU && v > tol) return false;
      if (finL && v < -tol) return false;
    }
    return true;
  }

  /** Adaptive ρ from the scaled residuals in `res`; returns true when ρ changed (and K was refactored). */
  adaptRho(): boolean {
    if (this.mT === 0) return false;
    const r = this.res;
    const primRatio = r.scaledPrim / (r.scaledPrimNorm + DIVISION_TOL);
    const dualRatio = r.scaledDual / (r.scaledDualNorm + DIVISION_TOL);
    let rhoNew = this.rhoScalar * Math.sqrt(primRatio / (dualRatio + DIVISION_TOL));
    if (!Number.isFinite(rhoNew)) return false;
    rhoNew = Math.min(Math.max(rhoNew, RHO_MIN), RHO_MAX);
    const tol = this.s.adaptiveRhoTolerance;
    if (rhoNew > this.rhoScalar * tol || rhoNew < this.rhoScalar / tol) {
      this.rhoScalar = rhoNew;
      this.setRhoVector(rhoNew);
      this.kkt!.updateRho(this.rho);
      this.rhoUpdates++;
      return true;
    }
    return false;
  }

  /** objective ½xᵀPx + qᵀx (unscaled) of the scaled point x̂, using Px = P̂x̂ from computeResiduals */
  objectiveFromResiduals(): number {
    let s = 0;
    for (let j = 0; j < this.n; j++) s += this.x[j]! * (0.5 * this.Px[j]! + this.q[j]!);
    return s / this.scaling.c;
  }
}

export interface AdmmRunResult {
  status: QPStatus;
  iterations: number;
}

/**
 * Run the ADMM loop from the workspace's current iterate until termination, infeasibility,
 * the iteration limit or the time limit (deadline in performance.now() ms).
 */
export function runAdmm(w: AdmmWorkspace, deadline: number): AdmmRunResult {
  const s = w.s;
  const t0 = performance.now();
  if (s.verbose) {
    log(
      `admm: n = ${w.n}, constraint rows = ${w.mT}, rho = ${s.rho}, sigma = ${s.sigma}, alpha = ${s.alpha}, eps_abs = ${s.epsAbs}, eps_rel = ${s.epsRel}\n` +
        ' iter   objective      prim res   dual res   rho        time',
    );
  }
  let iter = 0;
  let status: QPStatus | null = null;
  while (iter < s.maxIter) {
    iter++;
    w.step();
    const last = iter === s.maxIter;
    const timeUp = performance.now() > deadline;
    let haveResiduals = false;
    if (iter % s.checkTermination === 0 || last || timeUp) {
      const r = w.computeResiduals();
      haveResiduals = true;
      if (s.verbose) {
        log(
          `${String(iter).padStart(5)}  ${w.objectiveFromResiduals().toExponential(6).padStart(13)}  ` +
            `${r.prim.toExponential(2)}   ${r.dual.toExponential(2)}   ${w.rhoScalar.toExponential(2)}   ${((performance.now() - t0) / 1000).toFixed(3)}s`,
        );
      }
      if (!Number.isFinite(r.prim) || !Number.isFinite(r.dual)) {
        status = 'numerical_error';
        break;
      }
      if (w.converged()) {
        status = 'solved';
        break;
      }
      if (w.primalInfeasible()) {
        status = 'primal_infeasible';
        break;
      }
      if (w.dualInfeasible()) {
        status = 'dual_infeasible';
        break;
      }
    }
    if (timeUp) {
      status = 'time_limit';
      break;
    }
    if (s.adaptiveRho && !last && iter % s.adaptiveRhoInterval === 0) {
      if (!haveResiduals) w.computeResiduals();
      w.adaptRho();
    }
  }
  if (status === null) status = w.converged(s.inaccurateFactor) ? 'solved_inaccurate' : 'max_iter';
  return { status, iterations: iter };
}
