/**
 * The bi-level loop's flags, shared by `dqp embed` and `dqp refine` (docs/geometry.md#step-count):
 * their yargs definitions (LOOP_FLAG_OPTIONS, help text with ranges and defaults) and their
 * checked values (loopFlags). Kept apart from cli/flags.ts so that the commands without a loop do
 * not load the loop's defaults.
 */
import type { Options } from 'yargs';
import { BILEVEL_DEFAULTS } from '../geometry/embed/driver.ts';
import type { BilevelOptions } from '../geometry/embed/types.ts';
import type { LaplacianShift } from '../geometry/embedding-qp.ts';
import { lossFlag, numberFlag, numberOption, RANGES } from './flags.ts';

export const LOOP_FLAG_OPTIONS: Record<string, Options> = {
  lr: numberOption('Adam learning rate', RANGES.lr, BILEVEL_DEFAULTS.lr),
  beta2: numberOption("Adam's second-moment decay β₂", RANGES.beta2, BILEVEL_DEFAULTS.beta2),
  'eps-abs': numberOption('inner solver tolerance during the loop (the paper: 1e-5; rows are re-solved at 1e-9 when inconsistent)', RANGES.eps, BILEVEL_DEFAULTS.epsAbs),
  loss: {
    type: 'string',
    choices: ['norm', 'squared-norm', 'log-norm'],
    describe:
      "the dual loss (docs/geometry.md#step-count): log-norm log(1 + ‖μ‖₂/1e-4) (the default: same minimizers as ‖μ‖₂, and Adam's steps do not fade as the duals shrink), norm ‖μ‖₂ (the authors' code), squared-norm ‖μ‖₂² (the paper's text; = --squared)",
  },
  'cone-margin': numberOption(
    "κ: the cone rows ask for the flux inside the corner's wedge by κ × (mean polygon edge length at the corner) instead of on its boundary (docs/geometry.md#step-count; the paper: 0)",
    RANGES.coneMargin,
    0,
  ),
  shift: {
    type: 'string',
    choices: ['boundary', 'all'],
    default: 'boundary',
    describe:
      "where the 1e-4 diagonal shift that makes the QP strictly convex goes (docs/geometry.md#diagonal-shift): boundary (the default: on the pinned boundary vertices only, so the map is exactly harmonic) or all (every vertex: the paper's Laplacian, which pulls the map towards the origin; on meshes wider than ~100 edges the duals can then vanish on a folded map)",
  },
  adam: {
    type: 'string',
    choices: ['tfjs', 'float64'],
    default: 'float64',
    describe:
      "where Adam runs: float64 (the default: tf.train.adam's update in a Float64 loop, well under 1 ms per step) or tfjs (tf.train.adam on a float32 variable: 12 ms per step on the ant, tens of ms at 10⁵ edges)",
  },
  'adam-restart': { type: 'boolean', default: false, describe: "restart Adam's moments at the first refused stop of a run (duals vanished, map still folded; docs/geometry.md#step-count)" },
  'predict-active-set': {
    type: 'boolean',
    default: true,
    describe:
      "solve each forward on the previous forward's active set (one factorization, checked; the solver when the check fails). --no-predict-active-set calls the solver every time (the paper's setting)",
  },
  squared: { type: 'boolean', default: false, describe: 'minimize ‖μ‖₂² (the paper text; = --loss squared-norm)' },
};

/** The loop's settings from LOOP_FLAG_OPTIONS' flags, each checked (InputError naming the flag). */
export function loopFlags(argv: Record<string, unknown>): {
  readonly loop: Pick<BilevelOptions, 'lr' | 'beta2' | 'epsAbs' | 'squared' | 'loss' | 'adam' | 'adamRestart' | 'predictActiveSet'>;
  /** the cone rows' margin κ (an EmbeddingQP setting, not the loop's) */
  readonly coneMargin: number;
  /** where the diagonal shift goes (an EmbeddingQP setting) */
  readonly shift: LaplacianShift;
} {
  return {
    loop: {
      lr: numberFlag(argv, '--lr', RANGES.lr, BILEVEL_DEFAULTS.lr),
      beta2: numberFlag(argv, '--beta2', RANGES.beta2, BILEVEL_DEFAULTS.beta2),
      epsAbs: numberFlag(argv, '--eps-abs', RANGES.eps, BILEVEL_DEFAULTS.epsAbs),
      squared: Boolean(argv.squared),
      loss: lossFlag(argv),
      adam: argv.adam === 'tfjs' ? 'tfjs' : 'float64',
      adamRestart: Boolean(argv['adam-restart']),
      predictActiveSet: argv['predict-active-set'] !== false,
    },
    coneMargin: numberFlag(argv, '--cone-margin', RANGES.coneMargin, 0),
    shift: argv.shift === 'all' ? 'all' : 'boundary',
  };
}
