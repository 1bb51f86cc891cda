/**
 * The proximal interior-point iteration (after PIQP: Schwan, Jiang, Kuhn, Jones, "PIQP: A
 * Proximal Interior-Point Quadratic Programming Solver", CDC 2023), written against the
 * QpData (data.ts) and KktSystem (kkt.ts) interfaces, in the internal scaled space. This file
 * holds the iteration (scalings, Newton step, predictor–corrector loop, proximal updates); the
 * starting points are in start.ts, residuals / termination / infeasibility tests in
 * termination.ts, verbose lines in progress.ts, vector kernels in vectors.ts, the reusable
 * vectors in workspace.ts.
 *
 * NOTATION: PIQP's, not the model's (types.ts): x, y, z here are the model's z, λ, μ; c, G, h are
 * q, C, d (the mapping is spelled out at IpmSolver).
 *
 * Problem (scaled, see data.ts):  min ½xᵀPx + cᵀx  s.t.  Ax = b,  Gx ≤ h,  x_j ≥ lb_j (j ∈ L),
 * x_j ≤ ub_j (j ∈ U). Slacks s, s_l, s_u ≥ 0 and duals z, z_l, z_u ≥ 0 turn the inequalities into
 *
 *   Gx + s = h,   −x_L + s_l = −lb,   x_U + s_u = ub,
 *   Px + c + Aᵀy + Gᵀz − E_Lᵀz_l + E_Uᵀz_u = 0,   s∘z = s_l∘z_l = s_u∘z_u = 0.
 *
 * Proximal method of multipliers around it: with proximal centers ξ (primal), λ, ν, ν_l, ν_u
 * (dual) and parameters ρ, δ > 0, each iteration takes ONE Newton step on the perturbed system
 *
 *   Px + c + Aᵀy + Gᵀz − z_l + z_u + ρ(x − ξ) = 0
 *   Ax − b − δ(y − λ) = 0
 *   Gx + s − h − δ(z − ν) = 0,   −x + s_l + lb − δ(z_l − ν_l) = 0,   x + s_u − ub − δ(z_u − ν_u) = 0
 *   s∘z = σμ, ...   (barrier)
 *
 * Eliminating ds = Z⁻¹(r_s − S dz) and the bound rows gives the quasi-definite KKT system of
 * kkt.ts with W = δ + s/z and boxDiag = 1/(δ + s_l/z_l) + 1/(δ + s_u/z_u). Per iteration:
 *
 *   1. one pass over the pairs (duals below ε moved to z + ε; W, boxDiag; the predictor's
 *      r_s = −s∘z), then factor K(ρ, δ, W, boxDiag); on failure: robust factorization (static
 *      regularization + refinement), then ρ, δ × 100 (at most maxFactorRetries times), else
 *      'numerical_error';
 *   2. predictor: r_s = −s∘z, solve, step to the boundary α (× τ), μ_aff, σ = (μ_aff/μ)³;
 *   3. corrector: r_s = −s∘z − ds_aff∘dz_aff + σμ, solve, primal and dual steps α_p, α_d
 *      (fraction-to-boundary τ = 0.99);
 *   4. proximal updates: the primal center ξ ← x (and ρ decreases with the μ reduction rate)
 *      when the dual residual fell below 0.95× its previous value; the dual centers ← (y, z, …)
 *      (δ decreases) when the primal residual did; otherwise the parameter decreases more slowly.
 *      ρ, δ ≥ regLowerLimit, lowered to regFinetuneLowerLimit when the centers stall.
 *
 * Infeasibility (PIQP's test): the dual centers stall (> 5 iterations without update) while
 * δ‖λ − y‖ (unscaled) exceeds infeasibilityThreshold and the REGULARIZED primal residual is at
 * tolerance: the regularized problem is solved but the multipliers diverge → 'primal_infeasible'.
 * Symmetrically ρ‖x − ξ‖ with the regularized dual residual → 'dual_infeasible'.
 *
 * Termination (UNSCALED, ∞-norms): r_p ≤ εa + εr·max(‖Ax‖, ‖b‖, ‖Gx‖, ‖h‖, ‖s‖, bound terms),
 * r_d ≤ εa + εr·max(‖Px‖, ‖c‖, ‖Aᵀy‖, ‖Gᵀz‖, ‖z_l − z_u‖), and (checkDualityGap) the gap
 * |xᵀPx + cᵀx + bᵀy + hᵀz − lbᵀz_l + ubᵀz_u| ≤ εa_gap + εr_gap·max(|each term|) (settings.ts).
 * Rounding floors (RES_FLOOR, GAP_FLOOR below) stop a run whose residuals or gap are already at
 * the level double precision can resolve, instead of iterating to the limit when epsRel ≈ 0.
 *
 * Start: cold, the regularized least-squares point of the linear system with s = z = 1, whose
 * slack/dual pairs are moved onto the central path (s∘z = μ₀, z − s kept; μ₀ = the mean product
 * after shifting every pair by START_SHIFT = 1.5 times its most negative entry, as in Mehrotra's
 * starting point); warm, the user point
 * (z, λ, μ of settings.warmStart) with slacks from the constraints, bound duals from the
 * stationarity residual, each pair moved onto the central path with μ = warmStartMu.
 */
import type { QPStatus } from '../../types.ts';
import { log } from '../log.ts';
import { logIteration } from './progress.ts';
import { coldStart, warmStart } from './start.ts';
import { converged, dualOk, primalOk, stalledDualCertificate, stalledPrimalCertificate, updateRegResiduals, updateResiduals } from './termination.ts';
import { addCorrector, affinePairs, axpy, boundScalings, dot, normInfScaled, stepPairs, stepToBoundary } from './vectors.ts';
import { IpmWorkspace, type IpmOutcome } from './workspace.ts';

export { IpmWorkspace, type IpmOutcome } from './workspace.ts';
import type { QpData } from './data.ts';
import type { KktSystem } from './kkt.ts';
import type { IpmSettings } from './settings.ts';



/**
 * One run of the method on one problem. Its members are the state of the run; they are public
 * (not `private`) because the concept files of this folder read and write them: start.ts (the
 * starting points), termination.ts (residuals, convergence, infeasibility certificates),
 * progress.ts (verbose lines). The class is internal to the ipm backend (index.ts).
 *
 * Names (the solver's internal, scaled notation vs. the model's, see types.ts): x ↔ z (primal),
 * y ↔ λ (equality duals), z ↔ μ (inequality duals) with slacks s, z_l / z_u ↔ μ_lb / μ_ub;
 * c ↔ q, G, h ↔ C, d. The proximal centers are ξ (of x) and λ, ν, ν_l, ν_u (of y, z, z_l, z_u):
 * fields xi, lam, nuZ, nuL, nuU. PIQP's paper uses this notation; results.ts converts back.
 */
export class IpmSolver {
  readonly d: QpData;
  readonly kkt: KktSystem;
  readonly st: IpmSettings;
  readonly t0: number;
  readonly n: number;
  readonly p: number;
  readonly m: number;
  readonly nl: number;
  readonly nu: number;
  /** number of complementarity pairs m + nl + nu */
  readonly nc: number;

  // ---- unscaling factors for residual norms
  /** 1/(γ D): scaled dual residual → unscaled */
  readonly uDual: Float64Array;
  /** 1/E_A, 1/E_G: scaled primal rows → unscaled */
  readonly uEq: Float64Array;
  readonly uIneq: Float64Array;
  /** D at the bounded variables: scaled bound rows → unscaled */
  readonly uLb: Float64Array;
  readonly uUb: Float64Array;
  /** E_A/γ, E_G/γ, 1/(γD) at bounds: scaled duals → unscaled */
  readonly yScale: Float64Array;
  readonly zScale: Float64Array;
  readonly zlScale: Float64Array;
  readonly zuScale: Float64Array;

  // ---- iterate
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly s: Float64Array;
  readonly zl: Float64Array;
  readonly sl: Float64Array;
  readonly zu: Float64Array;
  readonly su: Float64Array;
  // ---- proximal centers
  readonly xi: Float64Array;
  readonly lam: Float64Array;
  readonly nuZ: Float64Array;
  readonly nuL: Float64Array;
  readonly nuU: Float64Array;
  // ---- residuals (non-regularized)
  readonly rx: Float64Array;
  readonly ry: Float64Array;
  readonly rz: Float64Array;
  readonly rl: Float64Array;
  readonly ru: Float64Array;
  // ---- regularized residuals (right-hand side of the Newton system)
  readonly rxr: Float64Array;
  readonly ryr: Float64Array;
  readonly rzr: Float64Array;
  readonly rlr: Float64Array;
  readonly rur: Float64Array;
  // ---- complementarity right-hand sides
  readonly rs: Float64Array;
  readonly rsl: Float64Array;
  readonly rsu: Float64Array;
  // ---- step
  readonly dx: Float64Array;
  readonly dy: Float64Array;
  readonly dz: Float64Array;
  readonly ds: Float64Array;
  readonly dzl: Float64Array;
  readonly dsl: Float64Array;
  readonly dzu: Float64Array;
  readonly dsu: Float64Array;
  // ---- KKT scalings and work
  readonly W: Float64Array;
  /** 1/z at the last factorization (length m) */
  readonly zInv: Float64Array;
  readonly Wl: Float64Array;
  readonly Wu: Float64Array;
  readonly boxDiag: Float64Array;
  readonly rhsX: Float64Array;
  readonly rhsZ: Float64Array;
  readonly workN: Float64Array;
  readonly workN2: Float64Array;
  readonly workN3: Float64Array;
  readonly acc2 = new Float64Array(2);
  readonly workN4: Float64Array;
  /** constant parts of the residual scales: ‖c‖, ‖b‖, ‖h‖, bound values (unscaled ∞-norms) */
  readonly cNorm: number;
  readonly bNorm: number;
  readonly hNorm: number;
  readonly boundNorm: number;
  readonly workP: Float64Array;
  readonly workM: Float64Array;

  // ---- scalars
  rho: number;
  delta: number;
  mu = 0;
  regLimit: number;
  robust = false;
  regIncreases = 0;
  primalRes = Infinity;
  dualRes = Infinity;
  gap = Infinity;
  primalNorm = 0;
  dualNorm = 0;
  gapNorm = 0;
  /** Σ|terms| of the gap (rounding level, see GAP_FLOOR) */
  gapAbsSum = 0;
  /** smallest gap so far (updated when halved) and the iterations since */
  bestGap = Infinity;
  gapStall = 0;
  primalObj = 0;
  primalResReg = Infinity;
  dualResReg = Infinity;
  primalProxInf = 0;
  dualProxInf = 0;
  primalStep = 0;
  /** largest steps in (0, 1] keeping the slacks / duals ≥ 0, for the last Newton step */
  stepS = 1;
  stepZ = 1;
  dualStep = 0;

  constructor(data: QpData, kkt: KktSystem, settings: IpmSettings, t0: number, workspace?: IpmWorkspace) {
    this.d = data;
    this.kkt = kkt;
    this.st = settings;
    this.t0 = t0;
    const { n, p, m, nl, nu } = data;
    this.n = n;
    this.p = p;
    this.m = m;
    this.nl = nl;
    this.nu = nu;
    this.nc = m + nl + nu;
    const g = data.costScale;
    const ws = workspace ?? new IpmWorkspace();
    ws.begin(`${n}:${data.p}:${m}:${nl}:${nu}`);
    const f = (len: number) => ws.take(len);
    const mapped = (len: number, fn: (k: number) => number): Float64Array => {
      const v = f(len);
      for (let k = 0; k < len; k++) v[k] = fn(k);
      return v;
    };
    this.uDual = mapped(n, (j) => 1 / (g * data.D[j]!));
    this.uEq = mapped(p, (i) => 1 / data.EA[i]!);
    this.uIneq = mapped(m, (k) => 1 / data.EG[k]!);
    this.uLb = mapped(nl, (k) => data.D[data.lbIdx[k]!]!);
    this.uUb = mapped(nu, (k) => data.D[data.ubIdx[k]!]!);
    this.yScale = mapped(p, (i) => data.EA[i]! / g);
    this.zScale = mapped(m, (k) => data.EG[k]! / g);
    this.zlScale = mapped(nl, (k) => 1 / (g * data.D[data.lbIdx[k]!]!));
    this.zuScale = mapped(nu, (k) => 1 / (g * data.D[data.ubIdx[k]!]!));
    this.x = f(n);
    this.y = f(p);
    this.z = f(m);
    this.s = f(m);
    this.zl = f(nl);
    this.sl = f(nl);
    this.zu = f(nu);
    this.su = f(nu);
    this.xi = f(n);
    this.lam = f(p);
    this.nuZ = f(m);
    this.nuL = f(nl);
    this.nuU = f(nu);
    this.rx = f(n);
    this.ry = f(p);
    this.rz = f(m);
    this.rl = f(nl);
    this.ru = f(nu);
    this.rxr = f(n);
    this.ryr = f(p);
    this.rzr = f(m);
    this.rlr = f(nl);
    this.rur = f(nu);
    this.rs = f(m);
    this.rsl = f(nl);
    this.rsu = f(nu);
    this.dx = f(n);
    this.dy = f(p);
    this.dz = f(m);
    this.ds = f(m);
    this.dzl = f(nl);
    this.dsl = f(nl);
    this.dzu = f(nu);
    this.dsu = f(nu);
    this.W = f(m);
    this.zInv = f(m);
    this.Wl = f(nl);
    this.Wu = f(nu);
    this.boxDiag = f(n);
    this.rhsX = f(n);
    this.rhsZ = f(m);
    this.workN = f(n);
    this.workN2 = f(n);
    this.workN3 = f(n);
    this.workN4 = f(n);
    this.cNorm = normInfScaled(data.c, this.uDual);
    this.bNorm = normInfScaled(data.b, this.uEq);
    this.hNorm = normInfScaled(data.h, this.uIneq);
    this.boundNorm = Math.max(normInfScaled(data.lbVal, this.uLb), normInfScaled(data.ubVal, this.uUb));
    this.workP = f(p);
    this.workM = f(m);
    this.rho = settings.rhoInit;
    this.delta = settings.deltaInit;
    this.regLimit = settings.regLowerLimit;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  // ===========================================================================================
  // Newton system
  // ===========================================================================================

  calcMu(): number {
    if (this.nc === 0) return 0;
    return (dot(this.s, this.z) + dot(this.sl, this.zl) + dot(this.su, this.zu)) / this.nc;
  }

  /**
   * One pass over the complementarity pairs before a factorization: duals below ε are moved
   * to z + ε (W divides by z; sets dualsShifted, the caller then recomputes μ), then
   * W = δ + s/z (1/z kept in zInv), W_l, W_u, boxDiag = Σ 1/W over the bounds of each variable,
   * and the predictor's right-hand sides rs = −s∘z, rsl, rsu.
   */
  updateScalings(): void {
    const { delta, s, z, zInv, W, rs } = this;
    let shifted = false;
    for (let k = 0; k < this.m; k++) {
      let zk = z[k]!;
      if (zk < Number.EPSILON) {
        zk += Number.EPSILON;
        z[k] = zk;
        shifted = true;
      }
      const sk = s[k]!;
      const zi = 1 / zk;
      zInv[k] = zi;
      W[k] = delta + sk * zi;
      rs[k] = -sk * zk;
    }
    this.boxDiag.fill(0);
    if (boundScalings(this.sl, this.zl, this.Wl, this.rsl, this.d.lbIdx, this.nl, this.boxDiag, delta)) shifted = true;
    if (boundScalings(this.su, this.zu, this.Wu, this.rsu, this.d.ubIdx, this.nu, this.boxDiag, delta)) shifted = true;
    if (shifted) this.dualsShifted = true;
  }

  /** set by updateScalings when it moved a dual away from 0 (μ must be recomputed) */
  dualsShifted = false;

  /**
   * Solve the Newton system for the step (dx, dy, dz, ds, dz_l, ds_l, dz_u, ds_u) with the
   * regularized residuals rxr… and the complementarity right-hand sides rs, rsl, rsu
   * (Z ds + S dz = rs, …). Uses the current factorization. Returns false on a non-finite step.
   */
  newtonSolve(): boolean {
    const { d, rhsZ } = this;
    // with no bounds the right-hand side of the x rows is r_x itself (no copy)
    const rhsX = this.nl + this.nu > 0 ? this.rhsX : this.rxr;
    if (rhsX !== this.rxr) rhsX.set(this.rxr);
    for (let k = 0; k < this.nl; k++) {
      rhsX[d.lbIdx[k]!] -= (this.rlr[k]! - this.rsl[k]! / this.zl[k]!) / this.Wl[k]!;
    }
    for (let k = 0; k < this.nu; k++) {
      rhsX[d.ubIdx[k]!] += (this.rur[k]! - this.rsu[k]! / this.zu[k]!) / this.Wu[k]!;
    }
    const { zInv, rs, rzr } = this;
    for (let k = 0; k < this.m; k++) rhsZ[k] = rzr[k]! - rs[k]! * zInv[k]!;
    // check: a sum over the whole step (dx, dy, dz from the KKT solve), finite iff every entry is
    let check = this.kkt.solve(rhsX, this.ryr, rhsZ, this.dx, this.dy, this.dz);
    // ds = Z⁻¹(r_s − S dz), with the steps to the boundary of s and z
    let as = 1;
    let az = 1;
    {
      const { s, z, ds, dz } = this;
      for (let k = 0; k < this.m; k++) {
        const zk = z[k]!;
        const dzk = dz[k]!;
        const sk = s[k]!;
        const dsk = (rs[k]! - sk * dzk) * zInv[k]!;
        ds[k] = dsk;
        check += dsk;
        if (dsk < 0) {
          const r = -sk / dsk;
          if (r < as) as = r;
        }
        if (dzk < 0) {
          const r = -zk / dzk;
          if (r < az) az = r;
        }
      }
    }
    for (let k = 0; k < this.nl; k++) {
      const j = d.lbIdx[k]!;
      const dzl = (-this.dx[j]! - this.rlr[k]! + this.rsl[k]! / this.zl[k]!) / this.Wl[k]!;
      this.dzl[k] = dzl;
      const dsl = (this.rsl[k]! - this.sl[k]! * dzl) / this.zl[k]!;
      this.dsl[k] = dsl;
      check += dsl + dzl;
    }
    for (let k = 0; k < this.nu; k++) {
      const j = d.ubIdx[k]!;
      const dzu = (this.dx[j]! - this.rur[k]! + this.rsu[k]! / this.zu[k]!) / this.Wu[k]!;
      this.dzu[k] = dzu;
      const dsu = (this.rsu[k]! - this.su[k]! * dzu) / this.zu[k]!;
      this.dsu[k] = dsu;
      check += dsu + dzu;
    }
    if (this.nl > 0) {
      as = stepToBoundary(this.sl, this.dsl, as);
      az = stepToBoundary(this.zl, this.dzl, az);
    }
    if (this.nu > 0) {
      as = stepToBoundary(this.su, this.dsu, as);
      az = stepToBoundary(this.zu, this.dzu, az);
    }
    this.stepS = as;
    this.stepZ = az;
    return Number.isFinite(check);
  }

  /**
   * Factor the KKT matrix at the current point, repairing failures (robust mode, then larger
   * ρ, δ). Returns false when repair is impossible.
   */
  factorWithRetries(): { ok: boolean; regChanged: boolean } {
    let retries = 0;
    let regChanged = false;
    for (;;) {
      this.updateScalings();
      if (this.kkt.factor(this.rho, this.delta, this.W, this.boxDiag, this.robust)) return { ok: true, regChanged };
      if (!this.robust) {
        this.robust = true;
        continue;
      }
      if (retries >= this.st.maxFactorRetries) return { ok: false, regChanged };
      retries++;
      this.regIncreases++;
      this.rho *= 100;
      this.delta *= 100;
      this.regLimit = Math.min(10 * this.regLimit, this.st.epsAbs > 0 ? this.st.epsAbs : 1e-8);
      regChanged = true;
    }
  }

  /** Move the primal (ξ ← x) and/or dual (λ, ν ← y, z, …) proximal centers to the iterate. */
  setCenters(primal: boolean, dual: boolean): void {
    if (primal) this.xi.set(this.x);
    if (dual) {
      this.lam.set(this.y);
      this.nuZ.set(this.z);
      this.nuL.set(this.zl);
      this.nuU.set(this.zu);
    }
  }

  // ===========================================================================================
  // Main loop
  // ===========================================================================================


  run(): IpmOutcome {
    const st = this.st;
    const done = (status: QPStatus, iterations: number): IpmOutcome => {
      if (st.verbose) {
        log(
          `ipm: ${status} after ${iterations} iterations, ${(this.elapsedSeconds() * 1000).toFixed(1)} ms` +
            `${this.robust ? ', robust factorizations' : ''}${this.regIncreases ? `, ${this.regIncreases} regularization increases` : ''}`,
        );
      }
      return this.outcome(status, iterations);
    };
    // a run stopped by the iteration limit or numerical trouble at a point that meets the
    // tolerances × inaccurateFactor is reported 'solved_inaccurate'
    const stopped = (status: QPStatus, iterations: number): IpmOutcome =>
      done(converged(this, st.inaccurateFactor) && status !== 'time_limit' ? 'solved_inaccurate' : status, iterations);

    if (st.verbose) {
      const dd = this.d;
      log(
        `ipm: n = ${dd.n}, p = ${dd.p}, m = ${dd.m}, bounds ${dd.nl} lower / ${dd.nu} upper, ${this.kkt.kind} KKT of size ${this.kkt.size}\n` +
          `iter      objective     r_p       r_d       gap       mu      p_step d_step    rho      delta`,
      );
    }

    if (st.warmStart && (st.warmStart.z || st.warmStart.lambda || st.warmStart.mu)) {
      warmStart(this);
    } else if (!coldStart(this)) {
      updateResiduals(this);
      return done('numerical_error', 0);
    }
    this.setCenters(true, true);
    updateResiduals(this);
    let prevPrimal = this.primalRes;
    let prevDual = this.dualRes;
    let noPrimalUpdate = 0;
    let noDualUpdate = 0;
    // iterations since the primal / dual residual last fell below 0.95× its best value
    let primalStall = 0;
    let dualStall = 0;
    let bestPrimal = this.primalRes;
    let bestDual = this.dualRes;
    const trackStall = () => {
      if (this.primalRes < 0.95 * bestPrimal) {
        bestPrimal = this.primalRes;
        primalStall = 0;
      } else primalStall++;
      if (this.dualRes < 0.95 * bestDual) {
        bestDual = this.dualRes;
        dualStall = 0;
      } else dualStall++;
    };
    let iter = 0;
    const ineq = this.nc > 0;

    for (;;) {
      if (st.verbose) logIteration(this, iter);
      if (!Number.isFinite(this.primalRes) || !Number.isFinite(this.dualRes)) return done('numerical_error', iter);
      if (converged(this)) return done('solved', iter);
      if (iter >= st.maxIter) return stopped('max_iter', iter);
      if (this.elapsedSeconds() > st.timeLimit) return stopped('time_limit', iter);

      updateRegResiduals(this);
      const epsP = st.epsAbs + st.epsRel * this.primalNorm;
      const epsD = st.epsAbs + st.epsRel * this.dualNorm;
      if (
        noDualUpdate > Math.min(5, st.regFinetuneDualUpdateThreshold) &&
        this.primalProxInf > st.infeasibilityThreshold &&
        this.primalResReg <= epsP
      ) {
        return done('primal_infeasible', iter);
      }
      if (
        noPrimalUpdate > Math.min(5, st.regFinetunePrimalUpdateThreshold) &&
        this.dualProxInf > st.infeasibilityThreshold &&
        this.dualResReg <= epsD
      ) {
        return done('dual_infeasible', iter);
      }
      // Farkas certificates on the diverging directions (since the last center update, or the last step)
      if (primalStall > 5 && iter > 0 && stalledPrimalCertificate(this)) return done('primal_infeasible', iter);
      if (dualStall > 5 && iter > 0 && stalledDualCertificate(this)) return done('dual_infeasible', iter);

      iter++;

      // stalled proximal centers at the regularization floor: allow smaller ρ, δ
      if (
        this.regLimit !== st.regFinetuneLowerLimit &&
        ((noPrimalUpdate > st.regFinetunePrimalUpdateThreshold && this.rho === this.regLimit) ||
          (noDualUpdate > st.regFinetuneDualUpdateThreshold && this.delta === this.regLimit)) &&
        this.dualProxInf < st.infeasibilityThreshold &&
        this.primalProxInf < st.infeasibilityThreshold
      ) {
        this.regLimit = st.regFinetuneLowerLimit;
        noPrimalUpdate = 0;
        noDualUpdate = 0;
      }

      // (updateScalings keeps the duals away from 0 and sets the predictor's rs = −s∘z)
      this.dualsShifted = false;
      const f = this.factorWithRetries();
      if (this.dualsShifted) this.mu = this.calcMu();
      if (!f.ok) return stopped('numerical_error', iter);
      if (f.regChanged) updateRegResiduals(this);

      if (ineq) {
        // ---------------- predictor (rs = −s∘z set by updateScalings) ----------------
        if (!this.newtonSolve()) {
          if (!this.bumpRegularization()) return stopped('numerical_error', iter);
          iter--;
          continue;
        }
        let as = this.stepS * st.tau;
        let az = this.stepZ * st.tau;
        let muAff = affinePairs(this.s, this.ds, this.z, this.dz, as, az);
        if (this.nl > 0) muAff += affinePairs(this.sl, this.dsl, this.zl, this.dzl, as, az);
        if (this.nu > 0) muAff += affinePairs(this.su, this.dsu, this.zu, this.dzu, as, az);
        muAff /= this.nc;
        let sigma = this.mu > 0 ? Math.max(0, Math.min(1, muAff / this.mu)) : 0;
        sigma = sigma * sigma * sigma;
        const sm = sigma * this.mu;
        // ---------------- corrector ----------------
        addCorrector(this.rs, this.ds, this.dz, sm);
        addCorrector(this.rsl, this.dsl, this.dzl, sm);
        addCorrector(this.rsu, this.dsu, this.dzu, sm);
        if (!this.newtonSolve()) {
          if (!this.bumpRegularization()) return stopped('numerical_error', iter);
          iter--;
          continue;
        }
        this.primalStep = this.stepS * st.tau;
        this.dualStep = this.stepZ * st.tau;
        // ---------------- update ----------------
        const ap = this.primalStep;
        const ad = this.dualStep;
        axpy(ap, this.dx, this.x);
        axpy(ad, this.dy, this.y);
        let sz = stepPairs(this.s, this.ds, this.z, this.dz, ap, ad);
        if (this.nl > 0) sz += stepPairs(this.sl, this.dsl, this.zl, this.dzl, ap, ad);
        if (this.nu > 0) sz += stepPairs(this.su, this.dsu, this.zu, this.dzu, ap, ad);
        const muPrev = this.mu;
        this.mu = sz / this.nc;
        const muRate = muPrev > 0 ? Math.max(0, (muPrev - this.mu) / muPrev) : 0;

        // ---------------- proximal updates ----------------
        prevPrimal = this.primalRes;
        prevDual = this.dualRes;
        updateResiduals(this);
        trackStall();
        if (
          this.dualRes < 0.95 * prevDual ||
          dualOk(this, 1) ||
          (this.rho === st.regFinetuneLowerLimit && this.dualProxInf < st.infeasibilityThreshold)
        ) {
          this.setCenters(true, false);
          this.rho = Math.max(this.regLimit, (1 - muRate) * this.rho);
        } else {
          noPrimalUpdate++;
          if (iter < 5 || this.dualProxInf < st.infeasibilityThreshold) this.rho = Math.max(this.regLimit, (1 - 0.666 * muRate) * this.rho);
        }
        if (
          this.primalRes < 0.95 * prevPrimal ||
          primalOk(this, 1) ||
          (this.delta === st.regFinetuneLowerLimit && this.primalProxInf < st.infeasibilityThreshold)
        ) {
          this.setCenters(false, true);
          this.delta = Math.max(this.regLimit, (1 - muRate) * this.delta);
        } else {
          noDualUpdate++;
          if (iter < 5 || this.primalProxInf < st.infeasibilityThreshold) this.delta = Math.max(this.regLimit, (1 - 0.666 * muRate) * this.delta);
        }
      } else {
        // no inequalities: a full Newton step on the regularized equality-constrained system
        if (!this.newtonSolve()) {
          if (!this.bumpRegularization()) return stopped('numerical_error', iter);
          iter--;
          continue;
        }
        this.primalStep = 1;
        this.dualStep = 1;
        axpy(1, this.dx, this.x);
        axpy(1, this.dy, this.y);
        prevPrimal = this.primalRes;
        prevDual = this.dualRes;
        updateResiduals(this);
        trackStall();
        if (this.dualRes < 0.95 * prevDual || dualOk(this, 1)) {
          this.setCenters(true, false);
          this.rho = Math.max(this.regLimit, 0.1 * this.rho);
        } else {
          noPrimalUpdate++;
          if (iter < 5 || this.dualProxInf < st.infeasibilityThreshold) this.rho = Math.max(this.regLimit, 0.5 * this.rho);
        }
        if (this.primalRes < 0.95 * prevPrimal || primalOk(this, 1)) {
          this.setCenters(false, true);
          this.delta = Math.max(this.regLimit, 0.1 * this.delta);
        } else {
          noDualUpdate++;
          if (iter < 5 || this.primalProxInf < st.infeasibilityThreshold) this.delta = Math.max(this.regLimit, 0.5 * this.delta);
        }
      }
    }
  }





  outcome(status: QPStatus, iterations: number): IpmOutcome {
    return {
      status,
      iterations,
      x: this.x,
      y: this.y,
      z: this.z,
      zl: this.zl,
      zu: this.zu,
      primalRes: this.primalRes,
      dualRes: this.dualRes,
      gap: this.gap,
      robustFactorizations: this.robust,
      regularizationIncreases: this.regIncreases,
    };
  }

  nonFiniteRetries = 0;

  /** A non-finite step: switch to robust factorizations and enlarge ρ, δ. False when exhausted. */
  bumpRegularization(): boolean {
    if (this.nonFiniteRetries >= this.st.maxFactorRetries) return false;
    this.nonFiniteRetries++;
    this.robust = true;
    this.rho *= 100;
    this.delta *= 100;
    this.regIncreases++;
    this.regLimit = Math.min(10 * this.regLimit, this.st.epsAbs > 0 ? this.st.epsAbs : 1e-8);
    return true;
  }
}
