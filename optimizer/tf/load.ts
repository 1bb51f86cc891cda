/**
 * loadTf(): the TensorFlow.js module to use.
 *
 * Tries `@tensorflow/tfjs-node` (native TensorFlow binding, much faster) first and falls back to
 * `@tensorflow/tfjs` (pure JavaScript, cpu backend, float32 only). tfjs-node is an OPTIONAL
 * dependency: its install script downloads libtensorflow, which fails offline, so the project does
 * not depend on it; install it yourself (`npm install @tensorflow/tfjs-node`) to get the faster
 * backend — nothing else changes. The dQP layer does all its numerics in Float64 either way; the
 * tensors it exchanges with tfjs are float32.
 *
 *   const tf = await loadTf();
 *   const layer = new TfQpLayer(tf, { options: { solver: 'ipm' } });
 */
import type * as tfjs from '@tensorflow/tfjs';

/** The tfjs namespace (tfjs-node re-exports the same API). */
export type Tf = typeof tfjs;

export interface LoadTfOptions {
  /** try @tensorflow/tfjs-node first (default true) */
  readonly preferNode?: boolean;
}

/** Which package loadTf() ended up using ('' before the first call). */
export let loadedTfPackage: '' | '@tensorflow/tfjs-node' | '@tensorflow/tfjs' = '';

let cached: Promise<Tf> | null = null;

export function loadTf(options: LoadTfOptions = {}): Promise<Tf> {
  if (cached && options.preferNode !== false) return cached;
  const attempt = async (): Promise<Tf> => {
    if (options.preferNode !== false) {
      // a non-literal specifier: the optional package need not exist for type checking
      const nodePkg = ['@tensorflow', 'tfjs-node'].join('/');
      try {
        const mod = (await import(nodePkg)) as Tf & { default?: Tf };
        loadedTfPackage = '@tensorflow/tfjs-node';
        return mod.default ?? mod;
      } catch {
        // not installed (or its native library is missing): use the pure-JS package
      }
    }
    const mod = (await import('@tensorflow/tfjs')) as Tf & { default?: Tf };
    loadedTfPackage = '@tensorflow/tfjs';
    return mod.default && typeof mod.default.tensor === 'function' ? mod.default : mod;
  };
  const p = attempt();
  if (options.preferNode !== false) cached = p;
  return p;
}
