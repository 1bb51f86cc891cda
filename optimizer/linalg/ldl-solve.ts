/**
 * The solve phase of SparseLdl, in the elimination order: x ← (L D Lᵀ)⁻¹ x for the simplicial
 * (column lists) and the supernodal (dense column blocks) storage of L, and the residual and norm
 * of the unregularized permuted matrix C used by the iterative refinement. C is stored as its
 * strictly lower lists (column j: rows Ci[Cp[j] .. Cp[j+1]) > j, values Cx) plus its diagonal Cd.
 */

/**
 * x ← (L D Lᵀ)⁻¹ x for L stored column by column (rows Li[Lp[j] .. Lp[j+1]), values Lx at the
 * same positions) and Dinv = 1/D. x (length n) modified.
 */
export function simplicialSolveInPlace(n: number, sLp: Int32Array, sLi: Int32Array, Lx: Float64Array, Dinv: Float64Array, x: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const xj = x[j]!;
    if (xj === 0) continue;
    for (let p = sLp[j]!, end = sLp[j + 1]!; p < end; p++) x[sLi[p]!] -= Lx[p]! * xj;
  }
  for (let j = 0; j < n; j++) x[j] *= Dinv[j]!;
  for (let j = n - 1; j >= 0; j--) {
    let s = x[j]!;
    for (let p = sLp[j]!, end = sLp[j + 1]!; p < end; p++) s -= Lx[p]! * x[sLi[p]!]!;
    x[j] = s;
  }
}

/**
 * x ← (L D Lᵀ)⁻¹ x for L stored by supernodes: supernode s owns columns snFirst[s] .. snFirst[s+1)
 * and rows snRows[snRowPtr[s] .. snRowPtr[s+1]), as an m × k column-major block at Lx[snLPtr[s]].
 * x (length n) modified.
 */
export function supernodalSolveInPlace(
  n: number,
  ns: number,
  snFirst: Int32Array,
  snRowPtr: Int32Array,
  snRows: Int32Array,
  snLPtr: Float64Array,
  Lx: Float64Array,
  Dinv: Float64Array,
  x: Float64Array,
): void {
  for (let s = 0; s < ns; s++) {
    const f = snFirst[s]!;
    const k = snFirst[s + 1]! - f;
    const r0 = snRowPtr[s]!;
    const m = snRowPtr[s + 1]! - r0;
    const base = snLPtr[s]!;
    for (let q = 0; q < k; q++) {
      const xq = x[f + q]!;
      if (xq === 0) continue;
      const col = base + q * m;
      for (let i = q + 1; i < m; i++) x[snRows[r0 + i]!] -= Lx[col + i]! * xq;
    }
  }
  for (let j = 0; j < n; j++) x[j] *= Dinv[j]!;
  for (let s = ns - 1; s >= 0; s--) {
    const f = snFirst[s]!;
    const k = snFirst[s + 1]! - f;
    const r0 = snRowPtr[s]!;
    const m = snRowPtr[s + 1]! - r0;
    const base = snLPtr[s]!;
    for (let q = k - 1; q >= 0; q--) {
      const col = base + q * m;
      let sum = x[f + q]!;
      for (let i = q + 1; i < m; i++) sum -= Lx[col + i]! * x[snRows[r0 + i]!]!;
      x[f + q] = sum;
    }
  }
}

/** r ← b − C x for the symmetric C given by (Cp, Ci, Cx, Cd); returns ‖r‖∞ (NaN propagates). */
export function symmetricResidual(
  n: number,
  Cp: Int32Array,
  Ci: Int32Array,
  Cx: Float64Array,
  Cd: Float64Array,
  b: Float64Array,
  x: Float64Array,
  r: Float64Array,
): number {
  for (let k = 0; k < n; k++) r[k] = b[k]! - Cd[k]! * x[k]!;
  for (let j = 0; j < n; j++) {
    const xj = x[j]!;
    let s = 0;
    for (let p = Cp[j]!, end = Cp[j + 1]!; p < end; p++) {
      const i = Ci[p]!;
      const c = Cx[p]!;
      r[i] -= c * xj;
      s += c * x[i]!;
    }
    r[j] -= s;
  }
  let mx = 0;
  for (let k = 0; k < n; k++) {
    const a = Math.abs(r[k]!);
    if (!(a <= mx)) mx = a; // NaN propagates
  }
  return mx;
}

/** ‖C‖∞ of the symmetric matrix with strictly lower lists (Cp, Ci, Cx) and diagonal Cd; w: work (length n) */
export function symmetricNormInf(n: number, Cp: Int32Array, Ci: Int32Array, Cx: Float64Array, Cd: Float64Array, w: Float64Array): number {
  for (let k = 0; k < n; k++) w[k] = Math.abs(Cd[k]!);
  for (let j = 0; j < n; j++) {
    for (let p = Cp[j]!, end = Cp[j + 1]!; p < end; p++) {
      const a = Math.abs(Cx[p]!);
      w[j] += a;
      w[Ci[p]!] += a;
    }
  }
  let m = 0;
  for (let k = 0; k < n; k++) if (w[k]! > m) m = w[k]!;
  return m;
}
