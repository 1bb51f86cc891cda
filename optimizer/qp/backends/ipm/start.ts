/**
 * Starting points of the interior-point iteration (see solver.ts's file comment): the cold start
 * (regularized least-squares point, pairs centered at μ₀) and the warm start from the user's
 * point. Both write the iterate of an IpmSolver.
 */
import type { IpmSolver } from './solver.ts';
import { centeredDual } from './vectors.ts';

/**
 * Cold start: the raw slack/dual pairs are shifted by START_SHIFT times their most negative entry
 * (Mehrotra's LP starting point uses 1.5) before μ₀ = mean of the shifted products is taken; each
 * pair is then centered at μ₀. 1.5 instead of 1 (shifting the most negative entry only to 0)
 * starts further inside: simplex projection n = 10⁵ 16–17 → 9–10 iterations, n = 4 600 11–14 →
 * 9–11; chain and the MPC/Maros–Meszaros sets unchanged in total (MM small set 2028 → 2059
 * iterations, same statuses; QPILOTNO 55 → 40).
 */
const START_SHIFT = 1.5;

/** Cold start (see the file comment). Returns false when the first factorization fails. */
export function coldStart(ip: IpmSolver): boolean {
  const { d } = ip;
  ip.s.fill(1);
  ip.z.fill(1);
  ip.sl.fill(1);
  ip.zl.fill(1);
  ip.su.fill(1);
  ip.zu.fill(1);
  const f = ip.factorWithRetries();
  if (!f.ok) return false;
  // right-hand side of the Newton system at the point x = 0, s = 0 with zero centers
  for (let j = 0; j < ip.n; j++) ip.rxr[j] = -d.c[j]!;
  ip.ryr.set(d.b);
  ip.rzr.set(d.h);
  for (let k = 0; k < ip.nl; k++) ip.rlr[k] = -d.lbVal[k]!;
  ip.rur.set(d.ubVal);
  ip.rs.fill(0);
  ip.rsl.fill(0);
  ip.rsu.fill(0);
  if (!ip.newtonSolve()) return false;
  ip.x.set(ip.dx);
  ip.y.set(ip.dy);
  if (ip.nc > 0) {
    // raw pairs: s0 = ds = −dz, z0 = dz; shift both positive (by START_SHIFT × the most
    // negative entry, Mehrotra's 1.5) to estimate μ, then center
    let shiftS = 0;
    let shiftZ = 0;
    const pairs: [Float64Array, Float64Array][] = [
      [ip.ds, ip.dz],
      [ip.dsl, ip.dzl],
      [ip.dsu, ip.dzu],
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
    const mu0 = Math.max(prod / ip.nc, 1e-10);
    const targets: [Float64Array, Float64Array, Float64Array, Float64Array][] = [
      [ip.ds, ip.dz, ip.s, ip.z],
      [ip.dsl, ip.dzl, ip.sl, ip.zl],
      [ip.dsu, ip.dzu, ip.su, ip.zu],
    ];
    for (const [sv, zv, so, zo] of targets) {
      for (let k = 0; k < sv.length; k++) {
        const c = 0.5 * (zv[k]! - sv[k]!);
        const zz = centeredDual(c, mu0);
        zo[k] = zz;
        so[k] = zz - c;
      }
    }
    ip.mu = ip.calcMu();
  }
  return true;
}

/** Warm start from settings.warmStart (user space). */
export function warmStart(ip: IpmSolver): void {
  const { d } = ip;
  const ws = ip.st.warmStart!;
  const g = d.costScale;
  if (ws.z) for (let j = 0; j < ip.n; j++) ip.x[j] = ws.z[j]! / d.D[j]!;
  if (ws.lambda) for (let i = 0; i < ip.p; i++) ip.y[i] = (g * ws.lambda[i]!) / d.EA[i]!;
  if (ws.mu) {
    for (let k = 0; k < ip.m; k++) ip.z[k] = Math.max(0, (g * ws.mu[d.ineqRows[k]!]!) / d.EG[k]!);
  }
  // slacks from the constraints
  if (ip.m > 0) {
    d.mulG(ip.x, ip.workM);
    for (let k = 0; k < ip.m; k++) ip.s[k] = d.h[k]! - ip.workM[k]!;
  }
  for (let k = 0; k < ip.nl; k++) ip.sl[k] = ip.x[d.lbIdx[k]!]! - d.lbVal[k]!;
  for (let k = 0; k < ip.nu; k++) ip.su[k] = d.ubVal[k]! - ip.x[d.ubIdx[k]!]!;
  // bound duals from the stationarity residual r = Px + c + Aᵀy + Gᵀz = z_l − z_u
  if (ip.nl + ip.nu > 0) {
    const r = ip.workN;
    d.mulP(ip.x, r);
    for (let j = 0; j < ip.n; j++) r[j] += d.c[j]!;
    if (ip.p > 0) d.mulAT(ip.y, r, true);
    if (ip.m > 0) d.mulGT(ip.z, r, true);
    for (let k = 0; k < ip.nl; k++) ip.zl[k] = Math.max(0, r[d.lbIdx[k]!]!);
    for (let k = 0; k < ip.nu; k++) ip.zu[k] = Math.max(0, -r[d.ubIdx[k]!]!);
  }
  const mu0 = ip.st.warmStartMu;
  for (const [sv, zv] of [
    [ip.s, ip.z],
    [ip.sl, ip.zl],
    [ip.su, ip.zu],
  ] as const) {
    for (let k = 0; k < sv.length; k++) {
      const c = zv[k]! - sv[k]!;
      const zz = centeredDual(c, mu0);
      zv[k] = zz;
      sv[k] = zz - c;
    }
  }
  ip.mu = ip.calcMu();
}
