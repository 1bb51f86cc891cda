/**
 * `dqp bench dense`: random dense QPs (P = QᵀQ + 1e-4 I, m = n inequalities, ⌈n/2⌉ equalities;
 * bench/generators.ts randomDenseQP), forward + backward through the dQP layer per solver.
 * Paper sizes: 10 … 4600 (--sizes); the default stops at 450 so a run takes a few minutes.
 */
import { syntheticSuiteRunner, type SuiteDefaults } from './synthetic.ts';

export const DEFAULTS: SuiteDefaults = {
  family: 'dense',
  title: 'Random dense QP',
  sizes: [10, 20, 50, 100, 220, 450],
  samples: 5,
  solvers: ['ipm', 'quadprog'],
  timeLimit: 60,
};

/** run() honours options.signal (stops between problems, bench/synthetic.ts) */
export const interruptible = true;
export const run = syntheticSuiteRunner(DEFAULTS);
