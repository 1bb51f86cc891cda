/**
 * Settings of the `ipm` backend: the common QPSettings (types.ts) plus backend options
 * (settings.options), each with its default, resolved and validated into one flat object.
 *
 * Defaults follow PIQP's (Schwan et al., CDC 2023; PIQP documentation) where PIQP has the
 * same knob:
 *
 *   epsAbs 1e-8, epsRel 1e-9       termination: for the primal residual r_p, the dual residual r_d
 *                                  and the duality gap r_g (all UNSCALED, ∞-norms),
 *                                  r ≤ epsAbs + epsRel·(scale of the terms making up r)
 *   epsGapAbs, epsGapRel           the duality-gap test alone (options; default epsAbs, epsRel, as in
 *                                  PIQP). A tighter gap (e.g. epsGapRel 1e-12) buys absolute
 *                                  accuracy on badly scaled problems for a few more iterations
 *                                  without asking the primal/dual residuals for more than their
 *                                  floor (solver.ts converged()).
 *   maxIter 250, tau 0.99          iteration limit; fraction-to-boundary factor
 *   rhoInit 1e-6, deltaInit 1e-4   proximal parameters ρ (primal) and δ (dual) at the start
 *   regLowerLimit 1e-10            ρ, δ never go below it ...
 *   regFinetuneLowerLimit 1e-13    ... unless the proximal centers stall for
 *   regFinetunePrimalUpdateThreshold 7 / regFinetuneDualUpdateThreshold 5 iterations
 *   maxFactorRetries 10            on a failed factorization: ρ, δ ×100, up to this many times
 *   infeasibilityThreshold 0.9     size of δ‖λ − y‖ (ρ‖ξ − x‖) that, with a stalled proximal
 *                                  center and a small regularized residual, certifies primal
 *                                  (dual) infeasibility
 *   infeasibilityTolerance 1e-6    relative tolerance of the Farkas-certificate tests (solver.ts)
 *                                  run when a residual has stalled for 5 iterations
 *   ruizIterations 10              Ruiz equilibration sweeps on [P Aᵀ Cᵀ; A 0 0; C 0 0]
 *   scaleCost false                also scale the cost (PIQP's default is off)
 *   kktSolver 'auto'               'sparse' (LDLᵀ of the quasi-definite KKT with a cached
 *                                  symbolic analysis), 'dense' (dense LDLᵀ of the
 *                                  inequality-eliminated KKT), 'auto' = dense when every
 *                                  matrix of the problem is dense, else sparse
 *   inaccurateFactor 1e3           'solved_inaccurate' when the run stops (iteration limit,
 *                                  numerical trouble) at a point meeting the tolerances
 *                                  multiplied by this factor
 *   warmStartMu 1e-4               barrier parameter at a warm-start point (see solver.ts)
 *   patternCacheSize 8             symbolic analyses kept per backend instance (0 = no cache)
 */
import { InputError } from '../../../errors.ts';
import type { ResolvedQPSettings } from '../../backend.ts';
import type { QPSettings } from '../../types.ts';

export type KktSolverChoice = 'auto' | 'sparse' | 'dense';

export interface IpmSettings extends ResolvedQPSettings {
  readonly rhoInit: number;
  readonly deltaInit: number;
  readonly regLowerLimit: number;
  readonly regFinetuneLowerLimit: number;
  readonly regFinetunePrimalUpdateThreshold: number;
  readonly regFinetuneDualUpdateThreshold: number;
  readonly maxFactorRetries: number;
  readonly tau: number;
  readonly infeasibilityThreshold: number;
  readonly infeasibilityTolerance: number;
  readonly checkDualityGap: boolean;
  /** duality-gap tolerances (default: epsAbs, epsRel) */
  readonly epsGapAbs: number;
  readonly epsGapRel: number;
  readonly ruizIterations: number;
  readonly scaleCost: boolean;
  readonly kktSolver: KktSolverChoice;
  readonly inaccurateFactor: number;
  readonly warmStartMu: number;
  readonly patternCacheSize: number;
}

/** Defaults of every option (the backend-specific ones are the keys of settings.options). */
export const IPM_DEFAULTS: IpmSettings = {
  epsAbs: 1e-8,
  epsRel: 1e-9,
  maxIter: 250,
  timeLimit: Infinity,
  verbose: false,
  warmStart: null,
  rhoInit: 1e-6,
  deltaInit: 1e-4,
  regLowerLimit: 1e-10,
  regFinetuneLowerLimit: 1e-13,
  regFinetunePrimalUpdateThreshold: 7,
  regFinetuneDualUpdateThreshold: 5,
  maxFactorRetries: 10,
  tau: 0.99,
  infeasibilityThreshold: 0.9,
  infeasibilityTolerance: 1e-6,
  checkDualityGap: true,
  epsGapAbs: 1e-8,
  epsGapRel: 1e-9,
  ruizIterations: 10,
  scaleCost: false,
  kktSolver: 'auto',
  inaccurateFactor: 1e3,
  warmStartMu: 1e-4,
  patternCacheSize: 8,
};

/** Names accepted in settings.options. */
export const IPM_OPTION_NAMES = [
  'rhoInit',
  'deltaInit',
  'regLowerLimit',
  'regFinetuneLowerLimit',
  'regFinetunePrimalUpdateThreshold',
  'regFinetuneDualUpdateThreshold',
  'maxFactorRetries',
  'tau',
  'infeasibilityThreshold',
  'infeasibilityTolerance',
  'checkDualityGap',
  'epsGapAbs',
  'epsGapRel',
  'ruizIterations',
  'scaleCost',
  'kktSolver',
  'inaccurateFactor',
  'warmStartMu',
  'patternCacheSize',
] as const;

type NumberKey = {
  [K in keyof IpmSettings]: IpmSettings[K] extends number ? K : never;
}[keyof IpmSettings];

/** A number option with its admissible range (open/closed bounds) and integrality. */
interface NumberRule {
  readonly min: number;
  readonly minOpen: boolean;
  readonly max: number;
  readonly maxOpen: boolean;
  readonly integer: boolean;
}

const positive: NumberRule = { min: 0, minOpen: true, max: Infinity, maxOpen: false, integer: false };
const count: NumberRule = { min: 0, minOpen: false, max: Infinity, maxOpen: true, integer: true };

const NUMBER_RULES: Readonly<Partial<Record<NumberKey, NumberRule>>> = {
  rhoInit: positive,
  deltaInit: positive,
  regLowerLimit: positive,
  regFinetuneLowerLimit: positive,
  regFinetunePrimalUpdateThreshold: count,
  regFinetuneDualUpdateThreshold: count,
  maxFactorRetries: count,
  tau: { min: 0, minOpen: true, max: 1, maxOpen: false, integer: false },
  infeasibilityThreshold: positive,
  infeasibilityTolerance: positive,
  ruizIterations: count,
  inaccurateFactor: { min: 1, minOpen: false, max: Infinity, maxOpen: true, integer: false },
  warmStartMu: positive,
  patternCacheSize: count,
  epsGapAbs: { min: 0, minOpen: false, max: Infinity, maxOpen: true, integer: false },
  epsGapRel: { min: 0, minOpen: false, max: Infinity, maxOpen: true, integer: false },
};

function describe(rule: NumberRule): string {
  const lo = `${rule.minOpen ? '>' : '≥'} ${rule.min}`;
  const hi = rule.max === Infinity ? '' : ` and ${rule.maxOpen ? '<' : '≤'} ${rule.max}`;
  return `${rule.integer ? 'an integer' : 'a number'} ${lo}${hi}`;
}

function checkNumber(name: string, v: unknown, rule: NumberRule): number {
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (rule.minOpen ? v > rule.min : v >= rule.min) &&
    (rule.maxOpen ? v < rule.max : v <= rule.max) &&
    (!rule.integer || Number.isInteger(v));
  if (!ok) throw new InputError(name, describe(rule), String(v));
  return v as number;
}

/**
 * Resolve QPSettings (+ settings.options) into IpmSettings, validating every value
 * (InputError naming the setting). Unknown option keys are ignored here (the registry warns).
 */
export function resolveSettings(settings: QPSettings): IpmSettings {
  const out: { -readonly [K in keyof IpmSettings]: IpmSettings[K] } = { ...IPM_DEFAULTS };
  if (settings.epsAbs !== undefined) out.epsAbs = checkNumber('settings.epsAbs', settings.epsAbs, { ...positive, minOpen: false });
  if (settings.epsRel !== undefined) out.epsRel = checkNumber('settings.epsRel', settings.epsRel, { ...positive, minOpen: false });
  if (out.epsAbs === 0 && out.epsRel === 0) throw new InputError('settings.epsAbs/epsRel', 'not both zero', '0 and 0');
  if (settings.maxIter !== undefined) out.maxIter = checkNumber('settings.maxIter', settings.maxIter, count);
  if (settings.timeLimit !== undefined) out.timeLimit = checkNumber('settings.timeLimit', settings.timeLimit, positive);
  if (settings.verbose !== undefined) out.verbose = Boolean(settings.verbose);
  out.warmStart = settings.warmStart ?? null;
  out.epsGapAbs = out.epsAbs;
  out.epsGapRel = out.epsRel;
  const opts = settings.options ?? {};
  for (const key of IPM_OPTION_NAMES) {
    if (!(key in opts)) continue;
    const v = opts[key];
    if (v === undefined) continue;
    const name = `settings.options.${key}`;
    if (key === 'kktSolver') {
      if (v !== 'auto' && v !== 'sparse' && v !== 'dense') throw new InputError(name, "'auto', 'sparse' or 'dense'", String(v));
      out.kktSolver = v;
    } else if (key === 'scaleCost' || key === 'checkDualityGap') {
      if (typeof v !== 'boolean') throw new InputError(name, 'a boolean', String(v));
      out[key] = v;
    } else {
      const rule = NUMBER_RULES[key]!;
      out[key] = checkNumber(name, v, rule);
    }
  }
  if (out.regFinetuneLowerLimit > out.regLowerLimit) {
    throw new InputError('settings.options.regFinetuneLowerLimit', `≤ regLowerLimit (${out.regLowerLimit})`, String(out.regFinetuneLowerLimit));
  }
  return out;
}

/** settings.warmStart checks (shared by the backends; optimizer/qp/problem.ts) */
export { checkWarmStart } from '../../problem.ts';
