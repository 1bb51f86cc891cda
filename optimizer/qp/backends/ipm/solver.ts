/**
 * The proximal interior-point iteration (after PIQP: Schwan, Jiang, Kuhn, Jones, "PIQP: A
 * Proximal Interior-Point Quadratic Programming Solver", CDC 2023), written against the
 * QpData (data.ts) and KktSystem (kkt.ts) interfaces, in the internal scaled space.
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
 *   1. factor K(ρ, δ, W, boxDiag); on failure: robust factorization (static regularization +
 *      refinement), then ρ, δ × 100 (at most maxFactorRetries times), else 'numerical_error';
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
 *
 * Start: cold, the regularized least-squares point of the linear system with s = z = 1, whose
 * slack/dual pairs are moved onto the central path (s∘z = μ, z − s kept); warm, the user point
 * (z, λ, μ of settings.warmStart) with slacks from the constraints, bound duals from the
 * stationarity residual, each pair moved onto the central path with μ = warmStartMu.
 */
import type { QPStatus } from '../../types.ts';
import type { QpData } from './data.ts';
import type { KktSystem } from './kkt.ts';
import type { IpmSettings } from './settings.ts';

const EPS = 2.220446049250313e-16;

/** Final state of a run, in the scaled space of `data`. */
export interface IpmOutcome {
  readonly status: QPStatus;
  readonly iterations: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly zl: Float64Array;
  readonly zu: Float64Array;
  /** unscaled primal / dual residual and gap measured by the solver at the end */
  readonly primalRes: number;
  readonly dualRes: number;
  readonly gap: number;
  /** whether robust (statically regularized, refined) factorizations were needed; how often ρ, δ were raised */
  readonly robustFactorizations: boolean;
  readonly regularizationIncreases: number;
}

/** z on the central path with z − s = c and s·z = mu: z = (c + √(c² + 4μ))/2, computed stably. */
function centeredDual(c: number, mu: number): number {
  const r = Math.sqrt(c * c + 4 * mu);
  return c >= 0 ? 0.5 * (c + r) : (2 * mu) / (r - c);
}

/** max_i |v_i · w_i| */
function normInfScaled(v: Float64Array, w: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]! * w[i]!);
    if (a > m || Number.isNaN(a)) m = a;
  }
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export class IpmSolver {
  private readonly d: QpData;
  private readonly kkt: KktSystem;
  private readonly st: IpmSettings;
  private readonly t0: number;
  private readonly n: number;
  private readonly p: number;
  private readonly m: number;
  private readonly nl: number;
  private readonly nu: number;
  /** number of complementarity pairs m + nl + nu */
  private readonly nc: number;

  // ---- unscaling factors for residual norms
  /** 1/(γ D): scaled dual residual → unscaled */
  private readonly uDual: Float64Array;
  /** 1/E_A, 1/E_G: scaled primal rows → unscaled */
  private readonly uEq: Float64Array;
  private readonly uIneq: Float64Array;
  /** D at the bounded variables: scaled bound rows → unscaled */
  private readonly uLb: Float64Array;
  private readonly uUb: Float64Array;
  /** E_A/γ, E_G/γ, 1/(γD) at bounds: scaled duals → unscaled */
  private readonly yScale: Float64Array;
  private readonly zScale: Float64Array;
  private readonly zlScale: Float64Array;
  private readonly zuScale: Float64Array;

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
  private readonly xi: Float64Array;
  private readonly lam: Float64Array;
  private readonly nuZ: Float64Array;
  private readonly nuL: Float64Array;
  private readonly nuU: Float64Array;
  // ---- residuals (non-regularized)
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;
  private readonly rz: Float64Array;
  private readonly rl: Float64Array;
  private readonly ru: Float64Array;
  // ---- regularized residuals (right-hand side of the Newton system)
  private readonly rxr: Float64Array;
  private readonly ryr: Float64Array;
  private readonly rzr: Float64Array;
  private readonly rlr: Float64Array;
  private readonly rur: Float64Array;
  // ---- complementarity right-hand sides
  private readonly rs: Float64Array;
  private readonly rsl: Float64Array;
  private readonly rsu: Float64Array;
  // ---- step
  private readonly dx: Float64Array;
  private readonly dy: Float64Array;
  private readonly dz: Float64Array;
  private readonly ds: Float64Array;
  private readonly dzl: Float64Array;
  private readonly dsl: Float64Array;
  private readonly dzu: Float64Array;
  private readonly dsu: Float64Array;
  // ---- KKT scalings and work
  private readonly W: Float64Array;
  private readonly Wl: Float64Array;
  private readonly Wu: Float64Array;
  private readonly boxDiag: Float64Array;
  private readonly rhsX: Float64Array;
  private readonly rhsZ: Float64Array;
  private readonly workN: Float64Array;
  private readonly workN2: Float64Array;
  private readonly workP: Float64Array;
  private readonly workM: Float64Array;

  // ---- scalars
  rho: number;
  delta: number;
  mu = 0;
  private regLimit: number;
  private robust = false;
  private regIncreases = 0;
  primalRes = Infinity;
  dualRes = Infinity;
  gap = Infinity;
  private primalNorm = 0;
  private dualNorm = 0;
  private gapNorm = 0;
  private primalObj = 0;
  private primalResReg = Infinity;
  private dualResReg = Infinity;
  private primalProxInf = 0;
  private dualProxInf = 0;
  private primalStep = 0;
  private dualStep = 0;

  constructor(data: QpData, kkt: KktSystem, settings: IpmSettings, t0: number) {
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
    this.uDual = Float64Array.from(data.D, (v) => 1 / (g * v));
    this.uEq = Float64Array.from(data.EA, (v) => 1 / v);
    this.uIneq = Float64Array.from(data.EG, (v) => 1 / v);
    this.uLb = Float64Array.from(data.lbIdx, (j) => data.D[j]!);
    this.uUb = Float64Array.from(data.ubIdx, (j) => data.D[j]!);
    this.yScale = Float64Array.from(data.EA, (v) => v / g);
    this.zScale = Float64Array.from(data.EG, (v) => v / g);
    this.zlScale = Float64Array.from(data.lbIdx, (j) => 1 / (g * data.D[j]!));
    this.zuScale = Float64Array.from(data.ubIdx, (j) => 1 / (g * data.D[j]!));
    const f = (len: number) => new Float64Array(len);
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
    this.Wl = f(nl);
    this.Wu = f(nu);
    this.boxDiag = f(n);
    this.rhsX = f(n);
    this.rhsZ = f(m);
    this.workN = f(n);
    this.workN2 = f(n);
    this.workP = f(p);
    this.workM = f(m);
    this.rho = settings.rhoInit;
    this.delta = settings.deltaInit;
    this.regLimit = settings.regLowerLimit;
  }

  private elapsedSeconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  // ===========================================================================================
  // Residuals
  // ===========================================================================================

  /**
   * Non-regularized residuals at the current iterate, their unscaled ∞-norms (primalRes,
   * dualRes), the duality gap and the scales used by the relative tolerances.
   *   rx = −(Px + c + Aᵀy + Gᵀz − z_l + z_u),  ry = b − Ax,  rz = h − Gx − s,
   *   rl = x_L − s_l − lb,  ru = ub − x_U − s_u.
   */
  private updateResiduals(): void {
    const { d, x, n } = this;
    const Px = this.workN;
    const t = this.workN2;
    d.mulP(x, Px);
    const xPx = dot(x, Px);
    const cx = dot(d.c, x);
    let dualNorm = Math.max(normInfScaled(Px, this.uDual), normInfScaled(d.c, this.uDual));
    // rx = −Px − c − Aᵀy − Gᵀz + z_l − z_u
    const rx = this.rx;
    for (let j = 0; j < n; j++) rx[j] = -Px[j]! - d.c[j]!;
    if (this.p > 0) {
      d.mulAT(this.y, t, false);
      dualNorm = Math.max(dualNorm, normInfScaled(t, this.uDual));
      for (let j = 0; j < n; j++) rx[j] -= t[j]!;
    }
    if (this.m > 0) {
      d.mulGT(this.z, t, false);
      dualNorm = Math.max(dualNorm, normInfScaled(t, this.uDual));
      for (let j = 0; j < n; j++) rx[j] -= t[j]!;
    }
    if (this.nl + this.nu > 0) {
      t.fill(0);
      for (let k = 0; k < this.nl; k++) t[d.lbIdx[k]!] -= this.zl[k]!;
      for (let k = 0; k < this.nu; k++) t[d.ubIdx[k]!] += this.zu[k]!;
      dualNorm = Math.max(dualNorm, normInfScaled(t, this.uDual));
      for (let j = 0; j < n; j++) rx[j] -= t[j]!;
    }
    // primal residuals
    let primalNorm = 0;
    let primalRes = 0;
    if (this.p > 0) {
      const Ax = this.workP;
      d.mulA(x, Ax);
      primalNorm = Math.max(primalNorm, normInfScaled(Ax, this.uEq), normInfScaled(d.b, this.uEq));
      for (let i = 0; i < this.p; i++) this.ry[i] = d.b[i]! - Ax[i]!;
      primalRes = Math.max(primalRes, normInfScaled(this.ry, this.uEq));
    }
    if (this.m > 0) {
      const Gx = this.workM;
      d.mulG(x, Gx);
      primalNorm = Math.max(primalNorm, normInfScaled(Gx, this.uIneq), normInfScaled(d.h, this.uIneq), normInfScaled(this.s, this.uIneq));
      for (let k = 0; k < this.m; k++) this.rz[k] = d.h[k]! - Gx[k]! - this.s[k]!;
      primalRes = Math.max(primalRes, normInfScaled(this.rz, this.uIneq));
    }
    for (let k = 0; k < this.nl; k++) {
      const xj = x[d.lbIdx[k]!]!;
      const u = this.uLb[k]!;
      primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(d.lbVal[k]! * u), Math.abs(this.sl[k]! * u));
      this.rl[k] = xj - this.sl[k]! - d.lbVal[k]!;
    }
    if (this.nl > 0) primalRes = Math.max(primalRes, normInfScaled(this.rl, this.uLb));
    for (let k = 0; k < this.nu; k++) {
      const xj = x[d.ubIdx[k]!]!;
      const u = this.uUb[k]!;
      primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(d.ubVal[k]! * u), Math.abs(this.su[k]! * u));
      this.ru[k] = d.ubVal[k]! - xj - this.su[k]!;
    }
    if (this.nu > 0) primalRes = Math.max(primalRes, normInfScaled(this.ru, this.uUb));
    // duality gap: xᵀPx + cᵀx + bᵀy + hᵀz − lbᵀz_l + ubᵀz_u (all /γ)
    const by = dot(d.b, this.y);
    const hz = dot(d.h, this.z);
    const lz = dot(d.lbVal, this.zl);
    const uz = dot(d.ubVal, this.zu);
    const g = d.costScale;
    this.gap = Math.abs(xPx + cx + by + hz - lz + uz) / g;
    this.gapNorm = Math.max(Math.abs(xPx), Math.abs(cx), Math.abs(by), Math.abs(hz), Math.abs(lz), Math.abs(uz)) / g;
    this.primalObj = (0.5 * xPx + cx) / g;
    this.primalRes = primalRes;
    this.dualRes = normInfScaled(rx, this.uDual);
    this.primalNorm = primalNorm;
    this.dualNorm = dualNorm;
  }

  /** Regularized residuals (the Newton right-hand side) and the proximal infeasibility measures. */
  private updateRegResiduals(): void {
    const { rho, delta } = this;
    for (let j = 0; j < this.n; j++) this.rxr[j] = this.rx[j]! - rho * (this.x[j]! - this.xi[j]!);
    for (let i = 0; i < this.p; i++) this.ryr[i] = this.ry[i]! + delta * (this.y[i]! - this.lam[i]!);
    for (let k = 0; k < this.m; k++) this.rzr[k] = this.rz[k]! + delta * (this.z[k]! - this.nuZ[k]!);
    for (let k = 0; k < this.nl; k++) this.rlr[k] = this.rl[k]! + delta * (this.zl[k]! - this.nuL[k]!);
    for (let k = 0; k < this.nu; k++) this.rur[k] = this.ru[k]! + delta * (this.zu[k]! - this.nuU[k]!);
    this.dualResReg = normInfScaled(this.rxr, this.uDual);
    this.primalResReg = Math.max(
      normInfScaled(this.ryr, this.uEq),
      normInfScaled(this.rzr, this.uIneq),
      normInfScaled(this.rlr, this.uLb),
      normInfScaled(this.rur, this.uUb),
    );
    let pinf = 0;
    for (let i = 0; i < this.p; i++) pinf = Math.max(pinf, Math.abs((this.lam[i]! - this.y[i]!) * this.yScale[i]!));
    for (let k = 0; k < this.m; k++) pinf = Math.max(pinf, Math.abs((this.nuZ[k]! - this.z[k]!) * this.zScale[k]!));
    for (let k = 0; k < this.nl; k++) pinf = Math.max(pinf, Math.abs((this.nuL[k]! - this.zl[k]!) * this.zlScale[k]!));
    for (let k = 0; k < this.nu; k++) pinf = Math.max(pinf, Math.abs((this.nuU[k]! - this.zu[k]!) * this.zuScale[k]!));
    this.primalProxInf = delta * pinf;
    let dinf = 0;
    for (let j = 0; j < this.n; j++) dinf = Math.max(dinf, Math.abs((this.x[j]! - this.xi[j]!) * this.d.D[j]!));
    this.dualProxInf = rho * dinf;
  }

  private primalOk(factor: number): boolean {
    return this.primalRes <= factor * (this.st.epsAbs + this.st.epsRel * this.primalNorm);
  }
  private dualOk(factor: number): boolean {
    return this.dualRes <= factor * (this.st.epsAbs + this.st.epsRel * this.dualNorm);
  }
  private gapOk(factor: number): boolean {
    return !this.st.checkDualityGap || this.gap <= factor * (this.st.epsGapAbs + this.st.epsGapRel * this.gapNorm);
  }
  /** all three criteria at the tolerances multiplied by `factor` */
  converged(factor = 1): boolean {
    return this.primalOk(factor) && this.dualOk(factor) && this.gapOk(factor);
  }

  // ===========================================================================================
  // Newton system
  // ===========================================================================================

  private calcMu(): number {
    if (this.nc === 0) return 0;
    return (dot(this.s, this.z) + dot(this.sl, this.zl) + dot(this.su, this.zu)) / this.nc;
  }

  /** W = δ + s/z, W_l, W_u, and boxDiag = Σ 1/W over the bounds of each variable. */
  private updateScalings(): void {
    const { delta } = this;
    for (let k = 0; k < this.m; k++) this.W[k] = delta + this.s[k]! / this.z[k]!;
    this.boxDiag.fill(0);
    for (let k = 0; k < this.nl; k++) {
      const w = delta + this.sl[k]! / this.zl[k]!;
      this.Wl[k] = w;
      this.boxDiag[this.d.lbIdx[k]!] += 1 / w;
    }
    for (let k = 0; k < this.nu; k++) {
      const w = delta + this.su[k]! / this.zu[k]!;
      this.Wu[k] = w;
      this.boxDiag[this.d.ubIdx[k]!] += 1 / w;
    }
  }

  /**
   * Solve the Newton system for the step (dx, dy, dz, ds, dz_l, ds_l, dz_u, ds_u) with the
   * regularized residuals rxr… and the complementarity right-hand sides rs, rsl, rsu
   * (Z ds + S dz = rs, …). Uses the current factorization. Returns false on a non-finite step.
   */
  private newtonSolve(): boolean {
    const { d, rhsX, rhsZ } = this;
    rhsX.set(this.rxr);
    for (let k = 0; k < this.nl; k++) {
      rhsX[d.lbIdx[k]!] -= (this.rlr[k]! - this.rsl[k]! / this.zl[k]!) / this.Wl[k]!;
    }
    for (let k = 0; k < this.nu; k++) {
      rhsX[d.ubIdx[k]!] += (this.rur[k]! - this.rsu[k]! / this.zu[k]!) / this.Wu[k]!;
    }
    for (let k = 0; k < this.m; k++) rhsZ[k] = this.rzr[k]! - this.rs[k]! / this.z[k]!;
    this.kkt.solve(rhsX, this.ryr, rhsZ, this.dx, this.dy, this.dz);
    let check = 0;
    for (let k = 0; k < this.m; k++) {
      this.ds[k] = (this.rs[k]! - this.s[k]! * this.dz[k]!) / this.z[k]!;
      check += this.ds[k]!;
    }
    for (let k = 0; k < this.nl; k++) {
      const j = d.lbIdx[k]!;
      const dzl = (-this.dx[j]! - this.rlr[k]! + this.rsl[k]! / this.zl[k]!) / this.Wl[k]!;
      this.dzl[k] = dzl;
      this.dsl[k] = (this.rsl[k]! - this.sl[k]! * dzl) / this.zl[k]!;
      check += this.dsl[k]!;
    }
    for (let k = 0; k < this.nu; k++) {
      const j = d.ubIdx[k]!;
      const dzu = (this.dx[j]! - this.rur[k]! + this.rsu[k]! / this.zu[k]!) / this.Wu[k]!;
      this.dzu[k] = dzu;
      this.dsu[k] = (this.rsu[k]! - this.su[k]! * dzu) / this.zu[k]!;
      check += this.dsu[k]!;
    }
    for (let j = 0; j < this.n; j++) check += this.dx[j]!;
    for (let i = 0; i < this.p; i++) check += this.dy[i]!;
    return Number.isFinite(check);
  }

  /** Largest α_s, α_z in (0, 1] keeping the slacks / duals non-negative. */
  private maxSteps(): [number, number] {
    let as = 1;
    let az = 1;
    const scan = (v: Float64Array, dv: Float64Array, a: number): number => {
      for (let k = 0; k < v.length; k++) {
        const dk = dv[k]!;
        if (dk < 0) {
          const r = -v[k]! / dk;
          if (r < a) a = r;
        }
      }
      return a;
    };
    as = scan(this.s, this.ds, as);
    as = scan(this.sl, this.dsl, as);
    as = scan(this.su, this.dsu, as);
    az = scan(this.z, this.dz, az);
    az = scan(this.zl, this.dzl, az);
    az = scan(this.zu, this.dzu, az);
    return [as, az];
  }

  /**
   * Factor the KKT matrix at the current point, repairing failures (robust mode, then larger
   * ρ, δ). Returns false when repair is impossible.
   */
  private factorWithRetries(): { ok: boolean; regChanged: boolean } {
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

  // ===========================================================================================
  // Starting points
  // ===========================================================================================

  /** Cold start (see the file comment). Returns false when the first factorization fails. */
  private coldStart(): boolean {
    const { d } = this;
    this.s.fill(1);
    this.z.fill(1);
    this.sl.fill(1);
    this.zl.fill(1);
    this.su.fill(1);
    this.zu.fill(1);
    const f = this.factorWithRetries();
    if (!f.ok) return false;
    // right-hand side of the Newton system at the point x = 0, s = 0 with zero centers
    for (let j = 0; j < this.n; j++) this.rxr[j] = -d.c[j]!;
    this.ryr.set(d.b);
    this.rzr.set(d.h);
    for (let k = 0; k < this.nl; k++) this.rlr[k] = -d.lbVal[k]!;
    this.rur.set(d.ubVal);
    this.rs.fill(0);
    this.rsl.fill(0);
    this.rsu.fill(0);
    if (!this.newtonSolve()) return false;
    this.x.set(this.dx);
    this.y.set(this.dy);
    if (this.nc > 0) {
      // raw pairs: s0 = ds = −dz, z0 = dz; shift both positive to estimate μ, then center
      let shiftS = 0;
      let shiftZ = 0;
      const pairs: [Float64Array, Float64Array][] = [
        [this.ds, this.dz],
        [this.dsl, this.dzl],
        [this.dsu, this.dzu],
      ];
      for (const [sv, zv] of pairs) {
        for (let k = 0; k < sv.length; k++) {
          shiftS = Math.max(shiftS, -sv[k]!);
          shiftZ = Math.max(shiftZ, -zv[k]!);
        }
      }
      let prod = 0;
      for (const [sv, zv] of pairs) for (let k = 0; k < sv.length; k++) prod += (sv[k]! + shiftS) * (zv[k]! + shiftZ);
      const mu0 = Math.max(prod / this.nc, 1e-10);
      const targets: [Float64Array, Float64Array, Float64Array, Float64Array][] = [
        [this.ds, this.dz, this.s, this.z],
        [this.dsl, this.dzl, this.sl, this.zl],
        [this.dsu, this.dzu, this.su, this.zu],
      ];
      for (const [sv, zv, so, zo] of targets) {
        for (let k = 0; k < sv.length; k++) {
          const c = 0.5 * (zv[k]! - sv[k]!);
          const zz = centeredDual(c, mu0);
          zo[k] = zz;
          so[k] = zz - c;
        }
      }
      this.mu = this.calcMu();
    }
    return true;
  }

  /** Warm start from settings.warmStart (user space). */
  private warmStart(): void {
    const { d } = this;
    const ws = this.st.warmStart!;
    const g = d.costScale;
    if (ws.z) for (let j = 0; j < this.n; j++) this.x[j] = ws.z[j]! / d.D[j]!;
    if (ws.lambda) for (let i = 0; i < this.p; i++) this.y[i] = (g * ws.lambda[i]!) / d.EA[i]!;
    if (ws.mu) {
      for (let k = 0; k < this.m; k++) this.z[k] = Math.max(0, (g * ws.mu[d.ineqRows[k]!]!) / d.EG[k]!);
    }
    // slacks from the constraints
    if (this.m > 0) {
      d.mulG(this.x, this.workM);
      for (let k = 0; k < this.m; k++) this.s[k] = d.h[k]! - this.workM[k]!;
    }
    for (let k = 0; k < this.nl; k++) this.sl[k] = this.x[d.lbIdx[k]!]! - d.lbVal[k]!;
    for (let k = 0; k < this.nu; k++) this.su[k] = d.ubVal[k]! - this.x[d.ubIdx[k]!]!;
    // bound duals from the stationarity residual r = Px + c + Aᵀy + Gᵀz = z_l − z_u
    if (this.nl + this.nu > 0) {
      const r = this.workN;
      d.mulP(this.x, r);
      for (let j = 0; j < this.n; j++) r[j] += d.c[j]!;
      if (this.p > 0) d.mulAT(this.y, r, true);
      if (this.m > 0) d.mulGT(this.z, r, true);
      for (let k = 0; k < this.nl; k++) this.zl[k] = Math.max(0, r[d.lbIdx[k]!]!);
      for (let k = 0; k < this.nu; k++) this.zu[k] = Math.max(0, -r[d.ubIdx[k]!]!);
    }
    const mu0 = this.st.warmStartMu;
    for (const [sv, zv] of [
      [this.s, this.z],
      [this.sl, this.zl],
      [this.su, this.zu],
    ] as const) {
      for (let k = 0; k < sv.length; k++) {
        const c = zv[k]! - sv[k]!;
        const zz = centeredDual(c, mu0);
        zv[k] = zz;
        sv[k] = zz - c;
      }
    }
    this.mu = this.calcMu();
  }

  private setCenters(primal: boolean, dual: boolean): void {
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

  private log(iter: number): void {
    const e = (v: number, digits = 2) => (Number.isFinite(v) ? v.toExponential(digits) : String(v)).padStart(digits + 7);
    process.stderr.write(
      `${String(iter).padStart(4)} ${e(this.primalObj, 6).padStart(14)} ${e(this.primalRes)} ${e(this.dualRes)} ${e(this.gap)} ${e(this.mu)} ` +
        `${this.primalStep.toFixed(3)} ${this.dualStep.toFixed(3)} ${e(this.rho)} ${e(this.delta)}\n`,
    );
  }

  run(): IpmOutcome {
    const st = this.st;
    const done = (status: QPStatus, iterations: number): IpmOutcome => {
      if (st.verbose) {
        process.stderr.write(
          `ipm: ${status} after ${iterations} iterations, ${(this.elapsedSeconds() * 1000).toFixed(1)} ms` +
            `${this.robust ? ', robust factorizations' : ''}${this.regIncreases ? `, ${this.regIncreases} regularization increases` : ''}\n`,
        );
      }
      return this.outcome(status, iterations);
    };
    // a run stopped by the iteration limit or numerical trouble at a point that meets the
    // tolerances × inaccurateFactor is reported 'solved_inaccurate'
    const stopped = (status: QPStatus, iterations: number): IpmOutcome =>
      done(this.converged(st.inaccurateFactor) && status !== 'time_limit' ? 'solved_inaccurate' : status, iterations);

    if (st.verbose) {
      const dd = this.d;
      process.stderr.write(
        `ipm: n = ${dd.n}, p = ${dd.p}, m = ${dd.m}, bounds ${dd.nl} lower / ${dd.nu} upper, ${this.kkt.kind} KKT of size ${this.kkt.size}\n` +
          `iter      objective     r_p       r_d       gap       mu      p_step d_step    rho      delta\n`,
      );
    }

    if (st.warmStart && (st.warmStart.z || st.warmStart.lambda || st.warmStart.mu)) {
      this.warmStart();
    } else if (!this.coldStart()) {
      this.updateResiduals();
      return done('numerical_error', 0);
    }
    this.setCenters(true, true);
    this.updateResiduals();
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
      if (st.verbose) this.log(iter);
      if (!Number.isFinite(this.primalRes) || !Number.isFinite(this.dualRes)) return done('numerical_error', iter);
      if (this.converged()) return done('solved', iter);
      if (iter >= st.maxIter) return stopped('max_iter', iter);
      if (this.elapsedSeconds() > st.timeLimit) return stopped('time_limit', iter);

      this.updateRegResiduals();
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
      if (primalStall > 5 && iter > 0) {
        const sub = (a: Float64Array, b: Float64Array) => Float64Array.from(a, (v, i) => v - b[i]!);
        if (
          this.primalCertificate(sub(this.y, this.lam), sub(this.z, this.nuZ), sub(this.zl, this.nuL), sub(this.zu, this.nuU)) ||
          this.primalCertificate(this.dy, this.dz, this.dzl, this.dzu)
        ) {
          return done('primal_infeasible', iter);
        }
      }
      if (dualStall > 5 && iter > 0) {
        if (this.dualCertificate(Float64Array.from(this.x, (v, i) => v - this.xi[i]!)) || this.dualCertificate(this.dx)) {
          return done('dual_infeasible', iter);
        }
      }

      iter++;

      // keep the duals away from 0 (W = δ + s/z divides by z)
      let shifted = false;
      for (const v of [this.z, this.zl, this.zu]) {
        for (let k = 0; k < v.length; k++) {
          if (v[k]! < EPS) {
            v[k] += EPS;
            shifted = true;
          }
        }
      }
      if (shifted) this.mu = this.calcMu();

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

      const f = this.factorWithRetries();
      if (!f.ok) return stopped('numerical_error', iter);
      if (f.regChanged) this.updateRegResiduals();

      if (ineq) {
        // ---------------- predictor ----------------
        for (let k = 0; k < this.m; k++) this.rs[k] = -this.s[k]! * this.z[k]!;
        for (let k = 0; k < this.nl; k++) this.rsl[k] = -this.sl[k]! * this.zl[k]!;
        for (let k = 0; k < this.nu; k++) this.rsu[k] = -this.su[k]! * this.zu[k]!;
        if (!this.newtonSolve()) {
          if (!this.bumpRegularization()) return stopped('numerical_error', iter);
          iter--;
          continue;
        }
        let [as, az] = this.maxSteps();
        as *= st.tau;
        az *= st.tau;
        let muAff = 0;
        for (const [sv, dsv, zv, dzv] of [
          [this.s, this.ds, this.z, this.dz],
          [this.sl, this.dsl, this.zl, this.dzl],
          [this.su, this.dsu, this.zu, this.dzu],
        ] as const) {
          for (let k = 0; k < sv.length; k++) muAff += (sv[k]! + as * dsv[k]!) * (zv[k]! + az * dzv[k]!);
        }
        muAff /= this.nc;
        let sigma = this.mu > 0 ? Math.max(0, Math.min(1, muAff / this.mu)) : 0;
        sigma = sigma * sigma * sigma;
        const sm = sigma * this.mu;
        // ---------------- corrector ----------------
        for (let k = 0; k < this.m; k++) this.rs[k] += -this.ds[k]! * this.dz[k]! + sm;
        for (let k = 0; k < this.nl; k++) this.rsl[k] += -this.dsl[k]! * this.dzl[k]! + sm;
        for (let k = 0; k < this.nu; k++) this.rsu[k] += -this.dsu[k]! * this.dzu[k]! + sm;
        if (!this.newtonSolve()) {
          if (!this.bumpRegularization()) return stopped('numerical_error', iter);
          iter--;
          continue;
        }
        [as, az] = this.maxSteps();
        this.primalStep = as * st.tau;
        this.dualStep = az * st.tau;
        // ---------------- update ----------------
        const ap = this.primalStep;
        const ad = this.dualStep;
        for (let j = 0; j < this.n; j++) this.x[j] += ap * this.dx[j]!;
        for (let k = 0; k < this.m; k++) this.s[k] += ap * this.ds[k]!;
        for (let k = 0; k < this.nl; k++) this.sl[k] += ap * this.dsl[k]!;
        for (let k = 0; k < this.nu; k++) this.su[k] += ap * this.dsu[k]!;
        for (let i = 0; i < this.p; i++) this.y[i] += ad * this.dy[i]!;
        for (let k = 0; k < this.m; k++) this.z[k] += ad * this.dz[k]!;
        for (let k = 0; k < this.nl; k++) this.zl[k] += ad * this.dzl[k]!;
        for (let k = 0; k < this.nu; k++) this.zu[k] += ad * this.dzu[k]!;
        const muPrev = this.mu;
        this.mu = this.calcMu();
        const muRate = muPrev > 0 ? Math.max(0, (muPrev - this.mu) / muPrev) : 0;

        // ---------------- proximal updates ----------------
        prevPrimal = this.primalRes;
        prevDual = this.dualRes;
        this.updateResiduals();
        trackStall();
        if (
          this.dualRes < 0.95 * prevDual ||
          this.dualOk(1) ||
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
          this.primalOk(1) ||
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
        for (let j = 0; j < this.n; j++) this.x[j] += this.dx[j]!;
        for (let i = 0; i < this.p; i++) this.y[i] += this.dy[i]!;
        prevPrimal = this.primalRes;
        prevDual = this.dualRes;
        this.updateResiduals();
        trackStall();
        if (this.dualRes < 0.95 * prevDual || this.dualOk(1)) {
          this.setCenters(true, false);
          this.rho = Math.max(this.regLimit, 0.1 * this.rho);
        } else {
          noPrimalUpdate++;
          if (iter < 5 || this.dualProxInf < st.infeasibilityThreshold) this.rho = Math.max(this.regLimit, 0.5 * this.rho);
        }
        if (this.primalRes < 0.95 * prevPrimal || this.primalOk(1)) {
          this.setCenters(false, true);
          this.delta = Math.max(this.regLimit, 0.1 * this.delta);
        } else {
          noDualUpdate++;
          if (iter < 5 || this.primalProxInf < st.infeasibilityThreshold) this.delta = Math.max(this.regLimit, 0.5 * this.delta);
        }
      }
    }
  }

  /**
   * Farkas test for primal infeasibility on a dual direction v = (v_y, v_z, v_l, v_u) (scaled;
   * negative inequality/bound parts are clipped to 0, which keeps any certificate valid):
   *   ‖Aᵀv_y + Gᵀv_z − v_l + v_u‖∞ ≤ ε‖v‖∞  and  bᵀv_y + hᵀv_z − lbᵀv_l + ubᵀv_u ≤ −ε‖v‖∞.
   * Then no x satisfies the constraints (ε = infeasibilityTolerance).
   */
  private primalCertificate(vy: Float64Array, vz: Float64Array, vl: Float64Array, vu: Float64Array): boolean {
    const { d } = this;
    const eps = this.st.infeasibilityTolerance;
    const zc = Float64Array.from(vz, (v) => Math.max(v, 0));
    const lc = Float64Array.from(vl, (v) => Math.max(v, 0));
    const uc = Float64Array.from(vu, (v) => Math.max(v, 0));
    const norm = Math.max(normInfScaled(vy, this.yScale), normInfScaled(zc, this.zScale), normInfScaled(lc, this.zlScale), normInfScaled(uc, this.zuScale));
    if (!(norm > 0) || !Number.isFinite(norm)) return false;
    const r = new Float64Array(this.n);
    if (this.p > 0) d.mulAT(vy, r, true);
    if (this.m > 0) d.mulGT(zc, r, true);
    for (let k = 0; k < this.nl; k++) r[d.lbIdx[k]!] -= lc[k]!;
    for (let k = 0; k < this.nu; k++) r[d.ubIdx[k]!] += uc[k]!;
    if (normInfScaled(r, this.uDual) > eps * norm) return false;
    const support = (dot(d.b, vy) + dot(d.h, zc) - dot(d.lbVal, lc) + dot(d.ubVal, uc)) / d.costScale;
    return support < -eps * norm;
  }

  /**
   * Test for dual infeasibility (an unbounded ray) on a primal direction v (scaled):
   *   ‖Pv‖∞ ≤ ε‖v‖∞, cᵀv ≤ −ε‖v‖∞, ‖Av‖∞ ≤ ε‖v‖∞, Gv ≤ ε‖v‖∞, v_L ≥ −ε‖v‖∞, v_U ≤ ε‖v‖∞.
   */
  private dualCertificate(v: Float64Array): boolean {
    const { d } = this;
    const eps = this.st.infeasibilityTolerance;
    const norm = normInfScaled(v, d.D);
    if (!(norm > 0) || !Number.isFinite(norm)) return false;
    const tol = eps * norm;
    if (dot(d.c, v) / d.costScale > -tol) return false;
    const Pv = new Float64Array(this.n);
    d.mulP(v, Pv);
    if (normInfScaled(Pv, this.uDual) > tol) return false;
    if (this.p > 0) {
      const Av = new Float64Array(this.p);
      d.mulA(v, Av);
      if (normInfScaled(Av, this.uEq) > tol) return false;
    }
    if (this.m > 0) {
      const Gv = new Float64Array(this.m);
      d.mulG(v, Gv);
      for (let k = 0; k < this.m; k++) if (Gv[k]! * this.uIneq[k]! > tol) return false;
    }
    for (let k = 0; k < this.nl; k++) if (-v[d.lbIdx[k]!]! * this.uLb[k]! > tol) return false;
    for (let k = 0; k < this.nu; k++) if (v[d.ubIdx[k]!]! * this.uUb[k]! > tol) return false;
    return true;
  }

  private outcome(status: QPStatus, iterations: number): IpmOutcome {
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

  private nonFiniteRetries = 0;

  /** A non-finite step: switch to robust factorizations and enlarge ρ, δ. False when exhausted. */
  private bumpRegularization(): boolean {
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
