/**
 * Problem data of the `ipm` backend in its internal, SCALED space, with the Ruiz equilibration
 * that produces it and the maps back to the user's space.
 *
 * User problem (types.ts):  min ½xᵀPx + qᵀx  s.t.  Ax = b,  Cx ≤ d,  lb ≤ x ≤ ub.
 * Internal problem (here G = the rows of C with finite d, h = those d; "c" is the cost vector):
 *
 *   x = D x̃,   P̃ = γ D P D,   c̃ = γ D q,
 *   Ã = E_A A D,  b̃ = E_A b,   G̃ = E_G G D,  h̃ = E_G h,
 *   box:  lb/D ≤ x̃ ≤ ub/D   (finite entries only, listed in lbIdx/ubIdx)
 *
 * D (n), E_A (p), E_G (m) are positive diagonal scalings from Ruiz equilibration of the KKT
 * matrix [P Aᵀ Gᵀ; A 0 0; G 0 0] (each sweep divides every row/column by the square root of its
 * ∞-norm); γ > 0 is the optional cost scaling. Internal duals map back as
 *   y = E_A ỹ / γ,   z = E_G z̃ / γ,   z_lb = z̃_lb / (γ D),   z_ub = z̃_ub / (γ D),
 * so that P x + q + Aᵀy + Gᵀz − z_lb + z_ub = (γ D)⁻¹ (P̃x̃ + c̃ + Ãᵀỹ + G̃ᵀz̃ − z̃_lb + z̃_ub).
 *
 * Two storages extend the abstract QpData (which holds the shared fields and runs the
 * equilibration): SparseQpData (CSC; P by its upper triangle) and DenseQpData (row-major; P
 * stored full and symmetric). Values of magnitude ≥ INFINITE_BOUND (problem.ts, 9e19) in d, lb, ub
 * count as infinite, as in the readers (PIQP uses 1e30; the model's one threshold is the
 * Maros–Meszaros one, see problem.ts).
 */
import type { CscMatrix, Matrix } from '../../../linalg/types.ts';
import { toCsc, toDense } from '../../../linalg/matrix.ts';
import { INFINITE_BOUND } from '../../problem.ts';
import { MAX_SCALE, MIN_SCALE, ruizFactor, type Scaling } from '../../scaling.ts';
import type { QPProblem } from '../../types.ts';



/**
 * The interface both storages implement, with the part they share: the fields (layout, scaled
 * vectors, scalings) and their construction, which runs Ruiz equilibration on the storage's
 * matrices through an Equilibrable view of them.
 */
export abstract class QpData {
  abstract readonly kind: 'sparse' | 'dense';
  /** variables, equality rows, kept inequality rows, finite lower bounds, finite upper bounds */
  readonly n: number;
  readonly p: number;
  readonly m: number;
  readonly nl: number;
  readonly nu: number;
  /** length m: row of C for each kept inequality row (rows with d = +∞ are dropped) */
  readonly ineqRows: Int32Array;
  /** number of rows of C in the user problem */
  readonly mOriginal: number;
  /** length nl / nu: variable index and SCALED bound value of each finite bound */
  readonly lbIdx: Int32Array;
  readonly lbVal: Float64Array;
  readonly ubIdx: Int32Array;
  readonly ubVal: Float64Array;
  /** scaled c̃ (n), b̃ (p), h̃ (m) */
  readonly c: Float64Array;
  readonly b: Float64Array;
  readonly h: Float64Array;
  /** the equilibration (qp/scaling.ts); D, EA, EG, costScale below are its parts */
  readonly scaling: Scaling;
  /** scalings: D (n), E_A (p), E_G (m) (views of scaling.E), γ = scaling.c */
  readonly D: Float64Array;
  readonly EA: Float64Array;
  readonly EG: Float64Array;
  readonly costScale: number;

  /**
   * L = layout(problem); `matrices` views the storage's unscaled copies of P, A (p × n) and
   * G = C(ineqRows, :) (m × n), which equilibration scales in place.
   */
  protected constructor(problem: QPProblem, L: Layout, matrices: Equilibrable, ruizIterations: number, scaleCost: boolean) {
    this.n = L.n;
    this.p = L.p;
    this.m = L.ineqRows.length;
    this.mOriginal = L.mOriginal;
    this.ineqRows = L.ineqRows;
    this.nl = L.lbIdx.length;
    this.nu = L.ubIdx.length;
    this.lbIdx = L.lbIdx;
    this.ubIdx = L.ubIdx;
    this.c = new Float64Array(problem.q);
    this.b = copyOrEmpty(problem.b, this.p);
    this.h = gather(problem.d ?? null, L.ineqRows);
    const s = equilibrate(matrices, this.n, this.p, this.m, this.c, this.b, this.h, ruizIterations, scaleCost);
    this.scaling = s;
    this.D = s.D;
    this.EA = s.E.subarray(0, this.p);
    this.EG = s.E.subarray(this.p);
    this.costScale = s.c;
    this.lbVal = scaledBounds(L.lbIdx, L.lbRaw, s.D);
    this.ubVal = scaledBounds(L.ubIdx, L.ubRaw, s.D);
  }

  /** out = P̃ x (length n) */
  abstract mulP(x: Float64Array, out: Float64Array): void;
  /** out = Ã x (length p) */
  abstract mulA(x: Float64Array, out: Float64Array): void;
  /** out (+)= Ãᵀ y (length n) */
  abstract mulAT(y: Float64Array, out: Float64Array, accumulate: boolean): void;
  /** out = G̃ x (length m) */
  abstract mulG(x: Float64Array, out: Float64Array): void;
  /** out (+)= G̃ᵀ z (length n) */
  abstract mulGT(z: Float64Array, out: Float64Array, accumulate: boolean): void;
  /**
   * The four products of a residual evaluation: Aty = Ãᵀy, Gtz = G̃ᵀz (length n), Ax = Ãx
   * (length p), Gx = G̃x (length m); outputs overwritten, x, y, z not modified. The sparse
   * storage makes one sweep over the columns of each matrix for both of its products.
   */
  abstract residualProducts(x: Float64Array, y: Float64Array, z: Float64Array, Aty: Float64Array, Gtz: Float64Array, Ax: Float64Array, Gx: Float64Array): void;
}

/** Index bookkeeping shared by both storages: kept inequality rows and finite bounds. */
interface Layout {
  n: number;
  p: number;
  mOriginal: number;
  ineqRows: Int32Array;
  lbIdx: Int32Array;
  lbRaw: Float64Array;
  ubIdx: Int32Array;
  ubRaw: Float64Array;
}

function layout(problem: QPProblem): Layout {
  const n = problem.q.length;
  const p = problem.A ? problem.A.nrows : 0;
  const mOriginal = problem.C ? problem.C.nrows : 0;
  const ineqRows = finiteIndices(problem.d ?? null, mOriginal, 1);
  const lbIdx = finiteIndices(problem.lb ?? null, problem.lb ? n : 0, -1);
  const ubIdx = finiteIndices(problem.ub ?? null, problem.ub ? n : 0, 1);
  return { n, p, mOriginal, ineqRows, lbIdx, lbRaw: gather(problem.lb ?? null, lbIdx), ubIdx, ubRaw: gather(problem.ub ?? null, ubIdx) };
}

/** indices i < len with sign·v_i < INFINITE_BOUND (finite upper values for sign 1, lower for −1), ascending */
function finiteIndices(v: ArrayLike<number> | null, len: number, sign: number): Int32Array {
  if (v === null) return new Int32Array(0);
  let count = 0;
  for (let i = 0; i < len; i++) if (sign * v[i]! < INFINITE_BOUND) count++;
  const out = new Int32Array(count);
  for (let i = 0, t = 0; i < len; i++) if (sign * v[i]! < INFINITE_BOUND) out[t++] = i;
  return out;
}

/** v[idx[k]] for each k (empty when v is null) */
function gather(v: ArrayLike<number> | null, idx: Int32Array): Float64Array {
  const out = new Float64Array(v === null ? 0 : idx.length);
  if (v !== null) for (let k = 0; k < idx.length; k++) out[k] = v[idx[k]!]!;
  return out;
}

/**
 * One Ruiz step on one block of rows/columns (i < len): s_i = ruizFactor(norm_i), then
 * acc_i ← acc_i·s_i (the accumulated scaling) and v_i ← v_i·s_i (its vector c, b or h).
 * s, acc, v are modified; returns max_i |1 − s_i| (0 when len = 0).
 */
function ruizStep(norm: Float64Array, s: Float64Array, acc: Float64Array, v: Float64Array, len: number): number {
  let maxDev = 0;
  for (let i = 0; i < len; i++) {
    const f = ruizFactor(norm[i]!);
    s[i] = f;
    maxDev = Math.max(maxDev, Math.abs(1 - f));
    acc[i] *= f;
    v[i] *= f;
  }
  return maxDev;
}

/** The storage-specific half of equilibration. */
interface Equilibrable {
  /** ∞-norms of the columns of [P; A; G] (n), rows of A (p), rows of G (m); outputs overwritten */
  norms(col: Float64Array, rowA: Float64Array, rowG: Float64Array): void;
  /**
   * P ← diag(sx) P diag(sx), A ← diag(sA) A diag(sx), G ← diag(sG) G diag(sx), and the norms
   * (as norms()) of the scaled matrices into col, rowA, rowG (one pass; outputs overwritten)
   */
  scale(sx: Float64Array, sA: Float64Array, sG: Float64Array, col: Float64Array, rowA: Float64Array, rowG: Float64Array): void;
  /** mean over columns of the ∞-norm of the columns of P */
  meanColNormP(): number;
  /** P ← γ P */
  scaleP(gamma: number): void;
}


/**
 * Ruiz equilibration (in place on `target`, c, b, h). Returns the accumulated scalings.
 * c (n), b (p), h (m) are modified.
 */
function equilibrate(
  target: Equilibrable,
  n: number,
  p: number,
  m: number,
  c: Float64Array,
  b: Float64Array,
  h: Float64Array,
  iterations: number,
  scaleCost: boolean,
): Scaling {
  const D = new Float64Array(n).fill(1);
  // E = [E_A; E_G] (the shared Scaling's row scaling), worked on through its two blocks
  const E = new Float64Array(p + m).fill(1);
  const EA = E.subarray(0, p);
  const EG = E.subarray(p);
  const col = new Float64Array(n);
  const rowA = new Float64Array(p);
  const rowG = new Float64Array(m);
  const sx = new Float64Array(n);
  const sA = new Float64Array(p);
  const sG = new Float64Array(m);
  if (iterations > 0) target.norms(col, rowA, rowG);
  for (let it = 0; it < iterations; it++) {
    const maxDev = Math.max(ruizStep(col, sx, D, c, n), ruizStep(rowA, sA, EA, b, p), ruizStep(rowG, sG, EG, h, m));
    target.scale(sx, sA, sG, col, rowA, rowG);
    if (maxDev < 1e-3) break; // already equilibrated
  }
  let costScale = 1;
  if (scaleCost) {
    let cNorm = 0;
    for (let j = 0; j < n; j++) cNorm = Math.max(cNorm, Math.abs(c[j]!));
    const ref = Math.max(target.meanColNormP(), cNorm);
    costScale = ref >= MIN_SCALE ? 1 / Math.min(ref, MAX_SCALE) : 1;
    if (costScale !== 1) {
      target.scaleP(costScale);
      for (let j = 0; j < n; j++) c[j] *= costScale;
    }
  }
  return { D, E, c: costScale };
}

function scaledBounds(idx: Int32Array, raw: Float64Array, D: Float64Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = raw[k]! / D[idx[k]!]!;
  return out;
}

function copyOrEmpty(v: Float64Array | null | undefined, len: number): Float64Array {
  return v ? new Float64Array(v) : new Float64Array(len);
}

// =============================================================================================
// Sparse storage
// =============================================================================================

/** Rows `rows` of M (CSC) as a new CSC matrix, values copied. */
function selectRowsCsc(M: CscMatrix, rows: Int32Array): CscMatrix {
  if (rows.length === M.nrows) return copyCsc(M); // rows is 0 .. nrows−1 (ascending, unique)
  const map = new Int32Array(M.nrows).fill(-1);
  for (let k = 0; k < rows.length; k++) map[rows[k]!] = k;
  const colPtr = new Int32Array(M.ncols + 1);
  let nz = 0;
  for (let j = 0; j < M.ncols; j++) {
    for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) if (map[M.rowIdx[q]!]! >= 0) nz++;
    colPtr[j + 1] = nz;
  }
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  let t = 0;
  for (let j = 0; j < M.ncols; j++) {
    for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) {
      const r = map[M.rowIdx[q]!]!;
      if (r >= 0) {
        rowIdx[t] = r;
        values[t++] = M.values[q]!;
      }
    }
  }
  // selected rows are increasing, so rows stay sorted within each column
  return { format: 'csc', nrows: rows.length, ncols: M.ncols, colPtr, rowIdx, values };
}

function copyCsc(M: CscMatrix): CscMatrix {
  return { format: 'csc', nrows: M.nrows, ncols: M.ncols, colPtr: M.colPtr, rowIdx: M.rowIdx, values: M.values.slice(0, M.colPtr[M.ncols]!) };
}

/** Upper triangle (row ≤ column) of a CSC matrix, values copied. */
function upperCsc(M: CscMatrix): CscMatrix {
  const n = M.ncols;
  const colPtr = new Int32Array(n + 1);
  let nz = 0;
  for (let j = 0; j < n; j++) {
    for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) if (M.rowIdx[q]! <= j) nz++;
    colPtr[j + 1] = nz;
  }
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  let t = 0;
  for (let j = 0; j < n; j++) {
    for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) {
      if (M.rowIdx[q]! <= j) {
        rowIdx[t] = M.rowIdx[q]!;
        values[t++] = M.values[q]!;
      }
    }
  }
  return { format: 'csc', nrows: n, ncols: n, colPtr, rowIdx, values };
}

function emptyCsc(nrows: number, ncols: number): CscMatrix {
  return { format: 'csc', nrows, ncols, colPtr: new Int32Array(ncols + 1), rowIdx: new Int32Array(0), values: new Float64Array(0) };
}

/**
 * col_j ← max(col_j, ∞-norm of column j of the symmetric matrix with upper triangle P (n × n))
 * (col: length n, NOT reset).
 */
function symUpperColNorms(P: CscMatrix, n: number, col: Float64Array): void {
  for (let j = 0; j < n; j++) {
    for (let q = P.colPtr[j]!; q < P.colPtr[j + 1]!; q++) {
      const v = Math.abs(P.values[q]!);
      const i = P.rowIdx[q]!;
      if (v > col[j]!) col[j] = v;
      if (v > col[i]!) col[i] = v;
    }
  }
}

/**
 * One Ruiz sweep on P̃ (upper triangle, symmetric): P ← diag(sx) P diag(sx) in place, and
 * col_j ← max(col_j, ∞-norm of column j of the scaled symmetric P) (col: length n, NOT reset).
 */
function scaleSymUpper(P: CscMatrix, sx: Float64Array, col: Float64Array): void {
  const { colPtr, rowIdx, values } = P;
  for (let j = 0, n = P.ncols; j < n; j++) {
    const sj = sx[j]!;
    let cj = col[j]!;
    for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) {
      const i = rowIdx[q]!;
      const v = values[q]! * sx[i]! * sj;
      values[q] = v;
      const a = Math.abs(v);
      if (a > cj) cj = a;
      if (a > col[i]!) col[i] = a;
    }
    if (cj > col[j]!) col[j] = cj;
  }
}

/**
 * One Ruiz sweep on a constraint block M (rows × n): M ← diag(sr) M diag(sx) in place,
 * col_j ← max(col_j, ∞-norm of scaled column j) (NOT reset), row ← ∞-norms of the scaled rows.
 */
function scaleRect(M: CscMatrix, sr: Float64Array, sx: Float64Array, col: Float64Array, row: Float64Array): void {
  row.fill(0);
  const { colPtr, rowIdx, values } = M;
  for (let j = 0, n = M.ncols; j < n; j++) {
    const sj = sx[j]!;
    let cj = col[j]!;
    for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) {
      const i = rowIdx[q]!;
      const v = values[q]! * sr[i]! * sj;
      values[q] = v;
      const a = Math.abs(v);
      if (a > cj) cj = a;
      if (a > row[i]!) row[i] = a;
    }
    col[j] = cj;
  }
}

/** Equilibration view of the sparse matrices: P̃ by its upper triangle (n × n), Ã (p × n), G̃ (m × n). */
class SparseEquilibrable implements Equilibrable {
  constructor(
    private readonly n: number,
    private readonly Pu: CscMatrix,
    private readonly A: CscMatrix,
    private readonly G: CscMatrix,
  ) {}

  norms(col: Float64Array, rowA: Float64Array, rowG: Float64Array): void {
    col.fill(0);
    rowA.fill(0);
    rowG.fill(0);
    symUpperColNorms(this.Pu, this.n, col);
    for (const [M, row] of [
      [this.A, rowA],
      [this.G, rowG],
    ] as const) {
      for (let j = 0; j < this.n; j++) {
        for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) {
          const v = Math.abs(M.values[q]!);
          const i = M.rowIdx[q]!;
          if (v > col[j]!) col[j] = v;
          if (v > row[i]!) row[i] = v;
        }
      }
    }
  }

  scale(sx: Float64Array, sA: Float64Array, sG: Float64Array, col: Float64Array, rowA: Float64Array, rowG: Float64Array): void {
    col.fill(0);
    scaleSymUpper(this.Pu, sx, col);
    scaleRect(this.A, sA, sx, col, rowA);
    scaleRect(this.G, sG, sx, col, rowG);
  }

  meanColNormP(): number {
    if (this.n === 0) return 0;
    const col = new Float64Array(this.n);
    symUpperColNorms(this.Pu, this.n, col);
    let s = 0;
    for (let j = 0; j < this.n; j++) s += col[j]!;
    return s / this.n;
  }

  scaleP(gamma: number): void {
    const v = this.Pu.values;
    for (let q = 0; q < v.length; q++) v[q] *= gamma;
  }
}

export class SparseQpData extends QpData {
  readonly kind = 'sparse' as const;
  /** scaled P̃, upper triangle incl. diagonal (n × n) */
  readonly Pu: CscMatrix;
  /** scaled Ã (p × n) */
  readonly A: CscMatrix;
  /** scaled G̃ (m × n) */
  readonly G: CscMatrix;

  constructor(problem: QPProblem, ruizIterations: number, scaleCost: boolean) {
    const L = layout(problem);
    const n = L.n;
    const Pu = upperCsc(toCsc(problem.P));
    const A = problem.A && L.p > 0 ? copyCsc(toCsc(problem.A)) : emptyCsc(0, n);
    const G = problem.C && L.ineqRows.length > 0 ? selectRowsCsc(toCsc(problem.C), L.ineqRows) : emptyCsc(0, n);
    super(problem, L, new SparseEquilibrable(n, Pu, A, G), ruizIterations, scaleCost);
    this.Pu = Pu;
    this.A = A;
    this.G = G;
  }

  mulP(x: Float64Array, out: Float64Array): void {
    const { colPtr, rowIdx, values } = this.Pu;
    out.fill(0);
    for (let j = 0; j < this.n; j++) {
      const xj = x[j]!;
      let s = 0;
      for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) {
        const i = rowIdx[q]!;
        const v = values[q]!;
        if (i < j) {
          out[i] += v * xj;
          s += v * x[i]!;
        } else s += v * xj;
      }
      out[j] += s;
    }
  }

  private static mul(M: CscMatrix, x: Float64Array, out: Float64Array): void {
    out.fill(0);
    const { colPtr, rowIdx, values } = M;
    for (let j = 0; j < M.ncols; j++) {
      const xj = x[j]!;
      if (xj === 0) continue;
      for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) out[rowIdx[q]!] += values[q]! * xj;
    }
  }

  private static mulT(M: CscMatrix, y: Float64Array, out: Float64Array, accumulate: boolean): void {
    const { colPtr, rowIdx, values } = M;
    for (let j = 0; j < M.ncols; j++) {
      let s = 0;
      for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) s += values[q]! * y[rowIdx[q]!]!;
      out[j] = accumulate ? out[j]! + s : s;
    }
  }

  /** out = M v (scatter) and outT = Mᵀ w (column dots) in one sweep over the columns of M */
  private static mulBoth(M: CscMatrix, v: Float64Array, w: Float64Array, out: Float64Array, outT: Float64Array): void {
    out.fill(0);
    const { colPtr, rowIdx, values } = M;
    for (let j = 0; j < M.ncols; j++) {
      const vj = v[j]!;
      let s = 0;
      for (let q = colPtr[j]!, end = colPtr[j + 1]!; q < end; q++) {
        const i = rowIdx[q]!;
        const a = values[q]!;
        s += a * w[i]!;
        out[i] += a * vj;
      }
      outT[j] = s;
    }
  }

  residualProducts(x: Float64Array, y: Float64Array, z: Float64Array, Aty: Float64Array, Gtz: Float64Array, Ax: Float64Array, Gx: Float64Array): void {
    if (this.p > 0) SparseQpData.mulBoth(this.A, x, y, Ax, Aty);
    else Aty.fill(0);
    if (this.m > 0) SparseQpData.mulBoth(this.G, x, z, Gx, Gtz);
    else Gtz.fill(0);
  }

  mulA(x: Float64Array, out: Float64Array): void {
    SparseQpData.mul(this.A, x, out);
  }
  mulAT(y: Float64Array, out: Float64Array, accumulate: boolean): void {
    SparseQpData.mulT(this.A, y, out, accumulate);
  }
  mulG(x: Float64Array, out: Float64Array): void {
    SparseQpData.mul(this.G, x, out);
  }
  mulGT(z: Float64Array, out: Float64Array, accumulate: boolean): void {
    SparseQpData.mulT(this.G, z, out, accumulate);
  }
}

// =============================================================================================
// Dense storage
// =============================================================================================

/** Row-major copy of selected rows of M (all rows when `rows` is null). */
function denseRows(M: Matrix, rows: Int32Array | null): Float64Array {
  const D = toDense(M);
  const nr = rows ? rows.length : D.nrows;
  const out = new Float64Array(nr * D.ncols);
  for (let k = 0; k < nr; k++) {
    const r = rows ? rows[k]! : k;
    out.set(D.data.subarray(r * D.ncols, (r + 1) * D.ncols), k * D.ncols);
  }
  return out;
}

/** Equilibration view of the dense row-major matrices: P̃ (n × n, full symmetric), Ã (p × n), G̃ (m × n). */
class DenseEquilibrable implements Equilibrable {
  constructor(
    private readonly n: number,
    private readonly p: number,
    private readonly m: number,
    private readonly P: Float64Array,
    private readonly A: Float64Array,
    private readonly G: Float64Array,
  ) {}

  norms(col: Float64Array, rowA: Float64Array, rowG: Float64Array): void {
    const n = this.n;
    col.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = Math.abs(this.P[i * n + j]!);
        if (v > col[j]!) col[j] = v;
      }
    }
    for (const [M, rows, row] of [
      [this.A, this.p, rowA],
      [this.G, this.m, rowG],
    ] as const) {
      for (let i = 0; i < rows; i++) {
        let r = 0;
        for (let j = 0; j < n; j++) {
          const v = Math.abs(M[i * n + j]!);
          if (v > r) r = v;
          if (v > col[j]!) col[j] = v;
        }
        row[i] = r;
      }
    }
  }

  scale(sx: Float64Array, sA: Float64Array, sG: Float64Array, col: Float64Array, rowA: Float64Array, rowG: Float64Array): void {
    const n = this.n;
    const P = this.P;
    col.fill(0);
    for (let i = 0; i < n; i++) {
      const si = sx[i]!;
      const off = i * n;
      for (let j = 0; j < n; j++) {
        const v = P[off + j]! * si * sx[j]!;
        P[off + j] = v;
        const a = Math.abs(v);
        if (a > col[j]!) col[j] = a;
      }
    }
    for (let t = 0; t < 2; t++) {
      const M = t === 0 ? this.A : this.G;
      const rows = t === 0 ? this.p : this.m;
      const sr = t === 0 ? sA : sG;
      const row = t === 0 ? rowA : rowG;
      for (let i = 0; i < rows; i++) {
        const ri = sr[i]!;
        const off = i * n;
        let r = 0;
        for (let j = 0; j < n; j++) {
          const v = M[off + j]! * ri * sx[j]!;
          M[off + j] = v;
          const a = Math.abs(v);
          if (a > r) r = a;
          if (a > col[j]!) col[j] = a;
        }
        row[i] = r;
      }
    }
  }

  meanColNormP(): number {
    const n = this.n;
    if (n === 0) return 0;
    let s = 0;
    for (let j = 0; j < n; j++) {
      let cmax = 0;
      for (let i = 0; i < n; i++) cmax = Math.max(cmax, Math.abs(this.P[i * n + j]!));
      s += cmax;
    }
    return s / n;
  }

  scaleP(gamma: number): void {
    for (let q = 0; q < this.P.length; q++) this.P[q] *= gamma;
  }
}

export class DenseQpData extends QpData {
  readonly kind = 'dense' as const;
  /** scaled P̃, n × n row-major, symmetric (built from the upper triangle of the input) */
  readonly P: Float64Array;
  /** scaled Ã, p × n row-major */
  readonly A: Float64Array;
  /** scaled G̃, m × n row-major */
  readonly G: Float64Array;

  constructor(problem: QPProblem, ruizIterations: number, scaleCost: boolean) {
    const L = layout(problem);
    const n = L.n;
    const m = L.ineqRows.length;
    const P0 = toDense(problem.P).data;
    const P = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const v = P0[i * n + j]!;
        P[i * n + j] = v;
        P[j * n + i] = v;
      }
    }
    const A = problem.A && L.p > 0 ? denseRows(problem.A, null) : new Float64Array(0);
    const G = problem.C && m > 0 ? denseRows(problem.C, L.ineqRows) : new Float64Array(0);
    super(problem, L, new DenseEquilibrable(n, L.p, m, P, A, G), ruizIterations, scaleCost);
    this.P = P;
    this.A = A;
    this.G = G;
  }

  private static mul(M: Float64Array, rows: number, n: number, x: Float64Array, out: Float64Array): void {
    for (let i = 0; i < rows; i++) {
      let s = 0;
      const off = i * n;
      for (let j = 0; j < n; j++) s += M[off + j]! * x[j]!;
      out[i] = s;
    }
  }

  private static mulT(M: Float64Array, rows: number, n: number, y: Float64Array, out: Float64Array, accumulate: boolean): void {
    if (!accumulate) out.fill(0);
    for (let i = 0; i < rows; i++) {
      const yi = y[i]!;
      if (yi === 0) continue;
      const off = i * n;
      for (let j = 0; j < n; j++) out[j] += M[off + j]! * yi;
    }
  }

  mulP(x: Float64Array, out: Float64Array): void {
    DenseQpData.mul(this.P, this.n, this.n, x, out);
  }
  residualProducts(x: Float64Array, y: Float64Array, z: Float64Array, Aty: Float64Array, Gtz: Float64Array, Ax: Float64Array, Gx: Float64Array): void {
    this.mulAT(y, Aty, false);
    this.mulGT(z, Gtz, false);
    this.mulA(x, Ax);
    this.mulG(x, Gx);
  }
  mulA(x: Float64Array, out: Float64Array): void {
    DenseQpData.mul(this.A, this.p, this.n, x, out);
  }
  mulAT(y: Float64Array, out: Float64Array, accumulate: boolean): void {
    DenseQpData.mulT(this.A, this.p, this.n, y, out, accumulate);
  }
  mulG(x: Float64Array, out: Float64Array): void {
    DenseQpData.mul(this.G, this.m, this.n, x, out);
  }
  mulGT(z: Float64Array, out: Float64Array, accumulate: boolean): void {
    DenseQpData.mulT(this.G, this.m, this.n, z, out, accumulate);
  }
}
