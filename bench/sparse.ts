/**
 * `dqp bench sparse`: random sparse QPs (P = LᵀL + 1e-4 I with L a 3-NN graph Laplacian,
 * N(0,1) constraints at density 5e-4 with no empty rows; bench/generators.ts randomSparseQP).
 * Ill-conditioned reduced KKT systems are expected. Paper sizes 100 … 10 000 (--sizes); the
 * default stops at 1000 so a run takes a few minutes (n = 2100 takes ~30 s per problem here).
 */
import { syntheticSuiteRunner, type SuiteDefaults } from './synthetic.ts';

export const DEFAULTS: SuiteDefaults = {
  family: 'sparse',
  title: 'Random sparse QP',
  sizes: [100, 220, 450, 1000],
  samples: 5,
  solvers: ['ipm', 'admm'],
  timeLimit: 60,
};

/** run() honours options.signal (stops between problems, bench/synthetic.ts) */
export const interruptible = true;
export const run = syntheticSuiteRunner(DEFAULTS);
