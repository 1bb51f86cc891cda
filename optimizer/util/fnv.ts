/**
 * 32-bit FNV-1a, the one non-cryptographic hash of the library (string seeds of the random
 * generator, sparsity-pattern keys of the factorization caches):
 *
 *   let h = FNV1A_OFFSET;
 *   for (const x of words) h = fnv1a(h, x);
 *   return h >>> 0;
 *
 * Each step XORs one word into the state and multiplies by the FNV prime with exact 32-bit
 * integer arithmetic (Math.imul), so the value is the same on every platform.
 */

/** FNV-1a offset basis (the initial state). */
export const FNV1A_OFFSET = 0x811c9dc5;

/** One FNV-1a step: the state h with the integer word x mixed in (a signed 32-bit value; `>>> 0` for the unsigned hash). */
export function fnv1a(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193);
}
