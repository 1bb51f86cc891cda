/**
 * `dqp bench mpc`: the 62 model-predictive-control QPs of qpbenchmark (benchmarks.md, family 6)
 * from ../shared/data/mpc_qpbenchmark/*.npz (relative to the repository root), read by readMpc
 * (optimizer/qp/readers.ts), solved by each solver (default: ipm) with a time limit per problem
 * (default 20 s), through the shared runner bench/file-suite.ts (rows, `solved` criterion,
 * output formats documented there).
 *
 *   npx dqp bench mpc --solver ipm --json
 */
import { readMpc } from '../optimizer/qp/readers.ts';
import { runFileSuite, type FileSuiteSpec } from './file-suite.ts';
import type { BenchOptions } from './options.ts';

export const SPEC: FileSuiteSpec = {
  suite: 'mpc',
  folder: '../shared/data/mpc_qpbenchmark',
  extension: '.npz',
  read: (path) => ({ problem: readMpc(path).problem, objectiveOffset: 0 }),
  defaultSolvers: ['ipm'],
  defaultTimeLimit: 20,
};

export async function run(options: BenchOptions): Promise<void> {
  await runFileSuite(SPEC, options);
}
