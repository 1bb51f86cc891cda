/**
 * `dqp bench chain`: projection of 100 random points in R^k onto a cyclic chain with
 * ‖z_j − z_{j+1}‖∞ ≤ 1 (bench/generators.ts chainQP); n = 100·k, so --sizes must be multiples
 * of 100. Paper sizes 200 … 100 000.
 */
import { syntheticSuiteRunner, type SuiteDefaults } from './synthetic.ts';

export const DEFAULTS: SuiteDefaults = {
  family: 'chain',
  title: 'Projection onto a chain',
  sizes: [200, 500, 1000, 2000, 4000, 10000],
  samples: 5,
  solvers: ['ipm', 'admm'],
  timeLimit: 60,
};

/** run() honours options.signal (stops between problems, bench/synthetic.ts) */
export const interruptible = true;
export const run = syntheticSuiteRunner(DEFAULTS);
