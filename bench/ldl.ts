/**
 * `dqp bench ldl [--grid N | --matrix FILE.mtx] [--ordering amd|nd|auto|natural] [--write-matrix FILE.mtx]
 *  [--baseline cholmod] [--json] [--samples R]`: the sparse LDLᵀ benchmark.
 *
 * Without --matrix: the mesh KKT of bench/mesh-kkt.ts (grid N × N, --grid, default 123 → 31 284
 * rows; 300 → 182 442 rows) with −1e-10 on the diagonal of its constraint block (quasi-definite),
 * factored as it is (no static regularization) with its sign vector (+1 variables, −1 constraint
 * rows) and dynamic regularization {eps 1e-12, delta 1e-7} as a safety net (it replaces no pivot
 * on these matrices, so no iterative refinement runs: the same plain LDLᵀ CHOLMOD computes).
 * With --matrix: a symmetric Matrix Market file (read by optimizer/linalg/mtx.ts; a "general"
 * file must be numerically symmetric). No sign vector is known, so plain LDLᵀ without
 * regularization; a zero pivot is reported as such (ZeroPivotError names the column).
 * --ordering: LdlOptions.ordering by name (LDL_ORDERINGS; default amd).
 * --write-matrix: the factored matrix as a symmetric Matrix Market file (lower triangle), written
 * through the command's output transaction (report/outputs.ts).
 * --baseline cholmod: the same matrix (written to a temporary file) factored by CHOLMOD's
 * simplicial LDLᵀ (and, for information, its supernodal LLᵀ, which fails on indefinite K)
 * through bench/baselines/cholmod_ldl.py with /usr/bin/python3 (cvxopt), same repeats; printed
 * beside our row with the ratios ours / CHOLMOD of factor time and of the totals (ours: order +
 * symbolic + factor; CHOLMOD: symbolic incl. its AMD ordering + numeric).
 *
 * Each repeat runs analyze (order + symbolic) + factor + solve with rhs = ones. One extra
 * first run carries the JIT warm-up (V8 compiles the kernels while they run); it is reported
 * separately as the "cold" run and the printed figures are MEDIANS over the following repeats
 * (default 5, `--samples`). residual = ‖K x − r‖∞ / ‖r‖∞ (residualRefined: after one step of iterative refinement with the same factor,
 * x += K⁻¹(r − K x), CHOLMOD's row likewise), totalMs = order + symbolic + factor.
 * analyzeCpuMs / factorCpuMs: CPU time of this process (user + system) in analyze and factor,
 * which a loaded machine disturbs less than wall time (CHOLMOD's row has the same).
 * --json prints one line:
 *   {"n","nnz","nnzL","orderMs","symbolicMs","factorMs","solveMs","totalMs","residual","residualRefined","analyzeCpuMs",
 *    "factorCpuMs"[,"cholmod": {"simplicial": {…}, "supernodal": {…}}]}
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputError, LinearAlgebraError } from '../optimizer/errors.ts';
import { cscSymUpperMatVec, cscTranspose, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { LDL_ORDERINGS, SparseLdl } from '../optimizer/linalg/ldl.ts';
import { baselinePython, baselineScript } from './baselines/locate.ts';
import type { LdlOptions } from '../optimizer/linalg/ldl.ts';
import { readMatrixMarket, writeMatrixMarket } from '../optimizer/linalg/mtx.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { printJson, progress } from '../report/console.ts';
import { writeFileAtomic } from '../report/outputs.ts';
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
  /** residual after one step of iterative refinement x += K̃⁻¹ (r − K x) with the same factor */
  residualRefined: number;
  /** CPU time (user + system, ms) of analyze (order + symbolic) and of factor: less disturbed by a loaded machine than wall time */
  analyzeCpuMs: number;
  factorCpuMs: number;
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

/** ‖K x − b‖∞ for upper-triangle K */
function residualInf(K: CscMatrix, x: Float64Array, b: Float64Array): number {
  const Kx = cscSymUpperMatVec(K, x);
  let res = 0;
  for (let i = 0; i < b.length; i++) res = Math.max(res, Math.abs(Kx[i]! - b[i]!));
  return res;
}

/** Run the benchmark on upper-triangle K; returns medians. Throws LinearAlgebraError on failure. */
export function benchmarkLdl(K: CscMatrix, options: LdlOptions, repeats: number): LdlBenchResult {
  const n = K.ncols;
  const rhs = new Float64Array(n).fill(1);
  const order: number[] = [];
  const symbolic: number[] = [];
  const factor: number[] = [];
  const solve: number[] = [];
  const analyzeCpu: number[] = [];
  const factorCpu: number[] = [];
  const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e3;
  let nnzL = 0;
  let residual = NaN;
  let residualRefined = NaN;
  let coldTotalMs = NaN;
  for (let r = 0; r <= repeats; r++) {
    const c0 = process.cpuUsage();
    const ldl = SparseLdl.analyze(K, options);
    const c1 = process.cpuUsage(c0);
    ldl.factor();
    const c2 = process.cpuUsage(c0);
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
    analyzeCpu.push(cpuMs(c1));
    factorCpu.push(cpuMs(c2) - cpuMs(c1));
    nnzL = ldl.nnzL;
    residual = residualInf(K, x, rhs); // ‖r‖∞ = 1
    const r1 = cscSymUpperMatVec(K, x).map((v, i) => rhs[i]! - v);
    const dx = ldl.solve(r1);
    for (let i = 0; i < n; i++) x[i] += dx[i]!;
    residualRefined = residualInf(K, x, rhs);
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
    residualRefined,
    analyzeCpuMs: median(analyzeCpu),
    factorCpuMs: median(factorCpu),
    coldTotalMs,
  };
}

/** The baselines of --baseline. */
export const LDL_BASELINES: readonly string[] = ['cholmod'];

/** Diagonal value of the constraint block of the benchmark's mesh KKT (quasi-definite). */
export const MESH_CONSTRAINT_DIAGONAL = -1e-10;

/** One factorization of bench/baselines/cholmod_ldl.py (a failed one carries `failed`). */
export interface CholmodRow {
  symbolicMs?: number;
  factorMs?: number;
  symbolicCpuMs?: number;
  factorCpuMs?: number;
  solveMs?: number;
  totalMs?: number;
  residual?: number;
  residualRefined?: number;
  nnzL?: number;
  failed?: string;
}

/** The mesh KKT at grid size `grid` with MESH_CONSTRAINT_DIAGONAL on its constraint diagonal. */
export function benchMeshKkt(grid: number): { K: CscMatrix; signs: Int8Array; label: string } {
  const mesh = buildMeshKkt({ gridSize: grid });
  const K = mesh.K;
  const values = K.values.slice();
  for (let j = mesh.nVars; j < K.ncols; j++) {
    const last = K.colPtr[j + 1]! - 1; // upper triangle, rows ascending: the diagonal is last
    if (last >= K.colPtr[j]! && K.rowIdx[last] === j) values[last] = MESH_CONSTRAINT_DIAGONAL;
  }
  return {
    K: { ...K, values },
    signs: mesh.signs,
    label: `mesh KKT ${grid}×${grid} (${mesh.nVars} variables, ${mesh.nEq} equalities, ${mesh.nIneq} extra rows)`,
  };
}

/** Run CHOLMOD (cvxopt) on the symmetric Matrix Market text; throws InputError naming --baseline. */
function runCholmod(mtx: string, repeats: number): { simplicial: CholmodRow; supernodal: CholmodRow } {
  const script = baselineScript('cholmod_ldl.py');
  const python = baselinePython();
  const dir = mkdtempSync(join(tmpdir(), 'dqp-ldl-'));
  try {
    const file = join(dir, 'K.mtx');
    writeFileSync(file, mtx);
    const r = spawnSync(python, [script, file, String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.error !== undefined || r.status !== 0) {
      const why = r.error !== undefined ? r.error.message : `exit code ${r.status}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
      throw new InputError('--baseline', `cholmod through ${python} with cvxopt and scipy (set DQP_PYTHON to choose another)`, why);
    }
    const line = r.stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as { simplicial: CholmodRow; supernodal: CholmodRow };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions): Promise<void> {
  const log = progress(options.quiet);
  const repeats = options.samples ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new InputError('--samples', 'an integer ≥ 1', String(options.samples));
  const ordering = options.ordering ?? 'amd';
  if (!LDL_ORDERINGS.includes(ordering)) throw new InputError('--ordering', `one of ${LDL_ORDERINGS.join(', ')}`, `"${ordering}"`);
  if (options.baseline !== undefined && !LDL_BASELINES.includes(options.baseline)) {
    throw new InputError('--baseline', `one of ${LDL_BASELINES.join(', ')}`, `"${options.baseline}"`);
  }
  if (options.matrix !== undefined && options.grid !== undefined) throw new InputError('--grid', 'no --matrix (one matrix per run)', `--grid ${options.grid} with --matrix`);
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
    const grid = options.grid ?? 123;
    log(`building the mesh KKT matrix (${grid}×${grid} grid)…`);
    const mesh = benchMeshKkt(grid);
    K = mesh.K;
    ldlOptions = { signs: mesh.signs, dynamicReg: { eps: 1e-12, delta: 1e-7 } };
    label = mesh.label;
  }
  ldlOptions = { ...ldlOptions, ordering: ordering as LdlOptions['ordering'] };
  const needText = options.writeMatrix !== undefined || options.baseline !== undefined;
  const mtx = needText ? writeMatrixMarket(K, { symmetric: true, comment: `${label}\nwritten by dqp bench ldl` }) : '';
  if (options.writeMatrix !== undefined) writeFileAtomic(options.writeMatrix, mtx, '--write-matrix');
  log(`factoring ${label}: n = ${K.ncols}, nnz(upper K) = ${K.colPtr[K.ncols]}, ordering ${ordering}, ${repeats} repeats…`);
  let result: LdlBenchResult;
  try {
    result = benchmarkLdl(K, ldlOptions, repeats);
  } catch (e) {
    if (e instanceof LinearAlgebraError) {
      throw new LinearAlgebraError(`${label}: ${e.message} (plain LDLᵀ without pivoting or regularization on the ${ordering} order)`);
    }
    throw e;
  }
  let cholmod: { simplicial: CholmodRow; supernodal: CholmodRow } | undefined;
  if (options.baseline === 'cholmod') {
    log(`factoring the same matrix with CHOLMOD (bench/baselines/cholmod_ldl.py), ${repeats} repeats…`);
    cholmod = runCholmod(mtx, repeats);
  }
  if (options.json) {
    const { coldTotalMs: _cold, ...keys } = result;
    printJson(cholmod === undefined ? keys : { ...keys, cholmod });
    return;
  }
  const f = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(1)).padStart(8);
  const lines = [
    `LDLᵀ of ${label}`,
    `  n = ${result.n}, nnz(upper K) = ${result.nnz}, nnz(L) = ${result.nnzL}, ordering ${ordering}`,
    `  medians over ${repeats} repeats after one warm-up run (ms):`,
    `    order    ${f(result.orderMs)}`,
    `    symbolic ${f(result.symbolicMs)}`,
    `    factor   ${f(result.factorMs)}`,
    `    total    ${f(result.totalMs)}   (order + symbolic + factor)`,
    `    solve    ${f(result.solveMs)}   (incl. iterative refinement when regularized)`,
    `  first (cold, JIT warm-up) run: order + symbolic + factor = ${result.coldTotalMs.toFixed(1)} ms`,
    `  residual ‖Kx − r‖∞/‖r‖∞ = ${result.residual.toExponential(2)} (${result.residualRefined.toExponential(2)} after one refinement step)`,
  ];
  if (cholmod !== undefined) {
    const row = (name: string, c: CholmodRow) =>
      c.failed !== undefined
        ? `  ${name.padEnd(25)} failed: ${c.failed}`
        : `  ${name.padEnd(25)}${f(c.symbolicMs)}${f(c.factorMs)}${f(c.totalMs)}${f(c.solveMs)}        ${f(c.symbolicCpuMs)}${f(c.factorCpuMs)}  ${(c.residual ?? NaN).toExponential(2)} (${(c.residualRefined ?? NaN).toExponential(2)})  ${c.nnzL ?? '—'}`;
    const s = cholmod.simplicial;
    lines.push(
      '',
      `  same matrix, same run; medians of ${repeats} (ms)     wall: order+symbolic  factor   total   solve   CPU: symbolic  factor  residual (refined)  nnz(L)`,
      `  ${'dqp SparseLdl'.padEnd(25)}${f(result.orderMs + result.symbolicMs)}${f(result.factorMs)}${f(result.totalMs)}${f(result.solveMs)}        ${f(result.analyzeCpuMs)}${f(result.factorCpuMs)}  ${result.residual.toExponential(2)} (${result.residualRefined.toExponential(2)})  ${result.nnzL}`,
      row('CHOLMOD simplicial LDLᵀ', s),
      row('CHOLMOD supernodal LLᵀ', cholmod.supernodal),
    );
    if (s.factorMs !== undefined && s.totalMs !== undefined) {
      const cpu =
        s.factorCpuMs !== undefined && s.symbolicCpuMs !== undefined
          ? `; CPU time: factor ${(result.factorCpuMs / s.factorCpuMs).toFixed(2)}×, total ${((result.analyzeCpuMs + result.factorCpuMs) / (s.symbolicCpuMs + s.factorCpuMs)).toFixed(2)}×`
          : '';
      lines.push(`  ours / CHOLMOD simplicial: wall time: factor ${(result.factorMs / s.factorMs).toFixed(2)}×, total ${(result.totalMs / s.totalMs).toFixed(2)}×${cpu}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}
