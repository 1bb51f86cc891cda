/**
 * `dqp bench mpc`: the 62 model-predictive-control QPs of qpbenchmark (benchmarks.md, family 6)
 * from ../shared/data/mpc_qpbenchmark/*.npz (relative to the repository root), read by readMpc
 * (optimizer/qp/readers.ts), differentiated through the dQP layer (forward dqpForward, backward
 * dqpBackward of loss Σz) with each solver (default: ipm), time limit 20 s per problem, solver
 * tolerances epsAbs 1e-9 / epsRel 0 (the dQP layer's; --eps-abs / --eps-rel override), through the
 * shared runner bench/file-suite.ts (rows, the paper's `solved` and the strict count, the
 * best-of-solvers summary, output formats documented there).
 *
 *   npx dqp bench mpc --solver ipm --json
 *   npx dqp bench mpc --solver ipm,admm,highs
 */
import { readMpc } from '../optimizer/qp/readers.ts';
import { runFileSuite, type FileSuiteSpec } from './file-suite.ts';
import type { BenchOptions, BenchOutcome } from './options.ts';

export const SPEC: FileSuiteSpec = {
  suite: 'mpc',
  folder: '../shared/data/mpc_qpbenchmark',
  extension: '.npz',
  read: (path) => ({ problem: readMpc(path).problem, objectiveOffset: 0 }),
  defaultSolvers: ['ipm'],
  defaultTimeLimit: 20,
  specModule: import.meta.url,
};

/** run() honours options.signal (stops the run in progress; bench/file-suite.ts) */
export const interruptible = true;

export async function run(options: BenchOptions): Promise<BenchOutcome> {
  const { interrupted } = await runFileSuite(SPEC, options);
  return { interrupted };
}
