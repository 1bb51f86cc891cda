/**
 * The embedding as a parameterized QP family for the generic bi-level loop (optimizer/bilevel):
 *
 *   θ (#E) ↦ QP(θ):  P = blockdiag(L(θ) + S, L(θ) + S),  C = −N·blockdiag(L(θ), L(θ)),  q = 0,
 *                    A, b, d fixed (embedding-qp.ts; S the diagonal shift)
 *   pullback:        (gP, gC) on the stored values of P and C ↦ gθ (EmbeddingQP.pullback)
 *   regularizer:     λ_reg ‖L̂(θ) − L̂₀‖∞, L̂₀ = L̂(θ₀) (regularizer.ts)
 *
 * EmbeddingObjective is the generic BilevelObjective on this family with the dual loss (for tests
 * and instrumentation: forward, loss and gradient at any θ without running the loop).
 *
 * The embedding's default dual loss is 'log-norm', log(1 + ‖μ‖₂/1e-4), not the generic loop's
 * 'norm' (‖μ‖₂, the authors' code): same minimizers, and Adam's steps keep their size as the duals
 * shrink by orders of magnitude; measured in docs/geometry.md#step-count.
 */
/** The embedding's dual loss when none is asked for (see the file comment). */
export const EMBEDDING_DEFAULT_LOSS: DualLossKind = 'log-norm';

/** The loss kind of embedding options: `loss`, else 'squared-norm' with `squared`, else 'log-norm'. */
export function embeddingLossKind(options: { readonly squared?: boolean; readonly loss?: DualLossKind }): DualLossKind {
  return dualLossKind({ squared: options.squared, kind: options.loss ?? (options.squared ? 'squared-norm' : EMBEDDING_DEFAULT_LOSS) });
}
import { dualLossKind, dualNormLoss, type DualLossKind } from '../../optimizer/bilevel/dual-loss.ts';
import { BilevelObjective, type ObjectiveOptions } from '../../optimizer/bilevel/objective.ts';
import type { BilevelProblem, QpFamily, Regularizer } from '../../optimizer/bilevel/types.ts';
import { InputError } from '../../optimizer/errors.ts';
import type { EmbeddingQP } from '../embedding-qp.ts';

/** The QP family θ ↦ QP(θ) of an embedding problem (only P and C depend on θ). */
export function embeddingFamily(qp: EmbeddingQP): QpFamily {
  return {
    size: qp.ne,
    fixed: ['q', 'A', 'b', 'd'],
    instance: (theta) => qp.instance(theta).problem,
    pullback: (theta, grads, out) => qp.pullback(theta, grads.P ?? null, grads.C ?? null, out),
  };
}

/** λ_reg ‖L̂(θ) − L̂₀‖∞ with L̂₀ taken at θ₀; null when λ_reg = 0 (no term, no gradient). */
export function embeddingRegularizer(qp: EmbeddingQP, theta0: Float64Array, reg: number): Regularizer | null {
  if (!(typeof reg === 'number' && reg >= 0 && Number.isFinite(reg))) throw new InputError('reg', 'a finite number ≥ 0', String(reg));
  if (!(reg > 0)) return null;
  const hat0 = qp.normalizedLaplacian(theta0);
  return (theta) => {
    const r = qp.regularizer(theta, hat0, reg);
    return { value: r.value, gradient: r.gradTheta };
  };
}

/** The bi-level problem of an embedding: family, dual loss (embeddingLossKind), regularizer. */
export function embeddingProblem(
  qp: EmbeddingQP,
  options: { reg?: number; squared?: boolean; loss?: DualLossKind; theta0?: Float64Array | null } = {},
): BilevelProblem {
  return {
    family: embeddingFamily(qp),
    loss: dualNormLoss({ kind: embeddingLossKind(options) }),
    regularizer: embeddingRegularizer(qp, options.theta0 ?? qp.initialTheta(), options.reg ?? 0),
  };
}

export interface EmbeddingObjectiveOptions extends ObjectiveOptions {
  /** λ_reg ≥ 0; default 0 */
  readonly reg?: number;
  /** ‖μ‖₂² instead of ‖μ‖₂; default false */
  readonly squared?: boolean;
  /** the dual loss (dual-loss.ts); default 'log-norm' ('squared-norm' with squared) */
  readonly loss?: DualLossKind;
}

/** The generic objective on an embedding problem (theta0: where L̂₀ is taken; default θ = −1). */
export class EmbeddingObjective extends BilevelObjective {
  constructor(
    readonly qp: EmbeddingQP,
    options: EmbeddingObjectiveOptions = {},
    theta0: Float64Array | null = null,
  ) {
    super(embeddingProblem(qp, { reg: options.reg, squared: options.squared, loss: options.loss, theta0 }), options);
  }
}
