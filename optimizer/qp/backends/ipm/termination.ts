/**
 * Residuals, termination and infeasibility tests of the interior-point iteration (see
 * solver.ts's file comment for the formulas): the unscaled residual norms and the duality gap,
 * the regularized residuals of the Newton right-hand side, the convergence test, and the Farkas
 * certificates of primal and dual infeasibility. Each function reads and writes an IpmSolver.
 */
import type { IpmSolver } from './solver.ts';
import { diff, dot, normInfScaled, regBlock } from './vectors.ts';

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
const RES_FLOOR = 10 * Number.EPSILON;
const GAP_STALL_ITERATIONS = 3;
const GAP_FLOOR = 100 * Number.EPSILON;

/**
 * Non-regularized residuals at the current iterate, their unscaled ∞-norms (primalRes,
 * dualRes), the duality gap and the scales used by the relative tolerances.
 *   rx = −(Px + c + Aᵀy + Gᵀz − z_l + z_u),  ry = b − Ax,  rz = h − Gx − s,
 *   rl = x_L − s_l − lb,  ru = ub − x_U − s_u.
 * One fused pass per block after the matrix products (these loops dominate for cheap KKTs).
 */
export function updateResiduals(ip: IpmSolver): void {
  const { d, x, n, p, m, nl, nu } = ip;
  const Px = ip.workN;
  const Aty = ip.workN2;
  const Gtz = ip.workN3;
  const Bt = ip.workN4;
  d.mulP(x, Px);
  d.residualProducts(x, ip.y, ip.z, Aty, Gtz, ip.workP, ip.workM);
  if (nl + nu > 0) {
    Bt.fill(0);
    for (let k = 0; k < nl; k++) Bt[d.lbIdx[k]!] -= ip.zl[k]!;
    for (let k = 0; k < nu; k++) Bt[d.ubIdx[k]!] += ip.zu[k]!;
  }
  const c = d.c;
  const uD = ip.uDual;
  const rx = ip.rx;
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
  let dualNorm = Math.max(nPx, ip.cNorm, nAty, nGtz, nBt);
  // primal residuals
  let primalNorm = 0;
  let primalRes = 0;
  let by = 0;
  let aby = 0;
  if (p > 0) {
    const Ax = ip.workP;
    const uE = ip.uEq;
    const b = d.b;
    const y = ip.y;
    let nAx = 0;
    for (let i = 0; i < p; i++) {
      const u = uE[i]!;
      const ax = Ax[i]!;
      let t = Math.abs(ax * u);
      if (t > nAx || t !== t) nAx = t;
      const r = b[i]! - ax;
      ip.ry[i] = r;
      t = Math.abs(r * u);
      if (t > primalRes || t !== t) primalRes = t;
      const v = b[i]! * y[i]!;
      by += v;
      aby += Math.abs(v);
    }
    primalNorm = Math.max(primalNorm, nAx, ip.bNorm);
  }
  let hz = 0;
  let ahz = 0;
  if (m > 0) {
    const Gx = ip.workM;
    const uI = ip.uIneq;
    const h = d.h;
    const sv = ip.s;
    const z = ip.z;
    const rz = ip.rz;
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
    primalNorm = Math.max(primalNorm, nGx, ip.hNorm);
  }
  let lz = 0;
  let alz = 0;
  for (let k = 0; k < nl; k++) {
    const xj = x[d.lbIdx[k]!]!;
    const u = ip.uLb[k]!;
    primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(ip.sl[k]! * u));
    const r = xj - ip.sl[k]! - d.lbVal[k]!;
    ip.rl[k] = r;
    const t = Math.abs(r * u);
    if (t > primalRes || t !== t) primalRes = t;
    const v = d.lbVal[k]! * ip.zl[k]!;
    lz += v;
    alz += Math.abs(v);
  }
  let uz = 0;
  let auz = 0;
  for (let k = 0; k < nu; k++) {
    const xj = x[d.ubIdx[k]!]!;
    const u = ip.uUb[k]!;
    primalNorm = Math.max(primalNorm, Math.abs(xj * u), Math.abs(ip.su[k]! * u));
    const r = d.ubVal[k]! - xj - ip.su[k]!;
    ip.ru[k] = r;
    const t = Math.abs(r * u);
    if (t > primalRes || t !== t) primalRes = t;
    const v = d.ubVal[k]! * ip.zu[k]!;
    uz += v;
    auz += Math.abs(v);
  }
  primalNorm = Math.max(primalNorm, ip.boundNorm);
  // duality gap: xᵀPx + cᵀx + bᵀy + hᵀz − lbᵀz_l + ubᵀz_u (all /γ)
  const g = d.costScale;
  ip.gap = Math.abs(xPx + cx + by + hz - lz + uz) / g;
  ip.gapNorm = Math.max(Math.abs(xPx), Math.abs(cx), Math.abs(by), Math.abs(hz), Math.abs(lz), Math.abs(uz)) / g;
  ip.gapAbsSum = (aPx + acx + aby + ahz + alz + auz) / g;
  if (ip.gap < 0.5 * ip.bestGap) {
    ip.bestGap = ip.gap;
    ip.gapStall = 0;
  } else ip.gapStall++;
  ip.primalObj = (0.5 * xPx + cx) / g;
  ip.primalRes = primalRes;
  ip.dualRes = dres;
  ip.primalNorm = primalNorm;
  if (dres !== dres) dualNorm = dres;
  ip.dualNorm = dualNorm;
}

/** Regularized residuals (the Newton right-hand side) and the proximal infeasibility measures. */
export function updateRegResiduals(ip: IpmSolver): void {
  const { rho, delta, n, p, m, nl, nu } = ip;
  let dres = 0;
  let dinf = 0;
  {
    const { rx, rxr, x, xi, uDual } = ip;
    const D = ip.d.D;
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
  const acc = ip.acc2;
  acc[0] = 0;
  acc[1] = 0;
  if (p > 0) regBlock(p, ip.ry, ip.ryr, ip.y, ip.lam, ip.uEq, ip.yScale, delta, acc);
  if (m > 0) regBlock(m, ip.rz, ip.rzr, ip.z, ip.nuZ, ip.uIneq, ip.zScale, delta, acc);
  if (nl > 0) regBlock(nl, ip.rl, ip.rlr, ip.zl, ip.nuL, ip.uLb, ip.zlScale, delta, acc);
  if (nu > 0) regBlock(nu, ip.ru, ip.rur, ip.zu, ip.nuU, ip.uUb, ip.zuScale, delta, acc);
  const pres = acc[0]!;
  const pinf = acc[1]!;
  ip.dualResReg = dres;
  ip.primalResReg = pres;
  ip.primalProxInf = delta * pinf;
  ip.dualProxInf = rho * dinf;
}

export function primalOk(ip: IpmSolver, factor: number): boolean {
  return ip.primalRes <= factor * (ip.st.epsAbs + Math.max(ip.st.epsRel, RES_FLOOR) * ip.primalNorm);
}

export function dualOk(ip: IpmSolver, factor: number): boolean {
  return ip.dualRes <= factor * (ip.st.epsAbs + Math.max(ip.st.epsRel, RES_FLOOR) * ip.dualNorm);
}

export function gapOk(ip: IpmSolver, factor: number): boolean {
  if (!ip.st.checkDualityGap) return true;
  if (ip.gap <= factor * (ip.st.epsGapAbs + ip.st.epsGapRel * ip.gapNorm)) return true;
  return ip.gapStall >= GAP_STALL_ITERATIONS && ip.gap <= factor * GAP_FLOOR * ip.gapAbsSum;
}

/** all three criteria at the tolerances multiplied by `factor` */
export function converged(ip: IpmSolver, factor = 1): boolean {
  return primalOk(ip, factor) && dualOk(ip, factor) && gapOk(ip, factor);
}

/** primal certificate on (y − λ, z − ν, …) or on the last dual step */
export function stalledPrimalCertificate(ip: IpmSolver): boolean {
  const f = (v: Float64Array) => new Float64Array(v.length);
  return (
    primalCertificate(ip, diff(ip.y, ip.lam, f(ip.y)), diff(ip.z, ip.nuZ, f(ip.z)), diff(ip.zl, ip.nuL, f(ip.zl)), diff(ip.zu, ip.nuU, f(ip.zu))) ||
    primalCertificate(ip, ip.dy, ip.dz, ip.dzl, ip.dzu)
  );
}

/** dual certificate on x − ξ or on the last primal step */
export function stalledDualCertificate(ip: IpmSolver): boolean {
  return dualCertificate(ip, diff(ip.x, ip.xi, new Float64Array(ip.n))) || dualCertificate(ip, ip.dx);
}

/**
 * Farkas test for primal infeasibility on a dual direction v = (v_y, v_z, v_l, v_u) (scaled;
 * negative inequality/bound parts are clipped to 0, which keeps any certificate valid):
 *   ‖Aᵀv_y + Gᵀv_z − v_l + v_u‖∞ ≤ ε‖v‖∞  and  bᵀv_y + hᵀv_z − lbᵀv_l + ubᵀv_u ≤ −ε‖v‖∞.
 * Then no x satisfies the constraints (ε = infeasibilityTolerance).
 */
export function primalCertificate(ip: IpmSolver, vy: Float64Array, vz: Float64Array, vl: Float64Array, vu: Float64Array): boolean {
  const { d } = ip;
  const eps = ip.st.infeasibilityTolerance;
  const zc = Float64Array.from(vz, (v) => Math.max(v, 0));
  const lc = Float64Array.from(vl, (v) => Math.max(v, 0));
  const uc = Float64Array.from(vu, (v) => Math.max(v, 0));
  const norm = Math.max(normInfScaled(vy, ip.yScale), normInfScaled(zc, ip.zScale), normInfScaled(lc, ip.zlScale), normInfScaled(uc, ip.zuScale));
  if (!(norm > 0) || !Number.isFinite(norm)) return false;
  const r = new Float64Array(ip.n);
  if (ip.p > 0) d.mulAT(vy, r, true);
  if (ip.m > 0) d.mulGT(zc, r, true);
  for (let k = 0; k < ip.nl; k++) r[d.lbIdx[k]!] -= lc[k]!;
  for (let k = 0; k < ip.nu; k++) r[d.ubIdx[k]!] += uc[k]!;
  if (normInfScaled(r, ip.uDual) > eps * norm) return false;
  const support = (dot(d.b, vy) + dot(d.h, zc) - dot(d.lbVal, lc) + dot(d.ubVal, uc)) / d.costScale;
  return support < -eps * norm;
}

/**
 * Test for dual infeasibility (an unbounded ray) on a primal direction v (scaled):
 *   ‖Pv‖∞ ≤ ε‖v‖∞, cᵀv ≤ −ε‖v‖∞, ‖Av‖∞ ≤ ε‖v‖∞, Gv ≤ ε‖v‖∞, v_L ≥ −ε‖v‖∞, v_U ≤ ε‖v‖∞.
 */
export function dualCertificate(ip: IpmSolver, v: Float64Array): boolean {
  const { d } = ip;
  const eps = ip.st.infeasibilityTolerance;
  const norm = normInfScaled(v, d.D);
  if (!(norm > 0) || !Number.isFinite(norm)) return false;
  const tol = eps * norm;
  if (dot(d.c, v) / d.costScale > -tol) return false;
  const Pv = new Float64Array(ip.n);
  d.mulP(v, Pv);
  if (normInfScaled(Pv, ip.uDual) > tol) return false;
  if (ip.p > 0) {
    const Av = new Float64Array(ip.p);
    d.mulA(v, Av);
    if (normInfScaled(Av, ip.uEq) > tol) return false;
  }
  if (ip.m > 0) {
    const Gv = new Float64Array(ip.m);
    d.mulG(v, Gv);
    for (let k = 0; k < ip.m; k++) if (Gv[k]! * ip.uIneq[k]! > tol) return false;
  }
  for (let k = 0; k < ip.nl; k++) if (-v[d.lbIdx[k]!]! * ip.uLb[k]! > tol) return false;
  for (let k = 0; k < ip.nu; k++) if (v[d.ubIdx[k]!]! * ip.uUb[k]! > tol) return false;
  return true;
}
