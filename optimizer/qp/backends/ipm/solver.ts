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
import type { QpData } from './data.ts';
import type { KktSystem } from './kkt.ts';
import type { IpmSettings } from './settings.ts';

const EPS = 2.220446049250313e-16;
/**
 * Rounding floors of the termination tests. The residuals and the gap are sums of terms of size
 * ~ their norms, so they cannot be computed (or driven) much below ε times those sizes: r_p, r_d
 * count as met at RES_FLOOR·norm; the gap, once it has stalled (not halved for
 * GAP_STALL_ITERATIONS iterations), at GAP_FLOOR·Σ|terms| (the sum of the absolute values of
 * the products in xᵀPx, cᵀx, bᵀy, hᵀz, lbᵀz_l, ubᵀz_u; the rounding error of a sum of N terms
 * grows like √N·ε·Σ|terms|). These matter only with epsRel ≈ 0 on problems of large
 * magnitude: dQP's epsAbs 1e-9, epsRel 0 on the chain problem with n = 10⁵ (objective −1.3e6)
 * asks a relative gap of 1e-15; the gap stalls at 1.2e-8 ≈ 11ε·Σ|terms|, and without the floor
 * the run went on to the iteration limit.
 */
const RES_FLOOR = 10 * EPS;
const GAP_STALL_ITERATIONS = 3;
const GAP_FLOOR = 100 * EPS;
/**
 * Cold start: the raw slack/dual pairs are shifted by START_SHIFT times their most negative entry
 * (Mehrotra's LP starting point uses 1.5) before μ₀ = mean of the shifted products is taken; each
 * pair is then centered at μ₀. 1.5 instead of 1 (shifting the most negative entry only to 0)
 * starts further inside: simplex projection n = 10⁵ 16–17 → 9–10 iterations, n = 4 600 11–14 →
 * 9–11; chain and the MPC/Maros–Meszaros sets unchanged in total (MM small set 2028 → 2059
 * iterations, same statuses; QPILOTNO 55 → 40).
 */
const START_SHIFT = 1.5;

/**
 * Vectors of IpmSolver runs, reused by the next run with the same sizes (n, p, m, nl, nu): a
 * backend keeps one, so repeated solves of same-sized problems (dQP layers, benchmarks) do not
 * allocate and zero ~50 vectors each time. take() hands out zeroed vectors in call order; the
 * vectors of an IpmOutcome stay valid until the next run on the same workspace.
 */
export class IpmWorkspace {
  private key = '';
  private pool: Float64Array[] = [];
  private next = 0;

  /** start a run with these sizes (the pool is dropped when they differ from the last run's) */
  begin(sizes: string): void {
    if (sizes !== this.key) {
      this.key = sizes;
      this.pool = [];
    }
    this.next = 0;
  }

  /** a zeroed vector of length len */
  take(len: number): Float64Array {
    let v = this.pool[this.next];
    if (v === undefined || v.length !== len) {
      v = new Float64Array(len);
      this.pool[this.next] = v;
    } else v.fill(0);
    this.next++;
    return v;
  }
}

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

/** Largest α ≤ a with v + α·dv ≥ 0 (entries with dv < 0 limit it). */
function stepToBoundary(v: Float64Array, dv: Float64Array, a: number): number {
  for (let k = 0; k < v.length; k++) {
    const dk = dv[k]!;
    if (dk < 0) {
      const r = -v[k]! / dk;
      if (r < a) a = r;
    }
  }
  return a;
}

/** Σ (s + αs·ds)(z + αz·dz) over one block of complementarity pairs */
function affinePairs(s: Float64Array, ds: Float64Array, z: Float64Array, dz: Float64Array, as: number, az: number): number {
  let t = 0;
  for (let k = 0; k < s.length; k++) t += (s[k]! + as * ds[k]!) * (z[k]! + az * dz[k]!);
  return t;
}

/** s += αp·ds, z += αd·dz over one block; returns the new Σ s∘z */
function stepPairs(s: Float64Array, ds: Float64Array, z: Float64Array, dz: Float64Array, ap: number, ad: number): number {
  let t = 0;
  for (let k = 0; k < s.length; k++) {
    const sk = s[k]! + ap * ds[k]!;
    const zk = z[k]! + ad * dz[k]!;
    s[k] = sk;
    z[k] = zk;
    t += sk * zk;
  }
  return t;
}

/** r_k += σμ − ds_k dz_k (Mehrotra's corrector term) */
function addCorrector(r: Float64Array, ds: Float64Array, dz: Float64Array, sm: number): void {
  for (let k = 0; k < r.length; k++) r[k] += sm - ds[k]! * dz[k]!;
}

/** y += a·x over the length of y */
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let k = 0; k < y.length; k++) y[k] += a * x[k]!;
}

/** out = a − b (same lengths) */
function diff(a: Float64Array, b: Float64Array, out: Float64Array): Float64Array {
  for (let k = 0; k < a.length; k++) out[k] = a[k]! - b[k]!;
  return out;
}

/**
 * One block of the regularized primal residual: reg = res + δ(v − center) (len entries; reg
 * overwritten, the rest read). acc[0] ← max(acc[0], max |reg·u|) (NaN propagates),
 * acc[1] ← max(acc[1], max |(v − center)·scale|).
 */
function regBlock(len: number, res: Float64Array, reg: Float64Array, v: Float64Array, center: Float64Array, u: Float64Array, scale: Float64Array, delta: number, acc: Float64Array): void {
  let pres = acc[0]!;
  let pinf = acc[1]!;
  for (let k = 0; k < len; k++) {
    const dv = v[k]! - center[k]!;
    const r = res[k]! + delta * dv;
    reg[k] = r;
    let t = Math.abs(r * u[k]!);
    if (t > pres || t !== t) pres = t;
    t = Math.abs(dv * scale[k]!);
    if (t > pinf) pinf = t;
  }
  acc[0] = pres;
  acc[1] = pinf;
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
  /** 1/z at the last factorization (length m) */
  private readonly zInv: Float64Array;
  private readonly Wl: Float64Array;
  private readonly Wu: Float64Array;
  private readonly boxDiag: Float64Array;
  private readonly rhsX: Float64Array;
  private readonly rhsZ: Float64Array;
  private readonly workN: Float64Array;
  private readonly workN2: Float64Array;
  private readonly workN3: Float64Array;
  private readonly acc2 = new Float64Array(2);
  private readonly workN4: Float64Array;
  /** constant parts of the residual scales: ‖c‖, ‖b‖, ‖h‖, bound values (unscaled ∞-norms) */
  private readonly cNorm: number;
  private readonly bNorm: number;
  private readonly hNorm: number;
  private readonly boundNorm: number;
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
  /** Σ|terms| of the gap (rounding level, see GAP_FLOOR) */
  private gapAbsSum = 0;
  /** smallest gap so far (updated when halved) and the iterations since */
  private bestGap = Infinity;
  private gapStall = 0;
  private primalObj = 0;
  private primalResReg = Infinity;
  private dualResReg = Infinity;
  private primalProxInf = 0;
  private dualProxInf = 0;
  private primalStep = 0;
  /** largest steps in (0, 1] keeping the slacks / duals ≥ 0, for the last Newton step */
  private stepS = 1;
  private stepZ = 1;
  private dualStep = 0;

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
   * One fused pass per block after the matrix products (these loops dominate for cheap KKTs).
   */
  private updateResiduals(): void {
    const { d, x, n, p, m, nl, nu } = this;
    const Px = this.workN;
    const Aty = this.workN2;
    const Gtz = this.workN3;
    const Bt = this.workN4;
    d.mulP(x, Px);
    d.residualProducts(x, this.y, this.z, Aty, Gtz, this.workP, this.workM);
    if (nl + nu > 0) {
      Bt.fill(0);
      for (let k = 0; k < nl; k++) Bt[d.lbIdx[k]!] -= this.zl[k]!;
      for (let k = 0; k < nu; k++) Bt[d.ubIdx[k]!] += this.zu[k]!;
    }
    const c = d.c;
    const uD = this.uDual;
    const rx = this.rx;
    let xPx = 0;
    let aPx = 0;
    let cx = 0;
    let acx = 0;
    let nPx = 0;
    let nAty = 0;
    let nGtz = 0;
    let nBt = 0;
    let dres = 0;
    for (let j = 0; j < n; j++) {
      const xj = x[j]!;
      const px = Px[j]!;
      const u = uD[j]!;
      const xp = xj * px;
      xPx += xp;
      aPx += Math.abs(xp);
      const cxj = c[j]! * xj;
      cx += cxj;
      acx += Math.abs(cxj);
      let r = px + c[j]!;
      let t = Math.abs(px * u);
      if (t > nPx || t !== t) nPx = t;
      if (p > 0) {
        const v = Aty[j]!;
        r += v;
        t = Math.abs(v * u);
        if (t > nAty || t !== t) nAty = t;
      }
      if (m > 0) {
        const v = Gtz[j]!;
        r += v;
        t = Math.abs(v * u);
        if (t > nGtz || t !== t) nGtz = t;
      }
      if (nl + nu > 0) {
        const v = Bt[j]!;
        r += v;
        t = Math.abs(v * u);
        if (t > nBt || t !== t) nBt = t;
      }
      rx[j] = -r;
      t = Math.abs(r * u);
      if (t > dres || t !== t) dres = t;
    }
    let dualNorm = Math.max(nPx, this.cNorm, nAty, nGtz, nBt);
    // primal residuals
    let primalNorm = 0;
    let primalRes = 0;
    let by = 0;
    let aby = 0;
    if (p > 0) {
      const Ax = this.workP;
      const uE = this.uEq;
      const b = d.b;
      const y = this.y;
      let nAx = 0;
      for (let i = 0; i < p; i++) {
        const u = uE[i]!;
        const ax = Ax[i]!;
        let t = Math.abs(ax * u);
        if (t > nAx || t !== t) nAx = t;
        const r = b[i]! - ax;
        this.ry[i] = r;
        t = Math.abs(r * u);
        if (t > primalRes || t !== t) primalRes = t;
        const v = b[i]! * y[i]!;
        by += v;
        aby += Math.abs(v);
      }
      primalNorm = Math.max(primalNorm, nAx, this.bNorm);
    }
    let hz = 0;
    let ahz = 0;
    if (m > 0) {
      const Gx = this.workM;
      const uI = this.uIneq;
      const h = d.h;
      const sv = this.s;
      const z = this.z;
      const rz = this.rz;
      let nGx = 0;
      for (let k = 0; k < m; k++) {
        const u = uI[k]!;
        const gx = Gx[k]!;
        const sk = sv[k]!;
        let t = Math.abs(gx * u);
        if (t > nGx || t !== t) nGx = t;
        t = Math.abs(sk * u);
        if (t > nGx || t !== t) nGx = t;
        const r = h[k]! - gx - sk;
        rz[k] = r;
        t = Math.abs(r * u);
        if (t > primalRes || t !== t) primalRes = t;
        const v = h[k]! * z[k]!;
        hz += v;
        ahz += Math.abs(v);
      }
      primalNorm = Math.max(primalNorm, nGx, this.hNorm);
    }
    let lz = 0;
    let alz = 0;
    for (let k = 0; k < nl; k++) {
      const xj = x[d.lbIdx[k]!]!;
      const u = this.uLb[k]!;
      primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(this.sl[k]! * u));
      const r = xj - this.sl[k]! - d.lbVal[k]!;
      this.rl[k] = r;
      const t = Math.abs(r * u);
      if (t > primalRes || t !== t) primalRes = t;
      const v = d.lbVal[k]! * this.zl[k]!;
      lz += v;
      alz += Math.abs(v);
    }
    let uz = 0;
    let auz = 0;
    for (let k = 0; k < nu; k++) {
      const xj = x[d.ubIdx[k]!]!;
      const u = this.uUb[k]!;
      primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(this.su[k]! * u));
      const r = d.ubVal[k]! - xj - this.su[k]!;
      this.ru[k] = r;
      const t = Math.abs(r * u);
      if (t > primalRes || t !== t) primalRes = t;
      const v = d.ubVal[k]! * this.zu[k]!;
      uz += v;
      auz += Math.abs(v);
    }
    primalNorm = Math.max(primalNorm, this.boundNorm);
    // duality gap: xᵀPx + cᵀx + bᵀy + hᵀz − lbᵀz_l + ubᵀz_u (all /γ)
    const g = d.costScale;
    this.gap = Math.abs(xPx + cx + by + hz - lz + uz) / g;
    this.gapNorm = Math.max(Math.abs(xPx), Math.abs(cx), Math.abs(by), Math.abs(hz), Math.abs(lz), Math.abs(uz)) / g;
    this.gapAbsSum = (aPx + acx + aby + ahz + alz + auz) / g;
    if (this.gap < 0.5 * this.bestGap) {
      this.bestGap = this.gap;
      this.gapStall = 0;
    } else this.gapStall++;
    this.primalObj = (0.5 * xPx + cx) / g;
    this.primalRes = primalRes;
    this.dualRes = dres;
    this.primalNorm = primalNorm;
    if (dres !== dres) dualNorm = dres;
    this.dualNorm = dualNorm;
  }

  /** Regularized residuals (the Newton right-hand side) and the proximal infeasibility measures. */
  private updateRegResiduals(): void {
    const { rho, delta, n, p, m, nl, nu } = this;
    let dres = 0;
    let dinf = 0;
    {
      const { rx, rxr, x, xi, uDual } = this;
      const D = this.d.D;
      for (let j = 0; j < n; j++) {
        const dx = x[j]! - xi[j]!;
        const r = rx[j]! - rho * dx;
        rxr[j] = r;
        let t = Math.abs(r * uDual[j]!);
        if (t > dres || t !== t) dres = t;
        t = Math.abs(dx * D[j]!);
        if (t > dinf) dinf = t;
      }
    }
    const acc = this.acc2;
    acc[0] = 0;
    acc[1] = 0;
    if (p > 0) regBlock(p, this.ry, this.ryr, this.y, this.lam, this.uEq, this.yScale, delta, acc);
    if (m > 0) regBlock(m, this.rz, this.rzr, this.z, this.nuZ, this.uIneq, this.zScale, delta, acc);
    if (nl > 0) regBlock(nl, this.rl, this.rlr, this.zl, this.nuL, this.uLb, this.zlScale, delta, acc);
    if (nu > 0) regBlock(nu, this.ru, this.rur, this.zu, this.nuU, this.uUb, this.zuScale, delta, acc);
    const pres = acc[0]!;
    const pinf = acc[1]!;
    this.dualResReg = dres;
    this.primalResReg = pres;
    this.primalProxInf = delta * pinf;
    this.dualProxInf = rho * dinf;
  }

  private primalOk(factor: number): boolean {
    return this.primalRes <= factor * (this.st.epsAbs + Math.max(this.st.epsRel, RES_FLOOR) * this.primalNorm);
  }
  private dualOk(factor: number): boolean {
    return this.dualRes <= factor * (this.st.epsAbs + Math.max(this.st.epsRel, RES_FLOOR) * this.dualNorm);
  }
  private gapOk(factor: number): boolean {
    if (!this.st.checkDualityGap) return true;
    if (this.gap <= factor * (this.st.epsGapAbs + this.st.epsGapRel * this.gapNorm)) return true;
    return this.gapStall >= GAP_STALL_ITERATIONS && this.gap <= factor * GAP_FLOOR * this.gapAbsSum;
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

  /**
   * One pass over the complementarity pairs before a factorization: duals below EPS are moved
   * to z + EPS (W divides by z; sets dualsShifted, the caller then recomputes μ), then
   * W = δ + s/z (1/z kept in zInv), W_l, W_u, boxDiag = Σ 1/W over the bounds of each variable,
   * and the predictor's right-hand sides rs = −s∘z, rsl, rsu.
   */
  private updateScalings(): void {
    const { delta, s, z, zInv, W, rs } = this;
    let shifted = false;
    for (let k = 0; k < this.m; k++) {
      let zk = z[k]!;
      if (zk < EPS) {
        zk += EPS;
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
    for (let k = 0; k < this.nl; k++) {
      let zk = this.zl[k]!;
      if (zk < EPS) {
        zk += EPS;
        this.zl[k] = zk;
        shifted = true;
      }
      const sk = this.sl[k]!;
      const w = delta + sk / zk;
      this.Wl[k] = w;
      this.boxDiag[this.d.lbIdx[k]!] += 1 / w;
      this.rsl[k] = -sk * zk;
    }
    for (let k = 0; k < this.nu; k++) {
      let zk = this.zu[k]!;
      if (zk < EPS) {
        zk += EPS;
        this.zu[k] = zk;
        shifted = true;
      }
      const sk = this.su[k]!;
      const w = delta + sk / zk;
      this.Wu[k] = w;
      this.boxDiag[this.d.ubIdx[k]!] += 1 / w;
      this.rsu[k] = -sk * zk;
    }
    if (shifted) this.dualsShifted = true;
  }

  /** set by updateScalings when it moved a dual away from 0 (μ must be recomputed) */
  private dualsShifted = false;

  /**
   * Solve the Newton system for the step (dx, dy, dz, ds, dz_l, ds_l, dz_u, ds_u) with the
   * regularized residuals rxr… and the complementarity right-hand sides rs, rsl, rsu
   * (Z ds + S dz = rs, …). Uses the current factorization. Returns false on a non-finite step.
   */
  private newtonSolve(): boolean {
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
      // raw pairs: s0 = ds = −dz, z0 = dz; shift both positive (by START_SHIFT × the most
      // negative entry, Mehrotra's 1.5) to estimate μ, then center
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
      shiftS *= START_SHIFT;
      shiftZ *= START_SHIFT;
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
    log(
      `${String(iter).padStart(4)} ${e(this.primalObj, 6).padStart(14)} ${e(this.primalRes)} ${e(this.dualRes)} ${e(this.gap)} ${e(this.mu)} ` +
        `${this.primalStep.toFixed(3)} ${this.dualStep.toFixed(3)} ${e(this.rho)} ${e(this.delta)}`,
    );
  }

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
      done(this.converged(st.inaccurateFactor) && status !== 'time_limit' ? 'solved_inaccurate' : status, iterations);

    if (st.verbose) {
      const dd = this.d;
      log(
        `ipm: n = ${dd.n}, p = ${dd.p}, m = ${dd.m}, bounds ${dd.nl} lower / ${dd.nu} upper, ${this.kkt.kind} KKT of size ${this.kkt.size}\n` +
          `iter      objective     r_p       r_d       gap       mu      p_step d_step    rho      delta`,
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
      if (primalStall > 5 && iter > 0 && this.stalledPrimalCertificate()) return done('primal_infeasible', iter);
      if (dualStall > 5 && iter > 0 && this.stalledDualCertificate()) return done('dual_infeasible', iter);

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
      if (f.regChanged) this.updateRegResiduals();

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
        axpy(1, this.dx, this.x);
        axpy(1, this.dy, this.y);
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

  /** primal certificate on (y − λ, z − ν, …) or on the last dual step */
  private stalledPrimalCertificate(): boolean {
    const f = (v: Float64Array) => new Float64Array(v.length);
    return (
      this.primalCertificate(diff(this.y, this.lam, f(this.y)), diff(this.z, this.nuZ, f(this.z)), diff(this.zl, this.nuL, f(this.zl)), diff(this.zu, this.nuU, f(this.zu))) ||
      this.primalCertificate(this.dy, this.dz, this.dzl, this.dzu)
    );
  }

  /** dual certificate on x − ξ or on the last primal step */
  private stalledDualCertificate(): boolean {
    return this.dualCertificate(diff(this.x, this.xi, new Float64Array(this.n))) || this.dualCertificate(this.dx);
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
