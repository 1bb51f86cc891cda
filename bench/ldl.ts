/**
 * `dqp bench ldl [--matrix FILE.mtx] [--json] [--samples R]`: the sparse LDLᵀ benchmark.
 *
 * Without --matrix: the reference mesh KKT (bench/mesh-kkt.ts, 31 284 rows), factored as a
 * quasi-definite system with its sign vector (+1 variables, −1 constraint rows), static
 * regularization 1e-8, dynamic regularization {eps 1e-12, delta 1e-7} and iterative refinement
 * against the unregularized K.
 * With --matrix: a symmetric Matrix Market file (read by optimizer/linalg/mtx.ts; a "general"
 * file must be numerically symmetric). No sign vector is known, so plain LDLᵀ on the AMD order
 * without regularization; a zero pivot is reported as such (ZeroPivotError names the column).
 *
 * Each repeat runs analyze (AMD order + symbolic) + factor + solve with rhs = ones. One extra
 * first run carries the JIT warm-up (V8 compiles the kernels while they run); it is reported
 * separately as the "cold" run and the printed figures are MEDIANS over the following repeats
 * (default 5, `--samples`). residual = ‖K x − r‖∞ / ‖r‖∞, totalMs = order + symbolic + factor.
 * --json prints one line:
 *   {"n","nnz","nnzL","orderMs","symbolicMs","factorMs","solveMs","totalMs","residual"}
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError, LinearAlgebraError } from '../optimizer/errors.ts';
import { cscSymUpperMatVec, cscTranspose, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import type { LdlOptions } from '../optimizer/linalg/ldl.ts';
import { readMatrixMarket } from '../optimizer/linalg/mtx.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { printJson, progress } from '../report/console.ts';
import type { BenchOptions } from './options.ts';
import { buildMeshKkt } from './mesh-kkt.ts';

export interface LdlBenchResult {
  n: number;
  nnz: number;
  nnzL: number;
  orderMs: number;
  symbolicMs: number;
  factorMs: number;
  solveMs: number;
  totalMs: number;
  residual: number;
  /** order + symbolic + factor of the first (cold, JIT warm-up) run, not part of the medians */
  coldTotalMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** K (full, from the reader) → its upper triangle, after checking that K is symmetric */
function symmetricUpper(M: CscMatrix, file: string): CscMatrix {
  if (M.nrows !== M.ncols) throw new InputError('--matrix', 'a square symmetric matrix', `${M.nrows}×${M.ncols} in ${file}`);
  const T = cscTranspose(M);
  const same =
    T.colPtr.every((v, i) => v === M.colPtr[i]) && T.rowIdx.every((v, i) => v === M.rowIdx[i]) && T.values.every((v, i) => v === M.values[i]);
  if (!same) throw new InputError('--matrix', 'a symmetric matrix (LDLᵀ)', `an unsymmetric matrix in ${file}`);
  return cscUpperTriangle(M);
}

/** Run the benchmark on upper-triangle K; returns medians. Throws LinearAlgebraError on failure. */
export function benchmarkLdl(K: CscMatrix, options: LdlOptions, repeats: number): LdlBenchResult {
  const n = K.ncols;
  const rhs = new Float64Array(n).fill(1);
  const order: number[] = [];
  const symbolic: number[] = [];
  const factor: number[] = [];
  const solve: number[] = [];
  let nnzL = 0;
  let residual = NaN;
  let coldTotalMs = NaN;
  for (let r = 0; r <= repeats; r++) {
    const ldl = SparseLdl.analyze(K, options);
    ldl.factor();
    const t0 = performance.now();
    const x = ldl.solve(rhs);
    const t1 = performance.now();
    if (r === 0) {
      coldTotalMs = ldl.timings.orderMs + ldl.timings.symbolicMs + ldl.timings.factorMs;
      continue;
    }
    order.push(ldl.timings.orderMs);
    symbolic.push(ldl.timings.symbolicMs);
    factor.push(ldl.timings.factorMs);
    solve.push(t1 - t0);
    nnzL = ldl.nnzL;
    const Kx = cscSymUpperMatVec(K, x);
    let res = 0;
    for (let i = 0; i < n; i++) res = Math.max(res, Math.abs(Kx[i]! - rhs[i]!));
    residual = res; // ‖r‖∞ = 1
  }
  const orderMs = median(order);
  const symbolicMs = median(symbolic);
  const factorMs = median(factor);
  return {
    n,
    nnz: K.colPtr[n]!,
    nnzL,
    orderMs,
    symbolicMs,
    factorMs,
    solveMs: median(solve),
    totalMs: median(order.map((o, i) => o + symbolic[i]! + factor[i]!)),
    residual,
    coldTotalMs,
  };
}

export async function run(options: BenchOptions): Promise<void> {
  const log = progress(options.quiet);
  const repeats = options.samples ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new InputError('--samples', 'an integer ≥ 1', String(options.samples));
  let K: CscMatrix;
  let ldlOptions: LdlOptions;
  let label: string;
  if (options.matrix !== undefined) {
    const file = options.matrix;
    const { matrix, symmetry } = readMatrixMarket(readFileSync(file, 'utf8'), file);
    if (symmetry === 'skew-symmetric') throw new InputError('--matrix', 'a symmetric matrix (LDLᵀ)', `a skew-symmetric matrix in ${file}`);
    K = symmetricUpper(matrix, file);
    ldlOptions = {};
    label = basename(file);
  } else {
    log('building the mesh KKT matrix (123×123 grid)…');
    const mesh = buildMeshKkt();
    K = mesh.K;
    ldlOptions = { signs: mesh.signs, staticReg: 1e-8, dynamicReg: { eps: 1e-12, delta: 1e-7 } };
    label = `mesh KKT (${mesh.nVars} variables, ${mesh.nEq} equalities, ${mesh.nIneq} extra rows)`;
  }
  log(`factoring ${label}: n = ${K.ncols}, nnz(upper K) = ${K.colPtr[K.ncols]}, ${repeats} repeats…`);
  let result: LdlBenchResult;
  try {
    result = benchmarkLdl(K, ldlOptions, repeats);
  } catch (e) {
    if (e instanceof LinearAlgebraError) {
      throw new LinearAlgebraError(`${label}: ${e.message} (plain LDLᵀ without pivoting or regularization on the AMD order)`);
    }
    throw e;
  }
  if (options.json) {
    const { coldTotalMs: _cold, ...keys } = result;
    printJson(keys);
    return;
  }
  const f = (x: number) => x.toFixed(1).padStart(8);
  process.stdout.write(
    [
      `LDLᵀ of ${label}`,
      `  n = ${result.n}, nnz(upper K) = ${result.nnz}, nnz(L) = ${result.nnzL}`,
      `  medians over ${repeats} repeats after one warm-up run (ms):`,
      `    order    ${f(result.orderMs)}`,
      `    symbolic ${f(result.symbolicMs)}`,
      `    factor   ${f(result.factorMs)}`,
      `    total    ${f(result.totalMs)}   (order + symbolic + factor)`,
      `    solve    ${f(result.solveMs)}   (incl. iterative refinement when regularized)`,
      `  first (cold, JIT warm-up) run: order + symbolic + factor = ${result.coldTotalMs.toFixed(1)} ms`,
      `  residual ‖Kx − r‖∞/‖r‖∞ = ${result.residual.toExponential(2)}`,
      '',
    ].join('\n'),
  );
}
