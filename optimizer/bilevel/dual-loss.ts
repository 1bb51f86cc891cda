/**
 * The loss of the paper's bi-level experiments on the inequality duals μ of the inner QP:
 *
 *   ℓ = ‖μ‖₂          (default; what the authors' code minimizes)
 *   ℓ = ‖μ‖₂²         (squared: true; the paper's text)
 *
 * Cotangent: ḡ_μ = μ/‖μ‖₂ (none when μ = 0), or 2μ when squared. The unsquared norm's gradient
 * does not fade as μ → 0, so the last positive duals are pushed as hard as the first.
 */
import type { DqpForwardResult } from '../dqp/types.ts';
import type { OutputLoss } from './types.ts';

function sumOfSquares(mu: Float64Array): number {
  let sq = 0;
  for (let j = 0; j < mu.length; j++) sq += mu[j]! * mu[j]!;
  return sq;
}

/** ‖μ‖₂ (or ‖μ‖₂² when squared) as an OutputLoss. */
export function dualNormLoss(options: { readonly squared?: boolean } = {}): OutputLoss {
  const squared = options.squared ?? false;
  return {
    value(forward: DqpForwardResult): number {
      const sq = sumOfSquares(forward.mu);
      return squared ? sq : Math.sqrt(sq);
    },
    cotangents(forward: DqpForwardResult) {
      const mu = forward.mu;
      const norm = Math.sqrt(sumOfSquares(mu));
      if (!(norm > 0)) return null;
      const s = squared ? 2 : 1 / norm;
      const cot = new Float64Array(mu.length);
      for (let j = 0; j < mu.length; j++) cot[j] = s * mu[j]!;
      return { mu: cot };
    },
  };
}
