/**
 * Seeded generators of the synthetic benchmark families (docs/benchmarks.md, paper App. G).
 * Every generator is a pure function of its size and seed: the same arguments always give the
 * same problem, bit for bit. All return a QPProblem (optimizer/qp/types.ts):
 *
 *   minimize ½ zᵀPz + qᵀz   s.t.  Az = b,  Cz ≤ d   (and lb ≤ z for the simplex "bounds" form)
 *
 * | family  | P                          | q        | C, d                      | A, b          | feasible point |
 * |---------|----------------------------|----------|---------------------------|---------------|----------------|
 * | dense   | QᵀQ + 1e-4·I, Q ~ U(0,1)   | U(0,1)   | n×n U(0,1), C·1 + 1       | ⌈n/2⌉×n U(0,1), A·1 | z = 1 (strict) |
 * | sparse  | LᵀL + ridge·I, L = k-NN graph Laplacian | N(0,1) | n×n N(0,1) @ 5e-4, C·1 + 1 | ⌈n/2⌉×n N(0,1) @ 5e-4, A·1 | z = 1 (strict) |
 * | simplex | I                          | N(0,1)   | −I, 0 (or lb = 0)         | 1ᵀ, 1         | z = 1/n        |
 * | chain   | M ⊗ I_k, M = ½I + TᵀT      | −x, x = 10·N(0,1) | ±(G₀ ⊗ I_k), 1  | none          | z = 0 (strict) |
 *
 * Dense families use DenseMatrix (row-major); sparse families CscMatrix with both triangles of
 * P stored. Sparse matrices are assembled from typed triplet arrays (cscFromTriplets), so the
 * cost is O(nnz) and n = 10⁵ takes well under a second.
 */
import { InputError } from '../optimizer/errors.ts';
import { cscFromTriplets, cscIdentity } from '../optimizer/linalg/csc.ts';
import type { CscMatrix, DenseMatrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { Rng, seedFrom } from '../optimizer/util/random.ts';

function checkSize(name: string, n: number, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new InputError(name, `an integer ≥ ${min}`, String(n));
}

// ---------------------------------------------------------------------------------------------
// 1. Random dense
// ---------------------------------------------------------------------------------------------

/**
 * Random dense QP (OptNet's benchmark family).
 *   P = QᵀQ + 1e-4·I   (n×n, Q_ij ~ U(0,1): symmetric positive definite)
 *   q ~ U(0,1)ⁿ
 *   C (m = n rows) ~ U(0,1),      d = C·1 + 1
 *   A (p = ⌈n/2⌉ rows) ~ U(0,1),  b = A·1
 * z = 1 satisfies Az = b and Cz = d − 1 < d (strictly feasible). Draw order: Q, q, C, A.
 * Cost O(n³/2) for QᵀQ (rank-one updates along the rows of Q, upper triangle, then mirrored).
 */
export function randomDenseQP(n: number, seed: number): QPProblem {
  checkSize('n', n);
  const rng = new Rng(seed);
  const Q = rng.fillUniform(new Float64Array(n * n));
  const P = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const row = r * n;
    for (let i = 0; i < n; i++) {
      const qi = Q[row + i]!;
      const pi = i * n;
      for (let j = i; j < n; j++) P[pi + j]! += qi * Q[row + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    P[i * n + i]! += 1e-4;
    for (let j = 0; j < i; j++) P[i * n + j] = P[j * n + i]!;
  }
  const q = rng.fillUniform(new Float64Array(n));
  const m = n;
  const p = Math.ceil(n / 2);
  const C = rng.fillUniform(new Float64Array(m * n));
  const A = rng.fillUniform(new Float64Array(p * n));
  const d = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 1;
    for (let j = 0; j < n; j++) s += C[i * n + j]!;
    d[i] = s;
  }
  const b = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]!;
    b[i] = s;
  }
  return {
    P: dense(n, n, P),
    q,
    C: dense(m, n, C),
    d,
    A: dense(p, n, A),
    b,
  };
}

function dense(nrows: number, ncols: number, data: Float64Array): DenseMatrix {
  return { format: 'dense', nrows, ncols, data };
}

// ---------------------------------------------------------------------------------------------
// 2. Random sparse
// ---------------------------------------------------------------------------------------------

export interface RandomSparseOptions {
  /** neighbours per point in the k-NN graph (default 3) */
  readonly k?: number;
  /** density of the random part of C and A (default 5e-4) */
  readonly density?: number;
  /** ridge added to LᵀL (default 1e-4; LᵀL is singular: constants per connected component) */
  readonly ridge?: number;
}

/**
 * Random sparse QP with an ill-conditioned, graph-structured P.
 *   points: n points in R², split evenly among 3 Gaussian blobs (centres U(−10,10)², σ = 1)
 *   L = D − W, the Laplacian of the symmetrized k-NN graph (unit weights), n×n
 *   P = LᵀL + ridge·I  (= L² + ridge·I, L symmetric; positive definite)
 *   q ~ N(0,1)ⁿ
 *   C (m = n), A (p = ⌈n/2⌉): N(0,1) entries at ⌈density·rows·n⌉ uniformly random positions
 *     (duplicates summed) PLUS one N(0,1) entry per row i in column π(i), π a random
 *     permutation of the columns: no row is empty, and each matrix generically has full row
 *     rank (its columns π(0..rows−1) carry a nonzero transversal).
 *   d = C·1 + 1, b = A·1  (z = 1 is strictly feasible).
 * Draw order: points, q, C, A.
 */
export function randomSparseQP(n: number, seed: number, options: RandomSparseOptions = {}): QPProblem {
  checkSize('n', n, 2);
  const k = options.k ?? 3;
  const density = options.density ?? 5e-4;
  const ridge = options.ridge ?? 1e-4;
  checkSize('k', k);
  if (k >= n) throw new InputError('k', `fewer neighbours than points (< ${n})`, String(k));
  if (!(density >= 0 && density <= 1)) throw new InputError('density', 'a number in [0, 1]', String(density));
  if (!(ridge > 0)) throw new InputError('ridge', 'a positive number', String(ridge));
  const rng = new Rng(seed);
  const pts = blobPoints(n, 3, rng);
  const L = knnLaplacian(pts, n, k);
  const P = gramPlusRidge(L, ridge);
  const q = rng.fillNormal(new Float64Array(n));
  const m = n;
  const p = Math.ceil(n / 2);
  const C = randomSparseRows(m, n, density, rng);
  const A = randomSparseRows(p, n, density, rng);
  return { P, q, C, d: rowSumsPlus(C, 1), A, b: rowSumsPlus(A, 0) };
}

/**
 * n points in R² (xy interleaved, length 2n), point i in blob i mod `blobs`; blob centres
 * U(−10, 10)², unit standard deviation.
 */
export function blobPoints(n: number, blobs: number, rng: Rng): Float64Array {
  const centres = rng.fillUniform(new Float64Array(2 * blobs), -10, 10);
  const pts = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = i % blobs;
    pts[2 * i] = centres[2 * c]! + rng.normal();
    pts[2 * i + 1] = centres[2 * c + 1]! + rng.normal();
  }
  return pts;
}

/**
 * Indices of the k nearest neighbours (Euclidean, excluding the point itself; ties by lower
 * index) of every point, by a uniform bucket grid searched in growing square rings.
 * Inputs: pts (length 2n, xy interleaved, not modified), n, k < n.
 * Output: Int32Array of length n·k, row i = neighbours of i sorted by distance.
 * Cost ≈ O(n·k) for well spread points (grid with ~2 points per cell).
 */
export function kNearestNeighbours(pts: Float64Array, n: number, k: number): Int32Array {
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = pts[2 * i]!, y = pts[2 * i + 1]!;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  const w = Math.max(xmax - xmin, 1e-12), hgt = Math.max(ymax - ymin, 1e-12);
  const h = Math.sqrt((w * hgt * 2) / n) || 1; // ~2 points per cell on average
  const gx = Math.max(1, Math.min(4096, Math.ceil(w / h)));
  const gy = Math.max(1, Math.min(4096, Math.ceil(hgt / h)));
  const cw = w / gx, ch = hgt / gy;
  const cellOf = (x: number, y: number): [number, number] => [
    Math.min(gx - 1, Math.floor((x - xmin) / cw)),
    Math.min(gy - 1, Math.floor((y - ymin) / ch)),
  ];
  // bucket the points (counting sort by cell)
  const start = new Int32Array(gx * gy + 1);
  const cell = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = cellOf(pts[2 * i]!, pts[2 * i + 1]!);
    cell[i] = cy * gx + cx;
    start[cell[i]! + 1]!++;
  }
  for (let c = 0; c < gx * gy; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, gx * gy);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[fill[cell[i]!]!++] = i;

  const out = new Int32Array(n * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  const minCell = Math.min(cw, ch);
  for (let i = 0; i < n; i++) {
    const x = pts[2 * i]!, y = pts[2 * i + 1]!;
    const cx = cell[i]! % gx, cy = (cell[i]! / gx) | 0;
    bestD.fill(Infinity);
    bestI.fill(-1);
    let found = 0;
    for (let r = 0; ; r++) {
      const x0 = cx - r, x1 = cx + r, y0 = cy - r, y1 = cy + r;
      for (let yy = Math.max(0, y0); yy <= Math.min(gy - 1, y1); yy++) {
        const onEdgeY = yy === y0 || yy === y1;
        for (let xx = Math.max(0, x0); xx <= Math.min(gx - 1, x1); xx++) {
          if (!onEdgeY && xx !== x0 && xx !== x1) continue; // ring only
          const c = yy * gx + xx;
          for (let t = start[c]!; t < start[c + 1]!; t++) {
            const j = members[t]!;
            if (j === i) continue;
            const dx = pts[2 * j]! - x, dy = pts[2 * j + 1]! - y;
            const dd = dx * dx + dy * dy;
            // insert into the sorted top-k list (ties broken by index)
            let pos = k;
            while (pos > 0 && (dd < bestD[pos - 1]! || (dd === bestD[pos - 1]! && j < bestI[pos - 1]!))) pos--;
            if (pos < k) {
              for (let s = k - 1; s > pos; s--) {
                bestD[s] = bestD[s - 1]!;
                bestI[s] = bestI[s - 1]!;
              }
              bestD[pos] = dd;
              bestI[pos] = j;
              if (found < k) found++;
            }
          }
        }
      }
      // every point outside rings 0..r lies at distance ≥ r·min(cw, ch) from (x, y)
      const covered = x0 <= 0 && y0 <= 0 && x1 >= gx - 1 && y1 >= gy - 1;
      const reach = r * minCell;
      if (covered || (found === k && bestD[k - 1]! <= reach * reach)) break;
    }
    for (let s = 0; s < k; s++) out[i * k + s] = bestI[s]!;
  }
  return out;
}

/**
 * Graph Laplacian L = D − W (n×n CSC, both triangles) of the symmetrized k-NN graph of the
 * points: i ~ j when j is among the k nearest of i or i among the k nearest of j; W_ij = 1.
 */
export function knnLaplacian(pts: Float64Array, n: number, k: number): CscMatrix {
  const nbr = kNearestNeighbours(pts, n, k);
  const T = 2 * n * k;
  const rows = new Int32Array(T);
  const cols = new Int32Array(T);
  const vals = new Float64Array(T).fill(1);
  for (let i = 0, t = 0; i < n; i++) {
    for (let s = 0; s < k; s++, t += 2) {
      const j = nbr[i * k + s]!;
      rows[t] = i;
      cols[t] = j;
      rows[t + 1] = j;
      cols[t + 1] = i;
    }
  }
  const W = cscFromTriplets(n, n, rows, cols, vals); // mutual neighbours summed to 2: reset below
  const nzW = W.colPtr[n]!;
  const lr = new Int32Array(nzW + n);
  const lc = new Int32Array(nzW + n);
  const lv = new Float64Array(nzW + n);
  let t = 0;
  for (let j = 0; j < n; j++) {
    const deg = W.colPtr[j + 1]! - W.colPtr[j]!;
    for (let e = W.colPtr[j]!; e < W.colPtr[j + 1]!; e++) {
      lr[t] = W.rowIdx[e]!;
      lc[t] = j;
      lv[t++] = -1;
    }
    lr[t] = j;
    lc[t] = j;
    lv[t++] = deg;
  }
  return cscFromTriplets(n, n, lr, lc, lv);
}

/**
 * LᵀL + ridge·I for a SYMMETRIC CSC L (so LᵀL = L·L): column j of L·L is Σ_k L_kj · L(:,k).
 * Output n×n CSC, both triangles. Entries (i,j) and (j,i) are sums of the same products; for
 * an integer Laplacian every product and sum is exact, so the result is exactly symmetric.
 */
export function gramPlusRidge(L: CscMatrix, ridge: number): CscMatrix {
  const n = L.ncols;
  const { colPtr, rowIdx, values } = L;
  let T = n;
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
      const kk = rowIdx[e]!;
      T += colPtr[kk + 1]! - colPtr[kk]!;
    }
  }
  const rows = new Int32Array(T);
  const cols = new Int32Array(T);
  const vals = new Float64Array(T);
  let t = 0;
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
      const kk = rowIdx[e]!;
      const lkj = values[e]!;
      for (let f = colPtr[kk]!; f < colPtr[kk + 1]!; f++) {
        rows[t] = rowIdx[f]!;
        cols[t] = j;
        vals[t++] = values[f]! * lkj;
      }
    }
    rows[t] = j;
    cols[t] = j;
    vals[t++] = ridge;
  }
  return cscFromTriplets(n, n, rows, cols, vals);
}

/**
 * rows×ncols CSC with N(0,1) values: ⌈density·rows·ncols⌉ uniformly random positions (duplicates
 * summed) plus one entry per row i at column π(i mod ncols), π a random permutation of the
 * columns. Every row is nonempty.
 */
export function randomSparseRows(nrows: number, ncols: number, density: number, rng: Rng): CscMatrix {
  const extra = Math.ceil(density * nrows * ncols);
  const T = extra + nrows;
  const rows = new Int32Array(T);
  const cols = new Int32Array(T);
  const vals = new Float64Array(T);
  for (let t = 0; t < extra; t++) {
    rows[t] = rng.int(nrows);
    cols[t] = rng.int(ncols);
    vals[t] = rng.normal();
  }
  const perm = rng.permutation(ncols);
  for (let i = 0; i < nrows; i++) {
    rows[extra + i] = i;
    cols[extra + i] = perm[i % ncols]!;
    vals[extra + i] = rng.normal();
  }
  return cscFromTriplets(nrows, ncols, rows, cols, vals);
}

/** M·1 + shift (length M.nrows). */
function rowSumsPlus(M: CscMatrix, shift: number): Float64Array {
  const out = new Float64Array(M.nrows).fill(shift);
  for (let e = 0; e < M.colPtr[M.ncols]!; e++) out[M.rowIdx[e]!]! += M.values[e]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. Projection onto the probability simplex
// ---------------------------------------------------------------------------------------------

export interface SimplexOptions {
  /**
   * How z ≥ 0 is written. 'rows' (default, as in the paper): C = −I (n×n CSC), d = 0, so the
   * nonnegativity multipliers are `mu` and the dQP active set covers them. 'bounds': lb = 0,
   * no C (the bound multipliers come back as muLb; boundsToRows converts to the 'rows' form).
   */
  readonly nonnegativity?: 'rows' | 'bounds';
}

/**
 * Euclidean projection of −q onto the probability simplex as a QP:
 *   min ½‖z‖² + qᵀz   s.t.  1ᵀz = 1,  z ≥ 0,     q ~ N(0,1)ⁿ.
 * P = I (CSC), A = 1ᵀ (1×n CSC), b = [1]. Exact answer: simplexProjectionExact(q).
 */
export function simplexProjectionQP(n: number, seed: number, options: SimplexOptions = {}): QPProblem {
  checkSize('n', n);
  const form = options.nonnegativity ?? 'rows';
  if (form !== 'rows' && form !== 'bounds') throw new InputError('nonnegativity', "'rows' or 'bounds'", String(form));
  const rng = new Rng(seed);
  const q = rng.fillNormal(new Float64Array(n));
  const colPtr = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) colPtr[j] = j;
  const A: CscMatrix = { format: 'csc', nrows: 1, ncols: n, colPtr, rowIdx: new Int32Array(n), values: new Float64Array(n).fill(1) };
  const base = { P: cscIdentity(n), q, A, b: new Float64Array([1]) };
  if (form === 'bounds') return { ...base, lb: new Float64Array(n) };
  return { ...base, C: cscIdentity(n, -1), d: new Float64Array(n) };
}

/** The exact solution of the simplex projection QP with its multipliers. */
export interface SimplexSolution {
  /** length n, z = max(−q − τ, 0), Σz = 1 */
  readonly z: Float64Array;
  /** length 1, λ = τ (multiplier of 1ᵀz = 1) */
  readonly lambda: Float64Array;
  /** length n, μ = max(q + τ, 0) ≥ 0, the multiplier of −z ≤ 0 (or of the bound z ≥ 0) */
  readonly mu: Float64Array;
  /** the threshold τ */
  readonly tau: number;
  /** number of positive entries of z */
  readonly support: number;
}

/**
 * Sparsemax: the closed-form solution of min ½‖z‖² + qᵀz s.t. 1ᵀz = 1, z ≥ 0.
 * With v = −q sorted decreasingly (v₍₁₎ ≥ v₍₂₎ ≥ …), ρ = max{ j : v₍ⱼ₎ − (Σ_{i≤j} v₍ᵢ₎ − 1)/j > 0 },
 * τ = (Σ_{i≤ρ} v₍ᵢ₎ − 1)/ρ and z = max(v − τ, 0). KKT in the convention of types.ts
 * (P z + q + Aᵀλ + Cᵀμ = 0 with A = 1ᵀ, C = −I):  z + q + λ·1 − μ = 0, so λ = τ and
 * μ = z + q + τ = max(q + τ, 0). Cost O(n log n). Input q (length n ≥ 1) not modified.
 */
export function simplexProjectionExact(q: Float64Array): SimplexSolution {
  const n = q.length;
  if (n === 0) throw new InputError('q', 'a nonempty vector', 'length 0');
  for (let i = 0; i < n; i++) if (!Number.isFinite(q[i]!)) throw new InputError(`q[${i}]`, 'a finite number', String(q[i]));
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = -q[i]!;
  v.sort();
  let cum = 0;
  let tau = 0;
  let rho = 0;
  for (let j = 1; j <= n; j++) {
    const vj = v[n - j]!; // j-th largest
    cum += vj;
    const t = (cum - 1) / j;
    if (vj - t > 0) {
      rho = j;
      tau = t;
    }
  }
  const z = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = -q[i]! - tau;
    if (s > 0) z[i] = s;
    else mu[i] = -s;
  }
  return { z, lambda: new Float64Array([tau]), mu, tau, support: rho };
}

// ---------------------------------------------------------------------------------------------
// 4. Projection onto a cyclic chain
// ---------------------------------------------------------------------------------------------

export interface ChainOptions {
  /** number of points m (default 100, ≥ 3) */
  readonly points?: number;
}

/**
 * Projection of m random points in R^k onto the set of chains with ‖z_j − z_{j+1}‖∞ ≤ 1
 * (cyclic: z_{m+1} = z_1), with a smoothing term. Variables z = (z_1, …, z_m), point-major:
 * coordinate c of point j is z[j·k + c]; n = m·k.
 *   P = M ⊗ I_k,  M = ½I_m + TᵀT,  T = tridiag(−1, 2, −1) (m×m, NOT cyclic)
 *   q = −x, x = 10·N(0,1)ⁿ (drawn point by point)
 *   C = [G₀ ⊗ I_k; −(G₀ ⊗ I_k)] (2n × n), d = 1, with G₀ = I − S (m×m), S the cyclic shift
 *       (row j of G₀ is e_j − e_{(j+1) mod m})
 *   no equalities. z = 0 is strictly feasible.
 */
export function chainQP(k: number, seed: number, options: ChainOptions = {}): QPProblem {
  checkSize('k', k);
  const m = options.points ?? 100;
  checkSize('points', m, 3);
  const n = m * k;
  // M = ½I + TᵀT, pentadiagonal; M_ij for |i − j| ≤ 2
  const Mband = (i: number, j: number): number => {
    let s = i === j ? 0.5 : 0;
    for (let r = Math.max(0, i - 1, j - 1); r <= Math.min(m - 1, i + 1, j + 1); r++) s += tri(r, i) * tri(r, j);
    return s;
  };
  const pRows: number[] = [], pCols: number[] = [], pVals: number[] = [];
  for (let j = 0; j < m; j++) {
    for (let i = Math.max(0, j - 2); i <= Math.min(m - 1, j + 2); i++) {
      const v = Mband(i, j);
      if (v !== 0) {
        pRows.push(i);
        pCols.push(j);
        pVals.push(v);
      }
    }
  }
  const P = kronIdentity(m, m, Int32Array.from(pRows), Int32Array.from(pCols), Float64Array.from(pVals), k);
  // G₀: (j, j) = 1, (j, (j+1) mod m) = −1; stacked with its negative
  const gRows = new Int32Array(4 * m), gCols = new Int32Array(4 * m), gVals = new Float64Array(4 * m);
  for (let j = 0; j < m; j++) {
    const nxt = (j + 1) % m;
    gRows.set([j, j, m + j, m + j], 4 * j);
    gCols.set([j, nxt, j, nxt], 4 * j);
    gVals.set([1, -1, -1, 1], 4 * j);
  }
  const C = kronIdentity(2 * m, m, gRows, gCols, gVals, k);
  const rng = new Rng(seed);
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = -10 * rng.normal();
  return { P, q, C, d: new Float64Array(2 * n).fill(1) };
}

/** tridiag(−1, 2, −1) entry (r, c) */
function tri(r: number, c: number): number {
  return r === c ? 2 : Math.abs(r - c) === 1 ? -1 : 0;
}

/** (B ⊗ I_k) as CSC, B given as (rows × cols) triplets. Entry (i·k + c, j·k + c) = B_ij. */
function kronIdentity(rows: number, cols: number, bi: Int32Array, bj: Int32Array, bv: Float64Array, k: number): CscMatrix {
  const T = bi.length * k;
  const r = new Int32Array(T), c = new Int32Array(T), v = new Float64Array(T);
  for (let e = 0, t = 0; e < bi.length; e++) {
    const i0 = bi[e]! * k, j0 = bj[e]! * k, val = bv[e]!;
    for (let s = 0; s < k; s++, t++) {
      r[t] = i0 + s;
      c[t] = j0 + s;
      v[t] = val;
    }
  }
  return cscFromTriplets(rows * k, cols * k, r, c, v);
}

// ---------------------------------------------------------------------------------------------
// Families for the suites
// ---------------------------------------------------------------------------------------------

export const FAMILIES = ['dense', 'sparse', 'simplex', 'chain'] as const;
export type Family = (typeof FAMILIES)[number];

/** Paper sizes n per family (benchmarks.md). */
export const PAPER_SIZES: Readonly<Record<Family, readonly number[]>> = {
  dense: [10, 20, 50, 100, 220, 450, 1000, 2100, 4600],
  sparse: [100, 220, 450, 1000, 2100, 4600, 10000],
  simplex: [10, 20, 50, 100, 220, 450, 1000, 2100, 4600, 10000, 100000],
  chain: [200, 500, 1000, 2000, 4000, 10000, 100000],
};

/** One generated benchmark problem. */
export interface GeneratedProblem {
  readonly family: Family;
  /** e.g. "chain-n1000-3" */
  readonly name: string;
  readonly n: number;
  /** the seed the generator got: seedFrom(family, n, index) */
  readonly seed: number;
  readonly problem: QPProblem;
  /** exact solution when known (simplex) */
  readonly exact?: { readonly z: Float64Array; readonly lambda: Float64Array; readonly mu: Float64Array };
}

/**
 * Problem number `index` (0, 1, …) of size n of a family. For the chain family n must be a
 * multiple of the point count 100 (k = n / 100). Deterministic in (family, n, index).
 */
export function generateProblem(family: Family, n: number, index: number): GeneratedProblem {
  checkSize('n', n);
  checkSize('index', index, 0);
  const seed = seedFrom(family, n, index);
  const name = `${family}-n${n}-${index}`;
  switch (family) {
    case 'dense':
      return { family, name, n, seed, problem: randomDenseQP(n, seed) };
    case 'sparse':
      return { family, name, n, seed, problem: randomSparseQP(n, seed) };
    case 'simplex': {
      const problem = simplexProjectionQP(n, seed);
      const ex = simplexProjectionExact(problem.q);
      return { family, name, n, seed, problem, exact: { z: ex.z, lambda: ex.lambda, mu: ex.mu } };
    }
    case 'chain': {
      if (n % 100 !== 0) throw new InputError('n', 'a multiple of 100 for the chain family (n = 100·k)', String(n));
      return { family, name, n, seed, problem: chainQP(n / 100, seed) };
    }
    default:
      throw new InputError('family', FAMILIES.join(', '), String(family));
  }
}
