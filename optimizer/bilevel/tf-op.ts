/**
 * The bi-level loss as a tfjs op: θ (float32 tensor) ↦ loss (float32 scalar), with a custom
 * gradient computed in Float64 by a BilevelObjective (never through tfjs sparse ops).
 *
 *   const op = bilevelLossOp(tf, objective);
 *   optimizer.minimize(() => op(thetaVariable));        // or tf.grad(op)(θ)
 *
 * Forward: θ is read back (dataSync, float32 → Float64), objective.evaluateCached(θ) solves the
 * inner QP (reusing an evaluation the caller already made at exactly this θ), and the Float64
 * loss is returned rounded to float32.
 * Gradient: dy · objective.gradient(ev), rounded to float32.
 *
 * The tfjs module is a parameter (see loadTf in ../tf/load.ts): nothing here loads tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/load.ts';
import type { BilevelObjective, Evaluation } from './objective.ts';

/** Float64 copy of a tensor's values. */
export function tensorToFloat64(t: tfjs.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/**
 * The loss op. `onEvaluate` (optional) sees each evaluation the op uses; `onGradient` sees the
 * Float64 gradient before rounding (both for instrumentation and tests).
 */
export function bilevelLossOp(
  tf: Tf,
  objective: BilevelObjective,
  hooks: { onEvaluate?: (ev: Evaluation) => void; onGradient?: (g: Float64Array) => void } = {},
): (theta: tfjs.Tensor1D) => tfjs.Scalar {
  const f = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
    const theta = args[0] as tfjs.Tensor;
    const ev = objective.evaluateCached(tensorToFloat64(theta));
    hooks.onEvaluate?.(ev);
    return {
      value: tf.scalar(ev.loss, 'float32'),
      gradFunc: (dy: tfjs.Tensor) => {
        const g = objective.gradient(ev);
        hooks.onGradient?.(g);
        const s = dy.dataSync()[0]!;
        const out = new Float32Array(g.length);
        for (let e = 0; e < g.length; e++) out[e] = s * g[e]!;
        return tf.tensor1d(out, 'float32');
      },
    };
  });
  return (theta: tfjs.Tensor1D) => f(theta) as tfjs.Scalar;
}
