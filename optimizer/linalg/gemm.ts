/**
 * The packed GEMM kernel behind every O(n³) dense routine (denseMatMul, denseGram, the blocked
 * DenseLdl and DenseLu): Goto-style packing of op(B) in KC × NC panels (column-contiguous) and
 * op(A) in MC × KC panels (row-contiguous), and a 4 × 4 register-tiled micro-kernel. Internal to
 * linalg (not re-exported by the library).
 */

const GEMM_KC = 256;
export const GEMM_NC = 128;
export const GEMM_MC = 64;

/**
 * C (m × n, row-major, new) = op(A) op(B); a: row-major with lda columns (op(A)_ip =
 * a[i*lda + p], or a[p*lda + i] when ta), likewise b with ldb. upperOnly: skip 4 × 4 blocks that
 * lie entirely below the diagonal (for symmetric results; those entries are left 0).
 */
export function gemm(
  a: Float64Array,
  lda: number,
  ta: boolean,
  b: Float64Array,
  ldb: number,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  upperOnly: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  if (m === 0 || n === 0 || k === 0) return c;
  const bp = new Float64Array(GEMM_NC * GEMM_KC);
  const ap = new Float64Array(GEMM_MC * GEMM_KC);
  for (let jc = 0; jc < n; jc += GEMM_NC) {
    const nb = Math.min(GEMM_NC, n - jc);
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kb = Math.min(GEMM_KC, k - pc);
      // pack op(B)[pc:pc+kb, jc:jc+nb] as bp[jj*kb + p]
      if (tb) {
        for (let jj = 0; jj < nb; jj++) {
          const src = (jc + jj) * ldb + pc;
          const dst = jj * kb;
          for (let p = 0; p < kb; p++) bp[dst + p] = b[src + p]!;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const src = (pc + p) * ldb + jc;
          for (let jj = 0; jj < nb; jj++) bp[jj * kb + p] = b[src + jj]!;
        }
      }
      for (let ic = 0; ic < m; ic += GEMM_MC) {
        const mb = Math.min(GEMM_MC, m - ic);
        if (upperOnly && ic > jc + nb - 1) continue;
        // pack op(A)[ic:ic+mb, pc:pc+kb] as ap[ii*kb + p]
        if (ta) {
          for (let p = 0; p < kb; p++) {
            const src = (pc + p) * lda + ic;
            for (let ii = 0; ii < mb; ii++) ap[ii * kb + p] = a[src + ii]!;
          }
        } else {
          for (let ii = 0; ii < mb; ii++) {
            const src = (ic + ii) * lda + pc;
            const dst = ii * kb;
            for (let p = 0; p < kb; p++) ap[dst + p] = a[src + p]!;
          }
        }
        gemmBlock(ap, bp, c, n, ic, jc, mb, nb, kb, upperOnly ? TRI_UPPER : TRI_ALL);
      }
    }
  }
  return c;
}

export const TRI_ALL = 0;
export const TRI_UPPER = 1;
export const TRI_LOWER = 2;

/**
 * c[ic+ii, jc+jj] += Σ_p ap[ii*kb+p] · bp[jj*kb+p] for ii < mb, jj < nb (4 × 4 register tiles);
 * c row-major with row stride n. tri = TRI_UPPER / TRI_LOWER skips the 4 × 4 tiles lying entirely
 * below / above the diagonal row = column (remainder rows/columns are always computed).
 */
export function gemmBlock(
  ap: Float64Array,
  bp: Float64Array,
  c: Float64Array,
  n: number,
  ic: number,
  jc: number,
  mb: number,
  nb: number,
  kb: number,
  tri: number,
): void {
  let ii = 0;
  for (; ii + 3 < mb; ii += 4) {
    const a0 = ii * kb;
    const a1 = a0 + kb;
    const a2 = a1 + kb;
    const a3 = a2 + kb;
    let jj = 0;
    for (; jj + 3 < nb; jj += 4) {
      if (tri === TRI_UPPER && jc + jj + 3 < ic + ii) continue;
      if (tri === TRI_LOWER && jc + jj > ic + ii + 3) continue;
      const b0 = jj * kb;
      const b1 = b0 + kb;
      const b2 = b1 + kb;
      const b3 = b2 + kb;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
      for (let p = 0; p < kb; p++) {
        const x0 = ap[a0 + p]!;
        const x1 = ap[a1 + p]!;
        const x2 = ap[a2 + p]!;
        const x3 = ap[a3 + p]!;
        const y0 = bp[b0 + p]!;
        const y1 = bp[b1 + p]!;
        const y2 = bp[b2 + p]!;
        const y3 = bp[b3 + p]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; // prettier-ignore
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; // prettier-ignore
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; // prettier-ignore
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; // prettier-ignore
      }
      const o0 = (ic + ii) * n + jc + jj;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      c[o0] += c00; c[o0 + 1] += c01; c[o0 + 2] += c02; c[o0 + 3] += c03; // prettier-ignore
      c[o1] += c10; c[o1 + 1] += c11; c[o1 + 2] += c12; c[o1 + 3] += c13; // prettier-ignore
      c[o2] += c20; c[o2 + 1] += c21; c[o2 + 2] += c22; c[o2 + 3] += c23; // prettier-ignore
      c[o3] += c30; c[o3 + 1] += c31; c[o3 + 2] += c32; c[o3 + 3] += c33; // prettier-ignore
    }
    for (; jj < nb; jj++) {
      const b0 = jj * kb;
      for (let r = 0; r < 4; r++) {
        const ar = a0 + r * kb;
        let s = 0;
        for (let p = 0; p < kb; p++) s += ap[ar + p]! * bp[b0 + p]!;
        c[(ic + ii + r) * n + jc + jj] += s;
      }
    }
  }
  for (; ii < mb; ii++) {
    const a0 = ii * kb;
    for (let jj = 0; jj < nb; jj++) {
      const b0 = jj * kb;
      let s = 0;
      for (let p = 0; p < kb; p++) s += ap[a0 + p]! * bp[b0 + p]!;
      c[(ic + ii) * n + jc + jj] += s;
    }
  }
}
