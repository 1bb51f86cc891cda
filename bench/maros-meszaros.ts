/**
 * `dqp bench maros-meszaros`: the 137 Maros–Meszaros convex QPs (benchmarks.md, family 5) from
 * ../shared/data/maros_meszaros/*.mat (relative to the repository root), read by
 * readMarosMeszaros (optimizer/qp/readers.ts), differentiated through the dQP layer (forward
 * dqpForward, backward dqpBackward of loss Σz) with each solver (default: ipm), through the shared
 * runner bench/file-suite.ts (rows, the paper's `solved` and the strict count, the
 * best-of-solvers summary, output formats documented there). The reported objective includes
 * the file's constant r (which does not enter the gradients).
 *
 * Defaults: time limit 60 s per problem (forward + backward, as in the paper's count); solver
 * tolerances epsAbs 1e-9, epsRel 0 (the dQP layer's; --eps-abs / --eps-rel override). Measured
 * with ipm over all 137 problems (time limit 60 s, the same machine, one after the other):
 * 1e-9 / 0 gives 131 solved (paper criterion) and 130 strict, accuracy < 1e-5 on 123 problems,
 * and accuracy < 1 on QFORPLAN, QGFRDXPN, HUESTIS, POWELL20, QSHELL, QPILOTNO; the ipm's own
 * defaults 1e-8 / 1e-9 (relative duality gap) give 115 solved, 97 strict, accuracy < 1e-5 on 79
 * (the absolute r_g of objectives ~1e6–1e12 stays ≥ 1 on 17 problems, and the looser points give
 * larger dual residuals once μ is restricted to the active set), for about 1.5× less time
 * (sum of total times over the problems both solve: 341 s vs 247 s). ADMM (82 problems with
 * n ≤ 1500, 20 s): 49 solved at 1e-9 / 0, 48 at 1e-5 / 1e-5 (polishing makes both accurate).
 * With the sparse least-squares path of the dQP layer (reduced-kkt.ts: 'lstsq-sparse',
 * 'regularized-ldl', the fill check of kktOrdering), ipm at 1e-9 / 0: 135 solved, 134 strict;
 * unsolved CVXQP1_L and CVXQP3_L (the ipm solve alone reaches 60 s). The backward pass over the
 * 131 problems solved before took 3.9 s in total instead of 282 s (median 3.4 ms instead of
 * 75 ms); CONT-201, CVXQP2_L (backward) and BOYD2, CONT-300 (factorization in the forward) now
 * finish within the limit.
 *
 *   npx dqp bench maros-meszaros --solver ipm --problems HS21,QAFIRO --json
 *   npx dqp bench maros-meszaros --solver ipm,admm,highs --json
 */
import { readMarosMeszaros } from '../optimizer/qp/readers.ts';
import { runFileSuite, type FileSuiteSpec } from './file-suite.ts';
import type { BenchOptions, BenchOutcome } from './options.ts';

export const SPEC: FileSuiteSpec = {
  suite: 'maros-meszaros',
  folder: '../shared/data/maros_meszaros',
  extension: '.mat',
  read: (path) => {
    const mm = readMarosMeszaros(path);
    return { problem: mm.problem, objectiveOffset: mm.r };
  },
  defaultSolvers: ['ipm'],
  defaultTimeLimit: 60,
  specModule: import.meta.url,
};

/** run() honours options.signal (stops the run in progress; bench/file-suite.ts) */
export const interruptible = true;

export async function run(options: BenchOptions): Promise<BenchOutcome> {
  const { interrupted } = await runFileSuite(SPEC, options);
  return { interrupted };
}
