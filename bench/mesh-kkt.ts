/**
 * The reference mesh KKT matrix of the sparse-factorization benchmark (docs/benchmarks.md):
 *
 *     K = [ P   Bᵀ ]     P = blockdiag(M, M)  (2V × 2V),  M = cotan Laplacian + 1e-4·I  (V × V, SPD)
 *         [ B   0  ]     B = [ E ; G ]        E: one row per boundary coordinate (x and y pinned)
 *                                             G: 2 rows per selected boundary vertex (see below)
 *
 * Mesh: an m × m grid of the unit square (m = 123 → V = 15 129 vertices, 488 on the boundary),
 * interior vertices jittered by ±jitter·h (seeded), each grid cell split into two triangles along
 * the (i,j)–(i+1,j+1) diagonal. The jitter makes every cotan weight nonzero (on the exact grid the
 * diagonal edges have cot 90° = 0 weight). The cotan Laplacian (the P1 stiffness matrix,
 *   L_ab = −½ (cot α_ab + cot β_ab),  L_aa = −Σ_b L_ab)
 * is positive semidefinite for any non-degenerate triangulation; + 1e-4·I makes M definite.
 *
 * G ("inequality-like" rows): at `nPatches` boundary vertices spread evenly along the boundary,
 * with outward normal n and tangent t, the rows
 *     −Σ_{v ∈ S} [n_x M(v,:),  n_y M(v,:)]   and   −Σ_{v ∈ S} [t_x M(v,:),  t_y M(v,:)],
 * where S = vertices within `patchRadius` of the selected vertex: a normal/tangential load over a
 * boundary patch. The default radius gives ≈ 580 nonzeros per row, so that the whole matrix has
 * ≈ 151k nonzeros in its upper triangle like the reference matrix (31 284 rows, 152 858 nonzeros).
 *
 * Output K is the UPPER TRIANGLE (incl. diagonal) in CSC, n = 2V + nEq + nIneq; the (2,2) block's
 * diagonal is stored as explicit zeros. signs: +1 for the 2V variables, −1 for the nEq + nIneq rows.
 */
import { mulberry32 } from '../optimizer/util/random.ts';
import { cscFromTriplets } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';

export interface MeshKktOptions {
  /** grid points per side (default 123) */
  gridSize?: number;
  /** interior jitter amplitude as a fraction of the grid spacing (default 0.2) */
  jitter?: number;
  /** RNG seed (default 1) */
  seed?: number;
  /** boundary vertices with 2 patch rows each (default 25) */
  nPatches?: number;
  /** patch radius in units of the square side (default 0.15) */
  patchRadius?: number;
}

export interface MeshKkt {
  /** upper triangle of K, (nVars + nEq + nIneq) square */
  K: CscMatrix;
  nVars: number;
  nEq: number;
  nIneq: number;
  /** +1 for variables, −1 for constraint rows */
  signs: Int8Array;
}

export function buildMeshKkt(options: MeshKktOptions = {}): MeshKkt {
  const m = options.gridSize ?? 123;
  const jitter = options.jitter ?? 0.2;
  const rand = mulberry32(options.seed ?? 1);
  const nPatches = options.nPatches ?? 25;
  const radius = options.patchRadius ?? 0.15;
  const V = m * m;
  const h = 1 / (m - 1);
  const X = new Float64Array(V);
  const Y = new Float64Array(V);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const v = i * m + j;
      const interior = i > 0 && i < m - 1 && j > 0 && j < m - 1;
      X[v] = j * h + (interior ? (2 * rand() - 1) * jitter * h : 0);
      Y[v] = i * h + (interior ? (2 * rand() - 1) * jitter * h : 0);
    }
  }
  // ---- cotan Laplacian, full symmetric triplets ----
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const diag = new Float64Array(V).fill(1e-4);
  const addEdge = (a: number, b: number, wgt: number): void => {
    rows.push(a, b);
    cols.push(b, a);
    vals.push(-wgt, -wgt);
    diag[a] += wgt;
    diag[b] += wgt;
  };
  const tri = (a: number, b: number, c: number): void => {
    const corner = [a, b, c];
    for (let k = 0; k < 3; k++) {
      const o = corner[k]!;
      const p = corner[(k + 1) % 3]!;
      const q = corner[(k + 2) % 3]!;
      const ux = X[p]! - X[o]!;
      const uy = Y[p]! - Y[o]!;
      const vx = X[q]! - X[o]!;
      const vy = Y[q]! - Y[o]!;
      const cot = (ux * vx + uy * vy) / Math.abs(ux * vy - uy * vx);
      addEdge(p, q, 0.5 * cot);
    }
  };
  for (let i = 0; i + 1 < m; i++) {
    for (let j = 0; j + 1 < m; j++) {
      const a = i * m + j;
      const b = a + 1;
      const c = a + m;
      const d = c + 1;
      tri(a, b, d);
      tri(a, d, c);
    }
  }
  for (let v = 0; v < V; v++) {
    rows.push(v);
    cols.push(v);
    vals.push(diag[v]!);
  }
  const M = cscFromTriplets(V, V, rows, cols, vals); // full symmetric, duplicates summed

  // ---- boundary loop (counter-clockwise), normals ----
  const boundary: number[] = [];
  for (let j = 0; j < m - 1; j++) boundary.push(j); // bottom
  for (let i = 0; i < m - 1; i++) boundary.push(i * m + m - 1); // right
  for (let j = m - 1; j > 0; j--) boundary.push((m - 1) * m + j); // top
  for (let i = m - 1; i > 0; i--) boundary.push(i * m); // left
  const normalOf = (v: number): [number, number] => {
    const i = Math.floor(v / m);
    const j = v % m;
    let nx = (j === m - 1 ? 1 : 0) - (j === 0 ? 1 : 0);
    let ny = (i === m - 1 ? 1 : 0) - (i === 0 ? 1 : 0);
    const l = Math.hypot(nx, ny);
    nx /= l;
    ny /= l;
    return [nx, ny];
  };

  const nVars = 2 * V;
  const nEq = 2 * boundary.length;
  const nIneq = 2 * nPatches;
  const n = nVars + nEq + nIneq;
  const kr: number[] = [];
  const kc: number[] = [];
  const kv: number[] = [];
  // P = blockdiag(M, M), upper triangle
  for (let v = 0; v < V; v++) {
    for (let p = M.colPtr[v]!; p < M.colPtr[v + 1]!; p++) {
      const u = M.rowIdx[p]!;
      if (u > v) break;
      kr.push(u, V + u);
      kc.push(v, V + v);
      kv.push(M.values[p]!, M.values[p]!);
    }
  }
  // E: pin x and y of every boundary vertex (column nVars + r holds row r of B)
  let r = nVars;
  for (const v of boundary) {
    kr.push(v, r);
    kc.push(r, r);
    kv.push(1, 0);
    r++;
    kr.push(V + v, r);
    kc.push(r, r);
    kv.push(1, 0);
    r++;
  }
  // G: patch rows
  for (let s = 0; s < nPatches; s++) {
    const c = boundary[Math.floor((s * boundary.length) / nPatches)]!;
    const [nx, ny] = normalOf(c);
    const tx = -ny;
    const ty = nx;
    for (const [ax, ay] of [
      [nx, ny],
      [tx, ty],
    ] as const) {
      for (let v = 0; v < V; v++) {
        if (Math.hypot(X[v]! - X[c]!, Y[v]! - Y[c]!) > radius) continue;
        for (let p = M.colPtr[v]!; p < M.colPtr[v + 1]!; p++) {
          const u = M.rowIdx[p]!;
          const mv = M.values[p]!;
          if (ax !== 0) {
            kr.push(u);
            kc.push(r);
            kv.push(-ax * mv);
          }
          if (ay !== 0) {
            kr.push(V + u);
            kc.push(r);
            kv.push(-ay * mv);
          }
        }
      }
      kr.push(r);
      kc.push(r);
      kv.push(0);
      r++;
    }
  }
  const K = cscFromTriplets(n, n, kr, kc, kv);
  const signs = new Int8Array(n);
  signs.fill(1, 0, nVars);
  signs.fill(-1, nVars);
  return { K, nVars, nEq, nIneq, signs };
}
