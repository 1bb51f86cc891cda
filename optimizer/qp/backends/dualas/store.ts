/**
 * Where the `dualas` iteration keeps its big arrays, and the two kernels it spends its time in
 * (dot products and Givens chains). One Float64Array `f` holds everything at fixed offsets:
 *
 *   jr   the columns of J after the equality block, COLUMN-major (column c at jr + c·ld,
 *        ld = n rounded up to a multiple of 4, padding rows zero): a Givens rotation of two
 *        columns and the product jrᵀn are then contiguous sweeps
 *   c    a copy of C (m × n, row-major)          l   a copy of L (n × n, row-major; only with equalities)
 *   y, dz, z  vectors of length n                gc, gs  Givens coefficients (length w)
 *
 * Where WebAssembly SIMD is available (linalg/gemm-simd.ts) `f` is a view of the kernel's
 * memory past the GEMM's scratch and the kernels run there (2-lane SIMD, the same arithmetic per
 * entry as the JavaScript loops); otherwise `f` is an ordinary array and the JavaScript loops
 * run. The view stays valid while nothing else grows that memory: the iteration calls no GEMM.
 * The memory is kept (not shrunk) after the solve, for the next one.
 */
import { GEMM_SCRATCH_DOUBLES, simdKernel, type SimdKernel } from '../../../linalg/gemm-simd.ts';
import { dotFrom } from './kernels.ts';

export class IterStore {
  readonly f: Float64Array;
  readonly ld: number;
  readonly jr: number;
  readonly c: number;
  readonly l: number;
  readonly y: number;
  readonly dz: number;
  readonly z: number;
  readonly gcOff: number;
  readonly gsOff: number;
  /** views of f at gcOff / gsOff (length w) */
  readonly gc: Float64Array;
  readonly gs: Float64Array;
  private readonly k: SimdKernel | null;

  /**
   * jrRow: n × w row-major (transposed in); C: m × n row-major (copied); L: n × n row-major,
   * copied when withL.
   */
  constructor(n: number, w: number, m: number, jrRow: Float64Array, C: Float64Array, L: Float64Array, withL: boolean) {
    const ld = (n + 3) & ~3;
    const up = (x: number) => (x + 3) & ~3;
    let off = 0;
    const take = (len: number) => {
      const o = off;
      off += up(len);
      return o;
    };
    const jr = take(ld * w);
    const c = take(m * n);
    const l = take(withL ? n * n : 0);
    const y = take(n);
    const dz = take(n);
    const z = take(n);
    const gcOff = take(w);
    const gsOff = take(w);
    const total = off;
    // the SIMD kernels address memory with 32-bit byte offsets: the JavaScript path above
    // 1.5 GiB, or when the engine refuses to grow the WebAssembly memory
    let simd = simdKernel();
    if (simd && (GEMM_SCRATCH_DOUBLES + total) * 8 >= 1.5 * 2 ** 30) simd = null;
    let view: Float64Array | null = null;
    if (simd) {
      try {
        view = simd.view(GEMM_SCRATCH_DOUBLES + total);
      } catch {
        simd = null;
      }
    }
    this.k = simd;
    const b0 = simd ? GEMM_SCRATCH_DOUBLES : 0;
    const f = view ?? new Float64Array(total);
    this.f = f;
    this.ld = ld;
    this.jr = b0 + jr;
    this.c = b0 + c;
    this.l = b0 + l;
    this.y = b0 + y;
    this.dz = b0 + dz;
    this.z = b0 + z;
    this.gcOff = b0 + gcOff;
    this.gsOff = b0 + gsOff;
    if (this.k) f.fill(0, b0, b0 + total);
    for (let col = 0; col < w; col++) {
      const o = this.jr + col * ld;
      for (let i = 0; i < n; i++) f[o + i] = jrRow[i * w + col]!;
    }
    f.set(C.subarray(0, m * n), this.c);
    if (withL) f.set(L.subarray(0, n * n), this.l);
    this.gc = f.subarray(this.gcOff, this.gcOff + w);
    this.gs = f.subarray(this.gsOff, this.gsOff + w);
  }

  /** Σ_{i<len} f[a+i]·f[b+i] (dotFrom's summation order on both paths). */
  dot(a: number, b: number, len: number): number {
    return this.k ? this.k.dot(a * 8, b * 8, len) : dotFrom(this.f, a, this.f, b, 0, len);
  }

  /**
   * The rotations of givensZeroTail(·, lo, hi) (coefficients in gc, gs) applied to the columns
   * lo..hi of jr: for j = hi−1 down to lo, col_{j+1} ← c_j·carry − s_j·col_j, carry ← c_j·col_j +
   * s_j·carry (carry starts as col_hi), col_lo ← carry.
   */
  rotateAdd(lo: number, hi: number): void {
    if (hi <= lo) return;
    if (this.k) {
      this.k.rot(this.jr * 8, this.ld, lo, hi, this.gcOff * 8, this.gsOff * 8);
      return;
    }
    const { f, ld, gc, gs } = this;
    for (let i = 0; i < ld; i++) {
      let o = this.jr + hi * ld + i;
      let carry = f[o]!;
      for (let j = hi - 1; j >= lo; j--) {
        const x = f[o - ld]!;
        const cj = gc[j]!;
        const sj = gs[j]!;
        f[o] = cj * carry - sj * x;
        carry = cj * x + sj * carry;
        o -= ld;
      }
      f[o] = carry;
    }
  }

  /**
   * Rotations G_j (j = lo..hi−1, in this order) on columns (j, j+1) of jr: col_j ← c_j·col_j +
   * s_j·col_{j+1}, col_{j+1} ← −s_j·col_j + c_j·col_{j+1} (after a column of R was deleted).
   */
  rotateDrop(lo: number, hi: number): void {
    if (hi <= lo) return;
    const { f, ld, gc, gs } = this;
    for (let j = lo; j < hi; j++) {
      const cj = gc[j]!;
      const sj = gs[j]!;
      const o0 = this.jr + j * ld;
      const o1 = o0 + ld;
      for (let i = 0; i < ld; i++) {
        const a = f[o0 + i]!;
        const b = f[o1 + i]!;
        f[o0 + i] = cj * a + sj * b;
        f[o1 + i] = cj * b - sj * a;
      }
    }
  }
}
