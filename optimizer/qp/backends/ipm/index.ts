/**
 * `ipm`: the project's default QP backend, a proximal interior-point method after PIQP
 * (Schwan, Jiang, Kuhn, Jones, CDC 2023). Accuracy first: default tolerances epsAbs 1e-8,
 * epsRel 1e-9 on unscaled residuals and duality gap.
 *
 * Layout (the data flow):
 *   settings.ts  defaults + validation of QPSettings and the backend options (IPM_OPTION_NAMES)
 *   data.ts      internal scaled problem: Ruiz equilibration (+ optional cost scaling), sparse
 *                (CSC) or dense storage, finite bounds kept native (not as rows)
 *   kkt.ts       the regularized quasi-definite KKT system (interface, shared settings), and
 *   kkt-sparse.ts  SparseKkt (SparseLdl, symbolic analysis cached per pattern on the backend
 *                instance: KktPatternCache) / kkt-dense.ts  DenseKkt (DenseLinearSystem)
 *   solver.ts    the proximal method of multipliers + Mehrotra predictor–corrector iteration
 *   start.ts     cold and warm starting points
 *   termination.ts  residuals, convergence test, infeasibility certificates
 *   progress.ts, vectors.ts, workspace.ts   verbose lines, vector kernels, reusable vectors
 *   results.ts   unscaling to the user's space and dual convention, residuals
 *
 *   import { ipmBackend } from './optimizer/qp/backends/ipm/index.ts';
 *   const sol = ipmBackend.solve(problem, { epsAbs: 1e-9, options: { kktSolver: 'sparse' } });
 *
 * A new IpmBackend() has its own pattern cache (KKT structures with their symbolic analyses) and
 * its own workspace of solver vectors (reused by the next solve of the same sizes); `stats`
 * counts symbolic analyses and cache hits.
 */
import type { QPBackend, SolverCapabilities } from '../../backend.ts';
import type { QPProblem, QPSettings, QPSolution } from '../../types.ts';
import { INFINITE_BOUND } from '../../problem.ts';
import { DenseQpData, SparseQpData, type QpData } from './data.ts';
import { diagonallyDominantPsd } from '../convexity.ts';
import { log } from '../log.ts';
import type { KktSystem } from './kkt.ts';
import { DenseKkt } from './kkt-dense.ts';
import { KktPatternCache, SparseKkt } from './kkt-sparse.ts';
import { buildSolution, unscalePoint } from './results.ts';
import { checkWarmStart, IPM_OPTION_NAMES, resolveSettings, type IpmSettings } from './settings.ts';
import { IpmSolver, IpmWorkspace } from './solver.ts';

export { IPM_DEFAULTS, IPM_OPTION_NAMES, type IpmSettings, type KktSolverChoice } from './settings.ts';

const capabilities: SolverCapabilities = {
  dense: true,
  sparse: true,
  duals: true,
  warmStart: true,
  maxPracticalSize: 200_000,
  description: 'proximal interior-point method (PIQP-style), sparse or dense LDLᵀ; accurate, the default',
};

/** Counters of one backend instance (for tests and diagnostics). */
export interface IpmStats {
  /** symbolic analyses of sparse KKT patterns performed */
  readonly analyses: number;
  /** sparse solves whose KKT pattern was found in the cache */
  readonly cacheHits: number;
}

/** Whether the dense KKT path applies: requested, or 'auto' and every matrix dense. */
function useDense(problem: QPProblem, st: IpmSettings): boolean {
  if (st.kktSolver !== 'auto') return st.kktSolver === 'dense';
  const dense = (M: QPProblem['A']) => !M || M.format === 'dense';
  return problem.P.format === 'dense' && dense(problem.A) && dense(problem.C);
}

export class IpmBackend implements QPBackend {
  readonly name = 'ipm';
  readonly capabilities = capabilities;
  readonly optionNames: readonly string[] = IPM_OPTION_NAMES;
  private readonly cache = new KktPatternCache(8);
  private readonly workspace = new IpmWorkspace();

  isReady(): boolean {
    return true;
  }

  get stats(): IpmStats {
    return { analyses: this.cache.analyses, cacheHits: this.cache.hits };
  }

  /** Drop every cached symbolic analysis. */
  clearCache(): void {
    this.cache.clear();
  }

  solve(problem: QPProblem, settings: QPSettings): QPSolution {
    const t0 = performance.now();
    const st = resolveSettings(settings);
    checkWarmStart(st.warmStart, problem.q.length, problem.A ? problem.A.nrows : 0, problem.C ? problem.C.nrows : 0);
    this.cache.maxEntries = st.patternCacheSize;
    const dense = useDense(problem, st);
    const data: QpData = dense ? new DenseQpData(problem, st.ruizIterations, st.scaleCost) : new SparseQpData(problem, st.ruizIterations, st.scaleCost);
    // a row C_i z ≤ −∞ can never hold
    if (data.m > 0 && data.h.some((v, k) => v <= -INFINITE_BOUND * data.EG[k]!)) {
      const zero = new Float64Array(data.m);
      const point = unscalePoint(problem, data, new Float64Array(data.n), new Float64Array(data.p), zero, new Float64Array(data.nl), new Float64Array(data.nu));
      return buildSolution(problem, point, 'primal_infeasible', 0, performance.now() - t0, 0);
    }
    const kkt: KktSystem = data instanceof DenseQpData ? new DenseKkt(data) : new SparseKkt(data as SparseQpData, this.cache);
    // convexity (backends/convexity.ts): free for a diagonally dominant P, else one extra
    // numeric factorization of the KKT pattern the iteration uses anyway
    if (!diagonallyDominantPsd(problem.P) && !kkt.convexityCheck()) {
      if (st.verbose) log('ipm: P is not positive semidefinite on the nullspace of A: non_convex');
      const point = unscalePoint(problem, data, new Float64Array(data.n), new Float64Array(data.p), new Float64Array(data.m), new Float64Array(data.nl), new Float64Array(data.nu));
      return buildSolution(problem, point, 'non_convex', 0, performance.now() - t0, 0);
    }
    const t1 = performance.now();
    const out = new IpmSolver(data, kkt, st, t0, this.workspace).run();
    const t2 = performance.now();
    const point = unscalePoint(problem, data, out.x, out.y, out.z, out.zl, out.zu);
    return buildSolution(problem, point, out.status, out.iterations, t1 - t0, t2 - t1);
  }
}

/** The registered `ipm` backend (one shared pattern cache). */
export const ipmBackend = new IpmBackend();
