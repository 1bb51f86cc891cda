/**
 * The Laplacian regularizer of the outer loss: λ · ‖ L̂ − L̂₀ ‖∞.
 *
 *   v    the stored values of P = blockdiag(L + S, L + S) (length 2 nnz(L); S the constant diagonal shift)
 *   L̂   = v / ‖v‖₂,  L̂₀ the same at initialization
 *
 *   hat = normalizedValues(v, out?)
 *   { value, grad } = laplacianRegularizer(v, hat0, lambda, grad?)
 *
 * Subgradient: with S = { k : |L̂_k − L̂₀_k| = max } (ties EXACT, e.g. the two copies of an
 * entry in the two blocks) and s_k = sign(L̂_k − L̂₀_k),
 *   ∂R/∂v_l = λ Σ_{k∈S} (s_k / |S|) (δ_kl − L̂_k L̂_l) / ‖v‖,
 * the average over the maximizers (a valid subgradient; 0 at L̂ = L̂₀ since every s_k = 0).
 * O(len v), no allocation besides `grad` when not given.
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';

function norm2(v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k]! * v[k]!;
  return Math.sqrt(s);
}

/** L̂ = v / ‖v‖₂; `out` (length of v) is overwritten and returned. */
export function normalizedValues(v: Float64Array, out = new Float64Array(v.length)): Float64Array {
  const nrm = norm2(v);
  if (!(nrm > 0)) throw new InputError('v', 'a non-zero vector', `norm ${nrm}`);
  for (let k = 0; k < v.length; k++) out[k] = v[k]! / nrm;
  return out;
}

/**
 * R = λ‖v/‖v‖ − hat0‖∞ and a subgradient w.r.t. v.
 *   v       values, not modified
 *   hat0    same length, the normalized values at initialization, not modified
 *   lambda  λ ≥ 0
 *   grad    same length, overwritten and returned in the result
 */
export function laplacianRegularizer(
  v: Float64Array,
  hat0: Float64Array,
  lambda: number,
  grad = new Float64Array(v.length),
): { value: number; grad: Float64Array } {
  if (hat0.length !== v.length) throw new DimensionError('hat0', `length ${v.length}`, `length ${hat0.length}`);
  if (!(lambda >= 0)) throw new InputError('lambda', 'a non-negative number', String(lambda));
  const nrm = norm2(v);
  if (!(nrm > 0)) throw new InputError('v', 'a non-zero vector', `norm ${nrm}`);
  let max = 0;
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]! / nrm - hat0[k]!);
    if (a > max) max = a;
  }
  grad.fill(0);
  if (lambda === 0 || max === 0) return { value: lambda * max, grad };
  // c_k = λ s_k / |S| on the maximizers; grad = (c − (c · L̂) L̂) / ‖v‖
  let count = 0;
  for (let k = 0; k < v.length; k++) if (Math.abs(v[k]! / nrm - hat0[k]!) === max) count++;
  let cDotHat = 0;
  for (let k = 0; k < v.length; k++) {
    const diff = v[k]! / nrm - hat0[k]!;
    if (Math.abs(diff) === max) {
      const c = (lambda * Math.sign(diff)) / count;
      grad[k] = c;
      cDotHat += (c * v[k]!) / nrm;
    }
  }
  for (let k = 0; k < v.length; k++) grad[k] = (grad[k]! - (cDotHat * v[k]!) / nrm) / nrm;
  return { value: lambda * max, grad };
}
