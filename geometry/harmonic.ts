/**
 * The free harmonic map: the inner QP with the equality rows only (boundary pinned, no cone rows).
 *
 *   solver = HarmonicSolver.build(domain, lap)     pattern of L_II and its symbolic LDLᵀ, once
 *   x      = solver.solve(Lv)                      numeric factor + two solves per call
 *
 * min ½ xᵀ blockdiag(L, L) x  s.t.  x_B = targets  ⇔  L_II x_I = −L_IB x_B (and the same for y; a
 * diagonal shift on the pinned boundary rows changes nothing here),
 * with I the interior vertices and B the boundary loop. L_II is symmetric positive definite (a
 * connected mesh whose interior touches the pinned boundary: weakly diagonally dominant and
 * irreducible, strictly dominant next to the boundary; with shift 'all' also + 1e-4 I), factored
 * by SparseLdl (optimizer/linalg/ldl.ts, AMD order).
 *
 * Inputs of solve:
 *   Lv   nnz(L) values of L on lap.L (laplacianValues), not modified
 * Output: x, 2#V in the split layout [v_x; v_y]; boundary entries equal the polygon exactly.
 */
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { EmbeddingDomain } from './embedding-domain.ts';
import type { LaplacianPattern } from './laplacian.ts';

export class HarmonicSolver {
  private constructor(
    private readonly domain: EmbeddingDomain,
    private readonly lap: LaplacianPattern,
    /** interior vertex ids, #I */
    readonly interior: Int32Array,
    /** newIndex[v] = position of v among the interior vertices, −1 on the boundary */
    private readonly newIndex: Int32Array,
    /** L_II pattern; values[p] = Lv[src[p]] */
    readonly LII: CscMatrix,
    private readonly src: Int32Array,
    private readonly ldl: SparseLdl | null,
  ) {}

  static build(domain: EmbeddingDomain, lap: LaplacianPattern): HarmonicSolver {
    const nv = domain.nv;
    const onB = new Uint8Array(nv);
    for (let t = 0; t < domain.loop.length; t++) onB[domain.loop[t]!] = 1;
    const newIndex = new Int32Array(nv).fill(-1);
    const interiorList: number[] = [];
    for (let v = 0; v < nv; v++) {
      if (!onB[v]) {
        newIndex[v] = interiorList.length;
        interiorList.push(v);
      }
    }
    const interior = Int32Array.from(interiorList);
    const ni = interior.length;
    const { colPtr: Lp, rowIdx: Li } = lap.L;
    const colPtr = new Int32Array(ni + 1);
    for (let c = 0; c < ni; c++) {
      const j = interior[c]!;
      let cnt = 0;
      for (let q = Lp[j]!; q < Lp[j + 1]!; q++) if (newIndex[Li[q]!] !== -1) cnt++;
      colPtr[c + 1] = colPtr[c]! + cnt;
    }
    const nnz = colPtr[ni]!;
    const rowIdx = new Int32Array(nnz);
    const src = new Int32Array(nnz);
    let p = 0;
    for (let c = 0; c < ni; c++) {
      const j = interior[c]!;
      // newIndex is increasing in the vertex id, so rows stay sorted
      for (let q = Lp[j]!; q < Lp[j + 1]!; q++) {
        const r = newIndex[Li[q]!]!;
        if (r !== -1) {
          rowIdx[p] = r;
          src[p++] = q;
        }
      }
    }
    const LII: CscMatrix = { format: 'csc', nrows: ni, ncols: ni, colPtr, rowIdx, values: new Float64Array(nnz) };
    const ldl = ni > 0 ? SparseLdl.analyze(LII) : null;
    return new HarmonicSolver(domain, lap, interior, newIndex, LII, src, ldl);
  }

  solve(Lv: Float64Array): Float64Array {
    const { domain, lap, interior, newIndex, src } = this;
    const nv = domain.nv;
    const ni = interior.length;
    const x = new Float64Array(2 * nv);
    const loop = domain.loop;
    const nb = loop.length;
    for (let t = 0; t < nb; t++) {
      x[loop[t]!] = domain.polygon[2 * t]!;
      x[nv + loop[t]!] = domain.polygon[2 * t + 1]!;
    }
    if (ni === 0 || this.ldl === null) return x;
    const vals = new Float64Array(src.length);
    for (let p = 0; p < src.length; p++) vals[p] = Lv[src[p]!]!;
    this.ldl.factor(vals);
    // rhs = −L_IB x_B, for x and y
    const rx = new Float64Array(ni);
    const ry = new Float64Array(ni);
    const { colPtr: Lp, rowIdx: Li } = lap.L;
    for (let t = 0; t < nb; t++) {
      const j = loop[t]!;
      const bx = x[j]!;
      const by = x[nv + j]!;
      for (let q = Lp[j]!; q < Lp[j + 1]!; q++) {
        const r = newIndex[Li[q]!]!;
        if (r !== -1) {
          rx[r] -= Lv[q]! * bx;
          ry[r] -= Lv[q]! * by;
        }
      }
    }
    const sx = this.ldl.solve(rx);
    const sy = this.ldl.solve(ry);
    for (let c = 0; c < ni; c++) {
      x[interior[c]!] = sx[c]!;
      x[nv + interior[c]!] = sy[c]!;
    }
    return x;
  }
}
