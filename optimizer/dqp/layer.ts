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
 *   - the previous active set J, the prediction of the next one (option predictActiveSet): the
 *     QP of the predicted J is solved with one factorization of K_J and checked for feasibility
 *     and dual signs (predicted-solve.ts); the solver is called only when the check fails.
 * Neither the warm start nor the cache changes results beyond the solver's tolerance (warm start)
 * or at all (cache); a prediction that passes its check is the exact solution of the QP up to its
 * tolerance (1e-9), so it differs from a solver call by at most the solver's own tolerance.
 *
 *   const layer = new DqpLayer({ solver: 'ipm', epsActive: 1e-5 });
 *   for (...) {
 *     const fwd = layer.forward(problem);
 *     const grads = layer.backward(fwd, { z: dLossDz });
 *   }
 *   layer.stats   // { calls, analyses, factorizations, symbolicHits, warmStarts, predictions… }
 *   layer.last    // how the last forward was solved (predicted?, factorizations)
 */
import type { QPProblem, WarmStart } from '../qp/types.ts';
import { dqpBackward } from './backward.ts';
import { forwardWithCache, resolveDqpOptions, type ResolvedDqpOptions } from './forward.ts';
import { PREDICT_DEFAULTS, predictedForward, type PredictSettings } from './predicted-solve.ts';
import { KktFactorCache } from './reduced-kkt.ts';
import type { DqpBackwardOptions, DqpCotangents, DqpForwardResult, DqpGradients, DqpOptions } from './types.ts';
import { InputError } from '../errors.ts';

export interface DqpLayerOptions extends Omit<DqpOptions, 'warmStart'> {
  /** warm-start each solve from the previous call's solution; default true */
  readonly warmStart?: boolean;
  /** number of K_J patterns whose symbolic analysis is kept; default 4 (0 = no reuse) */
  readonly cacheSize?: number;
  /**
   * predict the active set from the previous call and solve its equality-constrained QP with one
   * factorization of K_J, calling the solver only when the check fails (predicted-solve.ts,
   * docs/dqp-layer.md#predicted-active-set-solve). `true` = defaults { tol: 1e-9, rounds: 4,
   * maxBorder: 64 }: tol is the absolute tolerance of the primal (rows off J: scaled residual ≤
   * tol) and dual (μ_J ≥ −tol·max(1, ‖μ_J‖∞)) checks, rounds the corrections of J (violated rows
   * join, negative duals leave) before the solver is called, maxBorder how many rows J may differ
   * from the last factored active set and still be solved through that factorization
   * (bordered-kkt.ts; the layer refactors that base set's K_J each forward, reusing its symbolic
   * analysis). Default false: every forward calls the solver (the paper's Algorithm 1)
   */
  readonly predictActiveSet?: boolean | Partial<PredictSettings>;
}

/**
 * The base set moves to the accepted J once the border solves spent since it was set (one per
 * changed row per forward) exceed this budget, of the order of the cost of one symbolic analysis
 * of a mesh K_J counted in solves: a rent-or-buy rule, so the forwards never spend much more than
 * twice the better of "keep the base" and "analyze J". On the ant (15 088 vertices) budgets from
 * 16 to 80 gave the same loop CPU time within the noise (9.3–11.3 s for 60 steps); a budget of 4
 * also, 1000 (never move) 14 s.
 */
const REBASE_BUDGET = 32;

/** How one forward of the layer was solved (DqpLayer.last). */
export interface DqpForwardInfo {
  /** the predicted active-set solve was accepted (no solver call) */
  readonly predicted: boolean;
  /** a prediction was tried (false: prediction off, or no previous active set) */
  readonly attempted: boolean;
  /** reduced-KKT factorizations of this forward (the predicted attempts and the layer's K_J) */
  readonly kktFactorizations: number;
  /** iterations of the solver call (0 without one); for ipm one factorization each */
  readonly solverIterations: number;
}

/** Validated predictActiveSet option (null = off). */
function predictSettings(v: DqpLayerOptions['predictActiveSet']): PredictSettings | null {
  if (v === undefined || v === false) return null;
  if (v === true) return PREDICT_DEFAULTS;
  if (typeof v !== 'object' || v === null) throw new InputError('options.predictActiveSet', 'true, false or { tol, rounds }', JSON.stringify(v));
  const tol = v.tol ?? PREDICT_DEFAULTS.tol;
  const rounds = v.rounds ?? PREDICT_DEFAULTS.rounds;
  const maxBorder = v.maxBorder ?? PREDICT_DEFAULTS.maxBorder;
  if (!(typeof tol === 'number' && tol > 0 && Number.isFinite(tol))) throw new InputError('options.predictActiveSet.tol', 'a finite number > 0', String(tol));
  if (!(Number.isInteger(rounds) && rounds >= 0)) throw new InputError('options.predictActiveSet.rounds', 'an integer ≥ 0', String(rounds));
  if (!(Number.isInteger(maxBorder) && maxBorder >= 0)) throw new InputError('options.predictActiveSet.maxBorder', 'an integer ≥ 0', String(maxBorder));
  return { tol, rounds, maxBorder };
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
  /** forward calls that tried a predicted active-set solve */
  readonly predictions: number;
  /** predictions that passed the check (no solver call) */
  readonly predictionsHeld: number;
}

export class DqpLayer {
  readonly options: ResolvedDqpOptions;
  readonly warmStartEnabled: boolean;
  /** the predicted solve's settings; null = off */
  readonly predict: PredictSettings | null;
  private readonly cache: KktFactorCache;
  private previous: WarmStart | null = null;
  /** the active set of the previous forward (InequalityRows numbering), the next prediction */
  private previousJ: Int32Array | null = null;
  /** the active set whose K_J this layer factors for the predicted solve (null: previousJ) */
  private baseJ: Int32Array | null = null;
  /** border solves spent since baseJ was set (see REBASE_BUDGET) */
  private borderSpent = 0;
  private calls = 0;
  private warmStarts = 0;
  private predictions = 0;
  private predictionsHeld = 0;
  /** how the last forward was solved */
  last: DqpForwardInfo = { predicted: false, attempted: false, kktFactorizations: 0, solverIterations: 0 };

  constructor(options: DqpLayerOptions = {}) {
    const { warmStart, cacheSize, predictActiveSet, ...rest } = options;
    this.options = resolveDqpOptions(rest);
    this.warmStartEnabled = warmStart ?? true;
    this.predict = predictSettings(predictActiveSet);
    this.cache = new KktFactorCache(cacheSize ?? 4);
  }

  /**
   * Forward pass (see dqpForward), with warm start and symbolic reuse: the predicted active-set
   * solve first when the option is on and a previous active set exists, else (or when its check
   * fails) the solver.
   */
  forward(problem: QPProblem): DqpForwardResult {
    const f0 = this.cache.factorizations;
    const predicted = this.tryPredicted(problem);
    if (predicted) return predicted;
    const attempted = this.last.attempted;
    const result = this.solve(problem);
    this.last = { ...this.last, attempted, kktFactorizations: this.cache.factorizations - f0 };
    return result;
  }

  /**
   * The predicted active-set solve alone (predicted-solve.ts): the result when the prediction
   * (the previous forward's J, corrected at most `rounds` times) passes its check, else null —
   * also null when prediction is off or there is no previous active set of the same size.
   */
  tryPredicted(problem: QPProblem): DqpForwardResult | null {
    const f0 = this.cache.factorizations;
    const J0 = this.previousJ;
    this.last = { predicted: false, attempted: false, kktFactorizations: 0, solverIterations: 0 };
    if (!this.predict || !J0 || !this.sameSizes(problem)) return null;
    this.predictions++;
    const out = predictedForward(problem, this.options, { cache: this.cache }, J0, this.predict, this.baseJ);
    // keep the factored base while the border stays small; move it to J once the border has
    // grown (the next forward then analyzes the new pattern once)
    if (out.factoredJ !== this.baseJ) this.borderSpent = 0;
    this.borderSpent += out.borderSize;
    if (out.result && this.borderSpent > REBASE_BUDGET) {
      this.baseJ = out.result.context!.J;
      this.borderSpent = 0;
    } else this.baseJ = out.factoredJ;
    this.last = { predicted: out.result !== null, attempted: true, kktFactorizations: this.cache.factorizations - f0, solverIterations: 0 };
    if (!out.result) return null;
    this.calls++;
    this.predictionsHeld++;
    this.remember(out.result);
    return out.result;
  }

  /** The forward pass through the solver (warm-started), without a prediction: the paper's Algorithm 1. */
  solve(problem: QPProblem): DqpForwardResult {
    const f0 = this.cache.factorizations;
    const n = problem.P.ncols;
    const p = problem.A ? problem.A.nrows : 0;
    const m = problem.C ? problem.C.nrows : 0;
    const prev = this.previous;
    const warm =
      this.warmStartEnabled && prev && prev.z!.length === n && prev.lambda!.length === p && prev.mu!.length === m ? prev : null;
    if (warm) this.warmStarts++;
    this.calls++;
    const result = forwardWithCache(problem, warm ? { ...this.options, warmStart: warm } : this.options, { cache: this.cache });
    this.remember(result);
    if (result.context) {
      this.baseJ = result.context.J;
      this.borderSpent = 0;
    }
    this.last = { predicted: false, attempted: false, kktFactorizations: this.cache.factorizations - f0, solverIterations: result.solution.iterations };
    return result;
  }

  /**
   * Take `result` (of this layer or of another one on the same family) as the warm start and the
   * prediction of the next forward. Results that are not solved are ignored.
   */
  remember(result: DqpForwardResult): void {
    if (result.status === 'solved' || result.status === 'solved_inaccurate') {
      this.previous = { z: result.z, lambda: result.lambda, mu: result.mu };
      this.previousJ = result.context ? result.context.J : null;
    }
  }

  private sameSizes(problem: QPProblem): boolean {
    const prev = this.previous;
    if (!prev) return false;
    const n = problem.P.ncols;
    const p = problem.A ? problem.A.nrows : 0;
    const m = problem.C ? problem.C.nrows : 0;
    return prev.z!.length === n && prev.lambda!.length === p && prev.mu!.length === m;
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
      predictions: this.predictions,
      predictionsHeld: this.predictionsHeld,
    };
  }

  /** Forget the warm start and the cached analyses (counters are kept). */
  reset(): void {
    this.previous = null;
    this.previousJ = null;
    this.baseJ = null;
    this.borderSpent = 0;
    this.cache.clear();
  }
}
