/**
 * Settings of the `dualas` backend: the common QPSettings plus backend options, resolved and
 * validated (InputError naming the setting) into one flat object.
 *
 *   epsAbs 1e-9, epsRel 1e-12   primal feasibility: an inequality row i counts as violated when
 *                               n_iᵀz − e_i > tol_i = epsAbs + max(epsRel, 64ε)·(|e_i| + ‖n_i‖₁‖z‖∞)
 *                               (the 64ε term is the round-off floor of the slack itself).
 *                               The dual side needs no tolerance: the method keeps μ ≥ 0 and
 *                               stationarity exactly (up to round-off) at every step.
 *   maxIter                     active-set changes (additions + deletions); default
 *                               max(1000, 10·(n + m + #finite bounds))
 *   timeLimit ∞                 seconds, checked at every active-set change
 *   options.depTol 1e-10        a constraint normal whose part outside the span of the working
 *                               set has relative size ‖d₂‖ / ‖L⁻¹ n‖ ≤ depTol is treated as
 *                               linearly dependent on it (also the rank test of the equalities)
 *   options.maxSize 5000        largest n accepted (memory 16·n² bytes for J and R plus P's
 *                               factor); above it solve() throws InputError
 *   options.recomputeEvery 32   the inequality slacks s = Cz − d are updated incrementally and
 *                               recomputed from scratch every this many steps (and before
 *                               declaring the solution optimal)
 */
import { InputError } from '../../../errors.ts';
import type { ResolvedQPSettings } from '../../backend.ts';
import type { QPSettings } from '../../types.ts';

export const DUALAS_OPTION_NAMES: readonly string[] = ['depTol', 'maxSize', 'recomputeEvery'];

export interface DualAsSettings extends Omit<ResolvedQPSettings, 'maxIter'> {
  /** null: the size-dependent default */
  readonly maxIter: number | null;
  readonly depTol: number;
  readonly maxSize: number;
  readonly recomputeEvery: number;
}

export const DUALAS_DEFAULTS: DualAsSettings = {
  epsAbs: 1e-9,
  epsRel: 1e-12,
  maxIter: null,
  timeLimit: Infinity,
  verbose: false,
  warmStart: null,
  depTol: 1e-10,
  maxSize: 5000,
  recomputeEvery: 32,
};

function num(name: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) throw new InputError(name, expected, String(v));
  return v;
}

/** Merge QPSettings with the defaults; InputError on an invalid value (unknown option keys are the registry's business). */
export function resolveSettings(settings: QPSettings): DualAsSettings {
  const out: { -readonly [K in keyof DualAsSettings]: DualAsSettings[K] } = { ...DUALAS_DEFAULTS };
  const nonNeg = (x: number) => x >= 0 && Number.isFinite(x);
  if (settings.epsAbs !== undefined) out.epsAbs = num('settings.epsAbs', settings.epsAbs, nonNeg, 'a finite number ≥ 0');
  if (settings.epsRel !== undefined) out.epsRel = num('settings.epsRel', settings.epsRel, nonNeg, 'a finite number ≥ 0');
  if (settings.maxIter !== undefined) out.maxIter = num('settings.maxIter', settings.maxIter, (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
  if (settings.timeLimit !== undefined) out.timeLimit = num('settings.timeLimit', settings.timeLimit, (x) => x > 0, 'a number of seconds > 0');
  if (settings.verbose !== undefined) out.verbose = Boolean(settings.verbose);
  out.warmStart = settings.warmStart ?? null;
  const o = settings.options ?? {};
  if (o['depTol'] !== undefined) out.depTol = num('settings.options.depTol', o['depTol'], (x) => x > 0 && x < 1, 'a number in (0, 1)');
  if (o['maxSize'] !== undefined) out.maxSize = num('settings.options.maxSize', o['maxSize'], (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
  if (o['recomputeEvery'] !== undefined) {
    out.recomputeEvery = num('settings.options.recomputeEvery', o['recomputeEvery'], (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
  }
  return out;
}

/** settings.warmStart checks (shared by the backends; optimizer/qp/problem.ts) */
export { checkWarmStart } from '../../problem.ts';
