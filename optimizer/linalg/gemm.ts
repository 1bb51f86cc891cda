/**
 * The packed GEMM behind every O(n³) dense routine (denseMatMul, denseGram, the blocked DenseLdl
 * and DenseLu, the triangular solves and QR of `dualas`): Goto-style packing of op(B) in KC × NC
 * panels and op(A) in MC × KC panels, both in 4-wide micro-panels (p-major: the 4 entries of
 * one step p are adjacent), and a 4 × 4 register-tiled micro-kernel — the WebAssembly SIMD one
 * of gemm-simd.ts where the engine has it (about 5× the JavaScript kernel's speed, measured in
 * docs/benchmarks.md#dense), else a JavaScript one over the same layout. Both sum the products
 * of one entry in the same order (p ascending, one accumulator per entry, no fused multiply-add),
 * so the result does not depend on which kernel ran. Internal to linalg (not re-exported by the
 * library); the sparse supernodal LDLᵀ may import it.
 */
import { simdKernel } from './gemm-simd.ts';

const GEMM_KC = 256;
export const GEMM_NC = 512;
export const GEMM_MC = 64;

/**
 * C (m × n, row-major, new) = op(A) op(B); a: row-major with lda columns (op(A)_ip =
 * a[i*lda + p], or a[p*lda + i] when ta), likewise b with ldb. upperOnly: compute only the
 * entries on and above the diagonal (for symmetric results; the others are left 0).
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
  gemmAcc(m, n, k, 1, a, 0, ta ? 1 : lda, ta ? lda : 1, b, 0, tb ? 1 : ldb, tb ? ldb : 1, c, 0, n, upperOnly ? TRI_UPPER : TRI_ALL);
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

// ---- the strided driver ---------------------------------------------------------------------

/** JavaScript stand-in for the WebAssembly memory when SIMD is unavailable (grown on demand). */
let jsBuf = new Float64Array(0);

/** Doubles of scratch one gemmAcc call needs: B panel, A panel, C block (padded to 4). */
const SCRATCH_B = GEMM_KC * GEMM_NC;
const SCRATCH_A = GEMM_KC * GEMM_MC;
const SCRATCH = SCRATCH_B + SCRATCH_A + GEMM_MC * GEMM_NC;

/**
 * C += α·op(A)·op(B) on an m × n window of C, k the inner dimension, with arbitrary strides:
 *   op(A)_ip = a[ao + i·ais + p·aps],  op(B)_pj = b[bo + p·bps + j·bjs],
 *   C_ij = c[co + i·ldc + j]  (i < m, j < n).
 * α = ±1 (applied exactly: −1 negates A while packing). tri = TRI_LOWER updates only i ≥ j,
 * TRI_UPPER only j ≥ i (window coordinates), TRI_ALL everything; the other entries of the
 * window are not touched. c must not overlap a or b on the updated entries.
 * Each entry gets c_ij + Σ_p α·a_ip·b_pj with the sum accumulated over p ascending within KC-long
 * slices (slices added to c in order), the same bits on the SIMD and the JavaScript kernel.
 */
export function gemmAcc(
  m: number,
  n: number,
  k: number,
  alpha: 1 | -1,
  a: Float64Array,
  ao: number,
  ais: number,
  aps: number,
  b: Float64Array,
  bo: number,
  bps: number,
  bjs: number,
  c: Float64Array,
  co: number,
  ldc: number,
  tri: number,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const simd = simdKernel();
  let buf: Float64Array;
  if (simd) buf = simd.view(SCRATCH);
  else {
    if (jsBuf.length < SCRATCH) jsBuf = new Float64Array(SCRATCH);
    buf = jsBuf;
  }
  const BP = 0;
  const AP = SCRATCH_B;
  const CP = SCRATCH_B + SCRATCH_A;
  for (let jc = 0; jc < n; jc += GEMM_NC) {
    const nb = Math.min(GEMM_NC, n - jc);
    const nb4 = (nb + 3) & ~3;
    // rows ic.. of this column panel that can hold an updated entry
    const iFirst = tri === TRI_LOWER ? jc : 0;
    const iEnd = tri === TRI_UPPER ? Math.min(m, jc + nb) : m;
    if (iFirst >= iEnd) continue;
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kb = Math.min(GEMM_KC, k - pc);
      // pack op(B)[pc:pc+kb, jc:jc+nb]: micro-panel q (columns jc+4q..) at BP + q·4kb, entry (p, c) at 4p + c
      for (let q = 0; q < nb4; q += 4) {
        const dst0 = BP + q * kb;
        for (let cc = 0; cc < 4; cc++) {
          const j = q + cc;
          let dst = dst0 + cc;
          if (j >= nb) {
            for (let p = 0; p < kb; p++, dst += 4) buf[dst] = 0;
            continue;
          }
          let src = bo + pc * bps + (jc + j) * bjs;
          for (let p = 0; p < kb; p++, dst += 4, src += bps) buf[dst] = b[src]!;
        }
      }
      for (let ic = iFirst; ic < iEnd; ic += GEMM_MC) {
        const mb = Math.min(GEMM_MC, iEnd - ic);
        if (tri === TRI_LOWER && ic + mb - 1 < jc) continue;
        const mb4 = (mb + 3) & ~3;
        // pack α·op(A)[ic:ic+mb, pc:pc+kb] likewise (rows in 4-row micro-panels)
        for (let q = 0; q < mb4; q += 4) {
          const dst0 = AP + q * kb;
          for (let r = 0; r < 4; r++) {
            const i = q + r;
            let dst = dst0 + r;
            if (i >= mb) {
              for (let p = 0; p < kb; p++, dst += 4) buf[dst] = 0;
              continue;
            }
            let src = ao + (ic + i) * ais + pc * aps;
            if (alpha === 1) for (let p = 0; p < kb; p++, dst += 4, src += aps) buf[dst] = a[src]!;
            else for (let p = 0; p < kb; p++, dst += 4, src += aps) buf[dst] = -a[src]!;
          }
        }
        if (simd) simd.blk(AP * 8, BP * 8, CP * 8, mb4, nb4, kb);
        else jsBlk(buf, AP, BP, CP, mb4, nb4, kb);
        // C += block (masked for tri)
        for (let ii = 0; ii < mb; ii++) {
          const gi = ic + ii;
          let j0 = 0;
          let j1 = nb;
          if (tri === TRI_LOWER) j1 = Math.min(nb, gi - jc + 1);
          else if (tri === TRI_UPPER) j0 = Math.max(0, gi - jc);
          const o = co + gi * ldc + jc;
          const ob = CP + ii * nb4;
          for (let jj = j0; jj < j1; jj++) c[o + jj] += buf[ob + jj]!;
        }
      }
    }
  }
}

/**
 * The JavaScript micro-kernel over the packed layout of gemmAcc (buf offsets in doubles):
 * C(mb × nb at cp, row stride nb) = Ã B̃, mb and nb multiples of 4. Same summation order as the
 * SIMD kernel of gemm-simd.ts.
 */
function jsBlk(buf: Float64Array, ap: number, bp: number, cp: number, mb: number, nb: number, kb: number): void {
  const stride = 4 * kb;
  for (let i = 0; i < mb; i += 4) {
    const pa0 = ap + (i >> 2) * stride;
    for (let j = 0; j < nb; j += 4) {
      const pb0 = bp + (j >> 2) * stride;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
      for (let p = 0, pa = pa0, pb = pb0; p < kb; p++, pa += 4, pb += 4) {
        const x0 = buf[pa]!;
        const x1 = buf[pa + 1]!;
        const x2 = buf[pa + 2]!;
        const x3 = buf[pa + 3]!;
        const y0 = buf[pb]!;
        const y1 = buf[pb + 1]!;
        const y2 = buf[pb + 2]!;
        const y3 = buf[pb + 3]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; // prettier-ignore
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; // prettier-ignore
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; // prettier-ignore
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; // prettier-ignore
      }
      const o0 = cp + i * nb + j;
      const o1 = o0 + nb;
      const o2 = o1 + nb;
      const o3 = o2 + nb;
      buf[o0] = c00; buf[o0 + 1] = c01; buf[o0 + 2] = c02; buf[o0 + 3] = c03; // prettier-ignore
      buf[o1] = c10; buf[o1 + 1] = c11; buf[o1 + 2] = c12; buf[o1 + 3] = c13; // prettier-ignore
      buf[o2] = c20; buf[o2 + 1] = c21; buf[o2 + 2] = c22; buf[o2 + 3] = c23; // prettier-ignore
      buf[o3] = c30; buf[o3 + 1] = c31; buf[o3 + 2] = c32; buf[o3 + 3] = c33; // prettier-ignore
    }
  }
}
