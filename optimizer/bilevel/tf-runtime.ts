/**
 * Which tfjs module the bi-level loop's Adam runs on. Importing the loop does not load tfjs:
 *
 *   await prepareBilevel();          loads it once (loadTf: tfjs-node when installed, else tfjs)
 *   runBilevel(problem, options)     synchronous: uses options.tf, else the prepared module
 *   await runBilevelAsync(...)       prepares by itself
 *
 * A synchronous call before any prepareBilevel() (and without options.tf) throws a DqpError
 * saying so.
 */
import { DqpError } from '../errors.ts';
import { loadTf, type Tf } from '../tf/load.ts';

let prepared: Tf | null = null;

/** Load tfjs for the bi-level loop (once; later calls return the same module). */
export async function prepareBilevel(): Promise<Tf> {
  prepared ??= await loadTf();
  return prepared;
}

/** The tfjs module to use: `explicit`, else the prepared one; throws when there is none. */
export function bilevelTf(explicit?: Tf | null): Tf {
  const tf = explicit ?? prepared;
  if (!tf) {
    throw new DqpError('the bi-level loop needs TensorFlow.js: call `await prepareBilevel()` once before the synchronous entry points, pass options.tf, or use the async entry point');
  }
  return tf;
}
