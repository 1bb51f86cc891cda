/**
 * The bi-level loss as a tfjs op: θ (float32 tensor, #E) ↦ loss (float32 scalar), with a
 * custom gradient computed in Float64 by EmbeddingObjective (never through tfjs sparse ops).
 *
 *   const op = embeddingLossOp(objective);
 *   optimizer.minimize(() => op(thetaVariable));        // or tf.grad(op)(θ)
 *
 * Forward: θ is read back (dataSync, float32 → Float64), objective.evaluateCached(θ) solves
 * the inner QP (reusing an evaluation the caller already made at exactly this θ), and the
 * Float64 loss is returned rounded to float32.
 * Gradient: dy · objective.gradient(ev), rounded to float32 (#E).
 */
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingObjective, Evaluation } from './objective.ts';

/** Float64 copy of a tensor's values. */
export function tensorToFloat64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/**
 * The loss op. `onEvaluate` (optional) sees each evaluation the op uses; `onGradient` sees the
 * Float64 gradient before rounding (both for instrumentation and tests).
 */
export function embeddingLossOp(
  objective: EmbeddingObjective,
  hooks: { onEvaluate?: (ev: Evaluation) => void; onGradient?: (g: Float64Array) => void } = {},
): (theta: tf.Tensor1D) => tf.Scalar {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const theta = args[0] as tf.Tensor;
    const ev = objective.evaluateCached(tensorToFloat64(theta));
    hooks.onEvaluate?.(ev);
    return {
      value: tf.scalar(ev.loss, 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        const g = objective.gradient(ev);
        hooks.onGradient?.(g);
        const s = dy.dataSync()[0]!;
        const out = new Float32Array(g.length);
        for (let e = 0; e < g.length; e++) out[e] = s * g[e]!;
        return tf.tensor1d(out, 'float32');
      },
    };
  });
  return (theta: tf.Tensor1D) => f(theta) as tf.Scalar;
}
