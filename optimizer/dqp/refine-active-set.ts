/**
 * Active-set refinement (paper App. B heuristic; option `refineActiveSet`).
 *
 * The threshold set J₀ = { j : r_j ≥ −ε_J } misses rows that an inexact solver left slightly
 * inside the feasible region. The heuristic grows J greedily:
 *
 *   1. candidates: the rows not in J₀ with a finite residual, sorted by residual, largest
 *      (closest to active) first;
 *   2. ρ(J) = residual of the reduced system: with (z̃, λ̃, μ̃_J) = K_J⁻¹ [−q; b; d_J] (stationarity,
 *      the equalities and the rows of J hold exactly by construction),
 *        ρ(J) = max( max_{j∉J} [s_j r_j(z̃)]₊ ,  max_{j∈J} [−μ̃_j]₊ )
 *      i.e. the violation of the remaining inequalities plus dual infeasibility (J is the true
 *      active set of a non-degenerate point ⇔ ρ(J) = 0);
 *   3. add the next candidate while ρ keeps decreasing; stop at the first non-decrease, when
 *      ρ is at round-off level, or when |J| + p would exceed n.
 *
 * `evaluate` (injected) returns ρ(J) for a candidate set, so this file has no linear algebra.
 */

export interface RefineResult {
  /** the refined active set, ascending */
  readonly J: Int32Array;
  /** ρ at the returned J */
  readonly residual: number;
  /** rows added to J₀ */
  readonly added: number;
}

/**
 * Greedy refinement.
 *   J0        initial active set, ascending
 *   r         residuals of all inequality rows at the solver's z (length total; −∞ = never)
 *   scale     row scales (normalize) or null
 *   maxSize   largest |J| allowed (n − p)
 *   evaluate  J ↦ ρ(J) (may be Infinity when K_J is singular)
 *   tol       ρ at or below this is final
 */
export function refineActiveSet(
  J0: Int32Array,
  r: Float64Array,
  scale: Float64Array | null,
  maxSize: number,
  evaluate: (J: Int32Array) => number,
  tol: number,
): RefineResult {
  const inJ = new Uint8Array(r.length);
  for (let t = 0; t < J0.length; t++) inJ[J0[t]!] = 1;
  const cand: number[] = [];
  for (let j = 0; j < r.length; j++) if (!inJ[j] && Number.isFinite(r[j]!)) cand.push(j);
  const key = (j: number) => (scale ? scale[j]! * r[j]! : r[j]!);
  cand.sort((a, b) => key(b) - key(a) || a - b);

  let J = J0;
  let best = evaluate(J0);
  let added = 0;
  for (const c of cand) {
    if (!(best > tol) || J.length + 1 > maxSize) break;
    const next = new Int32Array(J.length + 1);
    let o = 0;
    let placed = false;
    for (let t = 0; t < J.length; t++) {
      if (!placed && J[t]! > c) {
        next[o++] = c;
        placed = true;
      }
      next[o++] = J[t]!;
    }
    if (!placed) next[o++] = c;
    const res = evaluate(next);
    if (res < best) {
      best = res;
      J = next;
      added++;
    } else break;
  }
  return { J, residual: best, added };
}
