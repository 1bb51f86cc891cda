/**
 * Settings of the ADMM backend: defaults, the backend-specific option names, and validation.
 *
 * Common settings (QPSettings) and their ADMM defaults:
 *   epsAbs   1e-3   absolute tolerance of the (unscaled) termination test, as OSQP
 *   epsRel   1e-3   relative tolerance, as OSQP (the dQP layer passes tighter ones)
 *   maxIter  4000   iteration limit → status 'max_iter' (or 'solved_inaccurate', see inaccurateFactor)
 *   timeLimit ∞     wall-clock limit in seconds, counted from the start of solve (setup included)
 *                   → status 'time_limit' (checked once per iteration)
 *   verbose  false  one line per termination check on stderr
 *   warmStart       initial (z, λ, μ); bound duals start at 0
 *
 * Backend options (settings.options), OSQP's names in camel case where one exists:
 *   rho 0.1, sigma 1e-6, alpha 1.6, scaling 10 (Ruiz iterations, 0 = off),
 *   adaptiveRho true, adaptiveRhoInterval 50, adaptiveRhoTolerance 5,
 *   checkTermination 10 (OSQP uses 25; our checks are cheap next to a solve),
 *   epsPrimInf 1e-4, epsDualInf 1e-4, rhoEqScale 1e3 (ρ of equality rows = rhoEqScale·ρ),
 *   inaccurateFactor 10 (at the iteration limit, tolerances × this factor met → 'solved_inaccurate'),
 *   polish true, polishDelta 1e-6, polishRefineIter 3, polishPasses 10.
 */
import { InputError } from '../../../errors.ts';
import type { ResolvedQPSettings } from '../../backend.ts';
import type { QPSettings } from '../../types.ts';

export interface AdmmOptions {
  /** initial ADMM step ρ of inequality rows (> 0) */
  readonly rho: number;
  /** proximal weight σ on x (> 0); keeps the KKT matrix quasi-definite when P is singular */
  readonly sigma: number;
  /** over-relaxation α ∈ (0, 2) */
  readonly alpha: number;
  /** Ruiz equilibration iterations (0 disables scaling, including cost scaling) */
  readonly scaling: number;
  /** adapt ρ from the ratio of scaled primal and dual residuals */
  readonly adaptiveRho: boolean;
  /** iterations between two ρ adaptations */
  readonly adaptiveRhoInterval: number;
  /** refactor only when the new ρ differs from the current one by more than this factor (> 1) */
  readonly adaptiveRhoTolerance: number;
  /** iterations between two termination/infeasibility checks */
  readonly checkTermination: number;
  /** tolerance of the primal infeasibility certificate */
  readonly epsPrimInf: number;
  /** tolerance of the dual infeasibility certificate */
  readonly epsDualInf: number;
  /** ρ of equality rows (l = u) is rhoEqScale·ρ */
  readonly rhoEqScale: number;
  /** loosening factor of the tolerances for 'solved_inaccurate' at the iteration limit */
  readonly inaccurateFactor: number;
  /** polish the ADMM solution by an active-set solve */
  readonly polish: boolean;
  /** regularization δ of the reduced KKT system of polishing */
  readonly polishDelta: number;
  /** iterative-refinement steps against the unregularized reduced KKT system */
  readonly polishRefineIter: number;
  /** active-set correction passes of polishing (1 = OSQP's single solve) */
  readonly polishPasses: number;
}

export interface AdmmSettings extends AdmmOptions, ResolvedQPSettings {}

export const ADMM_DEFAULTS: AdmmOptions = {
  rho: 0.1,
  sigma: 1e-6,
  alpha: 1.6,
  scaling: 10,
  adaptiveRho: true,
  adaptiveRhoInterval: 50,
  adaptiveRhoTolerance: 5,
  checkTermination: 10,
  epsPrimInf: 1e-4,
  epsDualInf: 1e-4,
  rhoEqScale: 1e3,
  inaccurateFactor: 10,
  polish: true,
  polishDelta: 1e-6,
  polishRefineIter: 3,
  polishPasses: 10,
};

export const ADMM_OPTION_NAMES: readonly string[] = Object.keys(ADMM_DEFAULTS);

/** bounds on ρ (OSQP's RHO_MIN / RHO_MAX); rows with l = −∞ and u = +∞ get ρ = RHO_MIN */
export const RHO_MIN = 1e-6;
export const RHO_MAX = 1e6;

type Check = (v: number) => boolean;
const positive: Check = (v) => Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => Number.isFinite(v) && v >= 0;
const positiveInt: Check = (v) => Number.isInteger(v) && v >= 1;
const nonNegativeInt: Check = (v) => Number.isInteger(v) && v >= 0;

function num(
  source: Readonly<Record<string, unknown>> | undefined,
  key: string,
  fallback: number,
  ok: Check,
  expected: string,
  prefix: string,
): number {
  const v = source?.[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !ok(v)) throw new InputError(`${prefix}${key}`, expected, describe(v));
  return v;
}

function bool(source: Readonly<Record<string, unknown>> | undefined, key: string, fallback: boolean): boolean {
  const v = source?.[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new InputError(`settings.options.${key}`, 'a boolean', describe(v));
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return v === null ? 'null' : typeof v;
}

/** Merge QPSettings with the ADMM defaults; throws InputError on an invalid value. Unknown option keys are ignored here (the registry warns). */
export function resolveAdmmSettings(settings: QPSettings): AdmmSettings {
  const s = settings as unknown as Record<string, unknown>;
  const o = settings.options;
  const d = ADMM_DEFAULTS;
  const opt = 'settings.options.';
  const alpha = num(o, 'alpha', d.alpha, (v) => Number.isFinite(v) && v > 0 && v < 2, 'a number in (0, 2)', opt);
  const timeLimit = num(s, 'timeLimit', Infinity, (v) => v > 0, 'a positive number of seconds (Infinity = none)', 'settings.');
  return {
    epsAbs: num(s, 'epsAbs', 1e-3, nonNegative, 'a finite number ≥ 0', 'settings.'),
    epsRel: num(s, 'epsRel', 1e-3, nonNegative, 'a finite number ≥ 0', 'settings.'),
    maxIter: num(s, 'maxIter', 4000, positiveInt, 'an integer ≥ 1', 'settings.'),
    timeLimit,
    verbose: settings.verbose === true,
    warmStart: settings.warmStart ?? null,
    rho: num(o, 'rho', d.rho, positive, 'a positive finite number', opt),
    sigma: num(o, 'sigma', d.sigma, positive, 'a positive finite number', opt),
    alpha,
    scaling: num(o, 'scaling', d.scaling, nonNegativeInt, 'an integer ≥ 0', opt),
    adaptiveRho: bool(o, 'adaptiveRho', d.adaptiveRho),
    adaptiveRhoInterval: num(o, 'adaptiveRhoInterval', d.adaptiveRhoInterval, positiveInt, 'an integer ≥ 1', opt),
    adaptiveRhoTolerance: num(o, 'adaptiveRhoTolerance', d.adaptiveRhoTolerance, (v) => Number.isFinite(v) && v >= 1, 'a number ≥ 1', opt),
    checkTermination: num(o, 'checkTermination', d.checkTermination, positiveInt, 'an integer ≥ 1', opt),
    epsPrimInf: num(o, 'epsPrimInf', d.epsPrimInf, nonNegative, 'a finite number ≥ 0', opt),
    epsDualInf: num(o, 'epsDualInf', d.epsDualInf, nonNegative, 'a finite number ≥ 0', opt),
    rhoEqScale: num(o, 'rhoEqScale', d.rhoEqScale, (v) => Number.isFinite(v) && v >= 1, 'a number ≥ 1', opt),
    inaccurateFactor: num(o, 'inaccurateFactor', d.inaccurateFactor, (v) => Number.isFinite(v) && v >= 1, 'a number ≥ 1', opt),
    polish: bool(o, 'polish', d.polish),
    polishDelta: num(o, 'polishDelta', d.polishDelta, positive, 'a positive finite number', opt),
    polishRefineIter: num(o, 'polishRefineIter', d.polishRefineIter, nonNegativeInt, 'an integer ≥ 0', opt),
    polishPasses: num(o, 'polishPasses', d.polishPasses, positiveInt, 'an integer ≥ 1', opt),
  };
}
