/**
 * Small helpers shared by test files (not a test file itself): the seeded generator, the error
 * catcher and a stdout capture.
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

/** Run `fn` with process.stdout.write captured; returns what it printed. */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}
