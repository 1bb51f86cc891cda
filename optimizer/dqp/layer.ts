/**
 * DqpLayer: the dQP layer as a stateful object for outer loops (learning, bi-level optimization).
 *
 * What it keeps between calls:
 *   - the options (validated once);
 *   - warm start: the previous solution (z, λ, μ) is passed to the solver as its initial point
 *     when the sizes match and the previous solve succeeded (option warmStart, default true);
 *   - a cache of symbolic analyses of the sparse reduced KKT matrix, keyed by the pattern of
 *     K_J (which is fixed by the patterns of P, A, C and the active set J): an outer loop whose
 *     active set did not change pays only the numeric factorization.
 * Neither changes results beyond the solver's tolerance (warm start) or at all (cache).
 *
 *   const layer = new DqpLayer({ solver: 'ipm', epsActive: 1e-5 });
 *   for (...) {
 *     const fwd = layer.forward(problem);
 *     const grads = layer.backward(fwd, { z: dLossDz });
 *   }
 *   layer.stats   // { calls, analyses, factorizations, symbolicHits, warmStarts }
 */
import type { QPProblem, WarmStart } from '../qp/types.ts';
import { dqpBackward } from './backward.ts';
import { forwardWithCache, resolveDqpOptions, type ResolvedDqpOptions } from './forward.ts';
import { KktFactorCache } from './reduced-kkt.ts';
import type { DqpBackwardOptions, DqpCotangents, DqpForwardResult, DqpGradients, DqpOptions } from './types.ts';

export interface DqpLayerOptions extends Omit<DqpOptions, 'warmStart'> {
  /** warm-start each solve from the previous call's solution; default true */
  readonly warmStart?: boolean;
  /** number of K_J patterns whose symbolic analysis is kept; default 4 (0 = no reuse) */
  readonly cacheSize?: number;
}

export interface DqpLayerStats {
  /** forward calls */
  readonly calls: number;
  /** symbolic analyses of a sparse K_J (new patterns) */
  readonly analyses: number;
  /** numeric factorizations of K_J (any kind) */
  readonly factorizations: number;
  /** factorizations whose K_J pattern was found in the cache (symbolic analysis reused) */
  readonly symbolicHits: number;
  /** forward calls that passed a warm start to the solver */
  readonly warmStarts: number;
}

export class DqpLayer {
  readonly options: ResolvedDqpOptions;
  readonly warmStartEnabled: boolean;
  private readonly cache: KktFactorCache;
  private previous: WarmStart | null = null;
  private calls = 0;
  private warmStarts = 0;

  constructor(options: DqpLayerOptions = {}) {
    const { warmStart, cacheSize, ...rest } = options;
    this.options = resolveDqpOptions(rest);
    this.warmStartEnabled = warmStart ?? true;
    this.cache = new KktFactorCache(cacheSize ?? 4);
  }

  /** Forward pass (see dqpForward), with warm start and symbolic reuse. */
  forward(problem: QPProblem): DqpForwardResult {
    const n = problem.P.ncols;
    const p = problem.A ? problem.A.nrows : 0;
    const m = problem.C ? problem.C.nrows : 0;
    const prev = this.previous;
    const warm =
      this.warmStartEnabled && prev && prev.z!.length === n && prev.lambda!.length === p && prev.mu!.length === m ? prev : null;
    if (warm) this.warmStarts++;
    this.calls++;
    const result = forwardWithCache(problem, warm ? { ...this.options, warmStart: warm } : this.options, { cache: this.cache });
    if (result.status === 'solved' || result.status === 'solved_inaccurate') {
      this.previous = { z: result.z, lambda: result.lambda, mu: result.mu };
    }
    return result;
  }

  /** Backward pass for a result of this layer (see dqpBackward; options.allowInexact). */
  backward(result: DqpForwardResult, cotangents: DqpCotangents, options?: DqpBackwardOptions): DqpGradients {
    return dqpBackward(result, cotangents, options);
  }

  get stats(): DqpLayerStats {
    return {
      calls: this.calls,
      analyses: this.cache.analyses,
      factorizations: this.cache.factorizations,
      symbolicHits: this.cache.hits,
      warmStarts: this.warmStarts,
    };
  }

  /** Forget the warm start and the cached analyses (counters are kept). */
  reset(): void {
    this.previous = null;
    this.cache.clear();
  }
}
