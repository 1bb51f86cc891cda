/**
 * `dqp bench simplex`: projection onto the probability simplex (min ½‖z‖² + qᵀz, 1ᵀz = 1,
 * −z ≤ 0; bench/generators.ts simplexProjectionQP). Rows also report ‖z − z_exact‖∞ against
 * the closed-form sparsemax solution. Paper sizes 10 … 100 000 (--sizes).
 */
import { syntheticSuiteRunner, type SuiteDefaults } from './synthetic.ts';

export const DEFAULTS: SuiteDefaults = {
  family: 'simplex',
  title: 'Projection onto the simplex',
  sizes: [10, 100, 1000, 10000, 100000],
  samples: 5,
  solvers: ['ipm', 'admm'],
  timeLimit: 60,
};

/** run() honours options.signal (stops between problems, bench/synthetic.ts) */
export const interruptible = true;
export const run = syntheticSuiteRunner(DEFAULTS);
