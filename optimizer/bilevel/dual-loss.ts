/**
 * The loss of the paper's bi-level experiments on the inequality duals μ of the inner QP:
 *
 *   'norm'          ℓ = ‖μ‖₂                (what the authors' code minimizes)
 *   'squared-norm'  ℓ = ‖μ‖₂²               (the paper's text; also `squared: true`)
 *   'log-norm'      ℓ = log(1 + ‖μ‖₂ / τ)   (τ > 0, default 1e-4 = the loop's stop tolerance)
 *
 * Cotangents ḡ_μ: μ/‖μ‖₂; 2μ; μ / (‖μ‖₂ (τ + ‖μ‖₂)); none when μ = 0. The unsquared norm's
 * gradient does not fade as μ → 0, so the last positive duals are pushed as hard as the first.
 *
 * Why 'log-norm' (see docs/geometry.md#step-count): Adam divides each step by the root mean square
 * of the gradients it has seen (β₂ = 0.999: about the last 1 000 steps). The gradient of ‖μ‖ is
 * proportional to the size of the duals, which shrink by orders of magnitude during a run (on the
 * corner study from 2e-2 to below the stop tolerance 1e-4); the late steps then see gradients a
 * hundred times smaller than the remembered ones and Adam crawls. log(1 + ‖μ‖/τ) is an increasing
 * function of ‖μ‖ — same minimizers and, without a regularizer, the same stationary points (its
 * gradient is ∇‖μ‖ / (τ + ‖μ‖), zero exactly where ∇‖μ‖ is) — whose gradient stays of one size
 * while ‖μ‖ ≫ τ: the relative decrease of the duals is what Adam sees. Below τ it behaves like
 * ‖μ‖/τ.
 */
import { InputError } from '../errors.ts';
import type { DqpForwardResult } from '../dqp/types.ts';
import type { OutputLoss } from './types.ts';

/** Which function of ‖μ‖₂ the loss is. */
export type DualLossKind = 'norm' | 'squared-norm' | 'log-norm';

export const DUAL_LOSS_KINDS: readonly DualLossKind[] = ['norm', 'squared-norm', 'log-norm'];

/** How summaries (the CLI's, the page's) write each dual loss. */
export const LOSS_TEXT: Readonly<Record<DualLossKind, string>> = { norm: '‖μ‖₂', 'squared-norm': '‖μ‖₂²', 'log-norm': 'log(1 + ‖μ‖₂/τ)' };

/** τ of 'log-norm' unless given */
export const LOG_NORM_TAU = 1e-4;

export interface DualLossOptions {
  /** default 'norm' ('squared-norm' when `squared` is true) */
  readonly kind?: DualLossKind;
  /** ‖μ‖₂² (same as kind 'squared-norm'; kept for compatibility) */
  readonly squared?: boolean;
  /** τ > 0 of 'log-norm'; default 1e-4 */
  readonly tau?: number;
}

function sumOfSquares(mu: Float64Array): number {
  let sq = 0;
  for (let j = 0; j < mu.length; j++) sq += mu[j]! * mu[j]!;
  return sq;
}

/** The kind a DualLossOptions asks for (InputError for a contradiction or an unknown kind). */
export function dualLossKind(options: DualLossOptions = {}): DualLossKind {
  const kind = options.kind ?? (options.squared ? 'squared-norm' : 'norm');
  if (!DUAL_LOSS_KINDS.includes(kind)) throw new InputError('loss', DUAL_LOSS_KINDS.join(' | '), String(kind));
  if (options.squared && kind !== 'squared-norm') throw new InputError('loss', `squared only with kind 'squared-norm'`, `squared with '${kind}'`);
  return kind;
}

/** ‖μ‖₂, ‖μ‖₂² or log(1 + ‖μ‖₂/τ) as an OutputLoss (see the file comment). */
export function dualNormLoss(options: DualLossOptions = {}): OutputLoss {
  const kind = dualLossKind(options);
  const tau = options.tau ?? LOG_NORM_TAU;
  if (!(typeof tau === 'number' && tau > 0 && Number.isFinite(tau))) throw new InputError('tau', 'a finite number > 0', String(tau));
  return {
    value(forward: DqpForwardResult): number {
      const sq = sumOfSquares(forward.mu);
      if (kind === 'squared-norm') return sq;
      if (kind === 'log-norm') return Math.log1p(Math.sqrt(sq) / tau);
      return Math.sqrt(sq);
    },
    cotangents(forward: DqpForwardResult) {
      const mu = forward.mu;
      const norm = Math.sqrt(sumOfSquares(mu));
      if (!(norm > 0)) return null;
      const s = kind === 'squared-norm' ? 2 : kind === 'log-norm' ? 1 / (norm * (tau + norm)) : 1 / norm;
      const cot = new Float64Array(mu.length);
      for (let j = 0; j < mu.length; j++) cot[j] = s * mu[j]!;
      return { mu: cot };
    },
  };
}
