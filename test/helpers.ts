/**
 * Small helpers shared by test files (not a test file itself): the seeded generator and the
 * error catcher.
 */

/** mulberry32 (optimizer/util/random.ts): seeded, uniform in [0, 1); rng(seed) returns a fresh stream. */
export { mulberry32 as rng } from '../optimizer/util/random.ts';

/** The error thrown by fn(); throws (failing the test) when fn returns normally. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
