/**
 * DenseKkt: the interior-point KKT system (kkt.ts) in dense form, the inequality block eliminated
 * into the (n + p)-square matrix, factored through the LinearSystem interface. See kkt.ts.
 */
import { LinearAlgebraError } from '../../../errors.ts';
import { TRI_LOWER, gemmAcc } from '../../../linalg/gemm.ts';
import { createLinearSystem, factorChecked, type LinearSystem } from '../../../linalg/linsys.ts';
import type { DenseMatrix } from '../../../linalg/types.ts';
import { maxAbs } from '../../../linalg/vec.ts';
import type { DenseQpData } from './data.ts';
import { checkArguments, NORMAL_REFINE_STEPS, ROBUST_REFINE_STEPS, ROBUST_STATIC_REG, type KktSystem } from './kkt.ts';

export class DenseKkt implements KktSystem {
  readonly kind = 'dense' as const;
  readonly size: number;
  private readonly data: DenseQpData;
  /** row-major (n+p)², only the lower triangle is written/read */
  private readonly M: Float64Array;
  private readonly winv: Float64Array;
  /** the two factorizations of M (lower triangle read): normal, and robust (static regularization, refined) */
  private readonly normalSys: LinearSystem;
  private readonly robustSys: LinearSystem;
  private current: LinearSystem | null = null;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  private readonly work: Float64Array;
  /** G̃ᵀ, n × m row-major (rows of Gᵀ are contiguous for the Gᵀ W⁻¹ G products) */
  private readonly GT: Float64Array;
  /** Gᵀ W⁻¹ (work, n × m) */
  private readonly scaled: Float64Array;

  constructor(data: DenseQpData) {
    this.data = data;
    const N = data.n + data.p;
    this.size = N;
    this.M = new Float64Array(N * N);
    const signs = new Int8Array(N);
    for (let k = 0; k < N; k++) signs[k] = k < data.n ? 1 : -1;
    const K: DenseMatrix = { format: 'dense', nrows: N, ncols: N, data: this.M };
    this.normalSys = createLinearSystem(K, { signs, refineSteps: NORMAL_REFINE_STEPS });
    this.robustSys = createLinearSystem(K, { signs, staticReg: ROBUST_STATIC_REG, refineSteps: ROBUST_REFINE_STEPS });
    this.winv = new Float64Array(data.m);
    this.rhs = new Float64Array(N);
    this.sol = new Float64Array(N);
    this.work = new Float64Array(data.m);
    const { n, m, G } = data;
    const GT = new Float64Array(n * m);
    for (let k = 0; k < m; k++) for (let j = 0; j < n; j++) GT[j * m + k] = G[k * n + j]!;
    this.GT = GT;
    this.scaled = new Float64Array(n * m);
  }

  convexityCheck(): boolean {
    const pMax = maxAbs(this.data.P);
    if (pMax === 0) return true;
    const a = checkArguments(this.data.n, this.data.m, pMax);
    const ok = this.factor(a.rho, a.delta, a.W, a.boxDiag, false);
    this.current = null;
    return ok;
  }

  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean {
    const { n, p, m, P, A } = this.data;
    const N = n + p;
    const M = this.M;
    // H = P̃ + diag(ρ + boxDiag), lower triangle
    for (let i = 0; i < n; i++) {
      const off = i * N;
      const poff = i * n;
      for (let j = 0; j <= i; j++) M[off + j] = P[poff + j]!;
      M[off + i] += rho + boxDiag[i]!;
    }
    // H += G̃ᵀ W⁻¹ G̃ on and below the diagonal: (Gᵀ W⁻¹) Gᵀᵀ through the packed GEMM
    // (linalg/gemm.ts), the scaled copy of Gᵀ in `scaled` (n × m)
    const GT = this.GT;
    const winv = this.winv;
    for (let k = 0; k < m; k++) winv[k] = 1 / W[k]!;
    if (m > 0) {
      const t = this.scaled;
      for (let i = 0; i < n; i++) {
        const o = i * m;
        for (let k = 0; k < m; k++) t[o + k] = GT[o + k]! * winv[k]!;
      }
      gemmAcc(n, n, m, 1, t, 0, m, 1, GT, 0, 1, m, M, 0, N, TRI_LOWER);
    }
    // [Ã  −δI] rows
    for (let i = 0; i < p; i++) {
      const off = (n + i) * N;
      M.set(A.subarray(i * n, (i + 1) * n), off);
      for (let j = n; j < n + i; j++) M[off + j] = 0;
      M[off + n + i] = -delta;
    }
    this.current = null;
    for (let t = 0; t < M.length; t++) if (!Number.isFinite(M[t]!)) return false;
    const ldl = robust ? this.robustSys : this.normalSys;
    if (!factorChecked(ldl, M, { positive: n, negative: p }).ok) return false;
    this.current = ldl;
    return true;
  }

  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): number {
    const { n, p, m } = this.data;
    if (!this.current) throw new LinearAlgebraError('KKT solve without a valid factorization');
    const { rhs, sol, work, winv } = this;
    // rhs_x = r_x + G̃ᵀ W⁻¹ r_z
    for (let k = 0; k < m; k++) work[k] = winv[k]! * rz[k]!;
    const rxPart = rhs.subarray(0, n);
    rxPart.set(rx);
    if (m > 0) this.data.mulGT(work, rxPart, true);
    rhs.set(ry, n);
    this.current.solve(rhs, sol);
    dx.set(sol.subarray(0, n));
    dy.set(sol.subarray(n, n + p));
    let sum = 0;
    for (let t = 0; t < n + p; t++) sum += sol[t]!;
    // dz = W⁻¹ (G̃ dx − r_z)
    if (m > 0) {
      this.data.mulG(dx, dz);
      for (let k = 0; k < m; k++) {
        const v = winv[k]! * (dz[k]! - rz[k]!);
        dz[k] = v;
        sum += v;
      }
    }
    return sum;
  }
}
