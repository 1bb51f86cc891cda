/**
 * OptNet's Sudoku experiment (Amos & Kolter 2017, §5.3; dQP paper §4): learn the constraints
 * of Sudoku from examples through a QP layer.
 *
 * Model. For a puzzle with one-hot encoding x (length n = N³, N = s²), the prediction is
 *
 *   z*(A, z₀; x) = argmin_z  c·zᵀz − xᵀz          (c = qPenalty = 0.1, benchmarks.md)
 *                  s.t.      A z = b,   z ≥ 0
 *   with          b = A z₀,
 *
 * In the project's ½zᵀPz convention (qp/types.ts) the quadratic term is P = 2c·I = 0.2·I; the
 * lower bounds z ≥ 0 are passed as lb = 0 (not as rows of C). Because b = A z₀ with z₀ > 0, the
 * QP is feasible for every A: z₀ itself is a strictly feasible point. Parameters:
 *   A      r×n, r = rank of the true constraints (40×64 for 4×4 boards), A_ij ~ U(0, initScale)
 *   z₀     'learned': z₀ = exp(log z₀), log z₀ learned, initialised to log(z0Init);
 *          'fixed':   z₀ = z0Init·1, not learned.
 *          z0Init defaults to 1/N: the uniform board (every digit 1/N in every cell), which is
 *          feasible for the TRUE constraints, so the initial b already has the right mass.
 * Loss: mean squared error between z* and the one-hot solution (OptNet's nn.MSELoss). A board
 * counts as correct when the per-cell argmax of z* equals the solution in all N² cells.
 *
 * Why initScale = 0.1 (OptNet initialises A ~ U(0, 1), but trains with Adam lr 0.1 on batches of
 * 150). The constraint set only depends on the row space of A and on z₀: A → M·A (M invertible)
 * gives the same QP, and the gradient with respect to each row of A is orthogonal to that row.
 * Adam's steps are about lr in absolute size whatever the scale of A, so with the default lr 1e-3
 * and batch size 1 the row space of a U(0, 1) matrix turns very slowly; with A ~ U(0, 0.1) the
 * same steps are ten times larger relative to A. Measured (seed 0, 200 test boards, test
 * accuracy after 2000 steps): 0.5 % with initScale 1, 55 % with 0.1; 3000 boards × 3 epochs
 * with 0.1: 0 → 90 % (`dqp sudoku --train 3000 --test 300 --epochs 3`).
 * Reference point: with the TRUE constraints (A = sudokuConstraintMatrix, z₀ = 1/N, b = 1) and
 * c = 0.1 about 95 % of the generated puzzles come out right (the quadratic term pulls z* off
 * the one-hot vertex on hard puzzles); as c → 0 all of them do.
 *
 * Training runs in tfjs: A and log z₀ are tf.Variables, b = A·z₀ and the loss are tfjs ops, and
 * the QP is the project's tfjs adapter of the dQP layer (optimizer/tf, TfQpLayer: a
 * tf.customGrad op whose forward is dqpForward in Float64 and whose gradient is dqpBackward).
 * Optimiser: Adam (tf.train.adam). P, q, lb are fixed (no gradient, nothing kept).
 * Evaluation (forward only) calls the dQP layer directly in Float64, without tensors.
 *
 * Cost of a training step (measured on the 2-core machine, about 5–8 ms): the forward QP solve
 * dominates (IPM, ~9 iterations), then the tfjs ops and Adam (~1.5–2.5 ms), the reduced KKT
 * factorization (~0.4 ms) and the backward (~0.1 ms). P is passed as a CSC diagonal so the
 * `ipm` backend takes its sparse KKT path, and z ≥ 0 as bounds, which it eliminates into the
 * diagonal: median forward 2.3 ms against 3.9 ms for dense P with C = −I rows. Among the
 * registered solvers `ipm` is the fastest here (forward medians: highs 3.4–3.7 ms, quadprog
 * 5.9–8.1 ms, admm 6.8–11.9 ms), hence the default.
 *
 * The tfjs module is passed in (from loadTf()), so the model works with tfjs or tfjs-node.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { InputError } from '../../optimizer/errors.ts';
import { DqpLayer } from '../../optimizer/dqp/layer.ts';
import type { DqpForwardResult, DqpOptions } from '../../optimizer/dqp/types.ts';
import type { Tf } from '../../optimizer/tf/load.ts';
import { TfQpLayer } from '../../optimizer/tf/qp-layer.ts';
import type { CscMatrix, DenseMatrix } from '../../optimizer/linalg/types.ts';
import type { QPProblem } from '../../optimizer/qp/types.ts';
import { Rng } from '../../optimizer/util/random.ts';
import { decode, sudokuConstraintMatrix, type SudokuExample } from './board.ts';

export interface SudokuModelOptions {
  /** box size s (2: 4×4 boards) */
  readonly boxSize?: number;
  /** c in the objective c·zᵀz − xᵀz, i.e. P = 2c·I (default 0.1) */
  readonly qPenalty?: number;
  /** forward QP solver (registry name, default 'ipm') */
  readonly solver?: string;
  /** Adam learning rate (default 1e-3) */
  readonly learningRate?: number;
  /** seed of the initialisation of A (default 0) */
  readonly seed?: number;
  /** rows of A (default: the rank of the true Sudoku constraints, 40 for 4×4) */
  readonly rows?: number;
  /** A_ij ~ U(0, initScale) at initialisation (default 0.1; OptNet: 1) */
  readonly initScale?: number;
  /** learn z₀ (through log z₀) or keep it fixed (default 'learned') */
  readonly z0?: 'learned' | 'fixed';
  /** initial (or fixed) value of every entry of z₀ (default 1/N) */
  readonly z0Init?: number;
  /** further dQP options (tolerances, active-set threshold, linear solver); default epsAbs 1e-10 */
  readonly dqp?: Omit<DqpOptions, 'solver' | 'fixed' | 'warmStart'>;
}

/** Outcome of one prediction. */
export interface SudokuPrediction {
  /** length n, z*; null when the solver failed */
  readonly z: Float64Array | null;
  /** MSE against the solution (NaN when the solver failed) */
  readonly loss: number;
  /** argmax board equals the solution */
  readonly correct: boolean;
  /** cells whose argmax equals the solution */
  readonly correctCells: number;
}

/** c·I (n×n) as a CSC matrix (the diagonal pattern). */
function scaledIdentity(n: number, c: number): CscMatrix {
  const colPtr = new Int32Array(n + 1);
  const rowIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    colPtr[i + 1] = i + 1;
    rowIdx[i] = i;
  }
  return { format: 'csc', nrows: n, ncols: n, colPtr, rowIdx, values: new Float64Array(n).fill(c) };
}

/** Mean squared error between z and y (same length). */
export function meanSquaredError(z: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += (z[i]! - y[i]!) ** 2;
  return s / z.length;
}

export class SudokuQpModel {
  readonly boxSize: number;
  /** variables n = N³ */
  readonly n: number;
  /** rows of A */
  readonly rows: number;
  /** c of the objective c·zᵀz (P = 2c·I) */
  readonly qPenalty: number;
  readonly learnZ0: boolean;
  /** r×n, float32 */
  readonly A: tfjs.Variable<tfjs.Rank.R2>;
  /** length n, float32; log z₀ (a constant, not trained, when z0 = 'fixed') */
  readonly logZ0: tfjs.Variable<tfjs.Rank.R1>;
  readonly optimizer: tfjs.AdamOptimizer;
  /** forward-only solves (evaluation) */
  readonly layer: DqpLayer;
  /** the QP as a tfjs op (training) */
  readonly tfLayer: TfQpLayer;
  /** forward solves that failed (no differentiable point); such steps are skipped */
  failures = 0;
  /**
   * training steps taken at a non-differentiable point (weakly active bound, more active
   * constraints than variables, singular K_J): their gradient is dQP's one-sided /
   * least-squares one. Common near the end of training: the one-hot solution of a Sudoku is a
   * degenerate vertex (40 equalities and 48 active bounds on 64 variables).
   */
  nonDifferentiable = 0;
  private readonly P: CscMatrix;
  private readonly lb: Float64Array;
  /** constant tensors of every training QP: the n diagonal values of P, and lb (n) */
  private readonly constants: { P: tfjs.Tensor1D; lb: tfjs.Tensor1D };
  private readonly trainable: tfjs.Variable[];

  /**
   * @param tf       the tfjs module (loadTf())
   * @param options  see SudokuModelOptions
   */
  constructor(
    private readonly tf: Tf,
    options: SudokuModelOptions = {},
  ) {
    this.boxSize = options.boxSize ?? 2;
    const N = this.boxSize * this.boxSize;
    this.n = N * N * N;
    this.rows = options.rows ?? sudokuConstraintMatrix(this.boxSize).rows;
    if (!Number.isInteger(this.rows) || this.rows < 1 || this.rows >= this.n) throw new InputError('rows', `an integer in [1, ${this.n})`, String(this.rows));
    this.qPenalty = options.qPenalty ?? 0.1;
    if (!(this.qPenalty > 0)) throw new InputError('qPenalty', 'a positive number', String(this.qPenalty));
    const lr = options.learningRate ?? 1e-3;
    if (!(lr > 0)) throw new InputError('learningRate', 'a positive number', String(lr));
    const initScale = options.initScale ?? 0.1;
    if (!(initScale > 0) || !Number.isFinite(initScale)) throw new InputError('initScale', 'a positive number', String(initScale));
    const z0Init = options.z0Init ?? 1 / N;
    if (!(z0Init > 0) || !Number.isFinite(z0Init)) throw new InputError('z0Init', 'a positive number', String(z0Init));
    const z0Mode = options.z0 ?? 'learned';
    if (z0Mode !== 'learned' && z0Mode !== 'fixed') throw new InputError('z0', "'learned' or 'fixed'", String(z0Mode));
    this.learnZ0 = z0Mode === 'learned';
    const rng = new Rng(options.seed ?? 0);
    const A0 = new Float32Array(this.rows * this.n);
    for (let i = 0; i < A0.length; i++) A0[i] = initScale * rng.uniform();
    // (unnamed variables: tfjs gives them unique names)
    this.A = tf.variable(tf.tensor2d(A0, [this.rows, this.n], 'float32'), true);
    this.logZ0 = tf.variable(tf.fill([this.n], Math.log(z0Init), 'float32'), this.learnZ0);
    this.trainable = this.learnZ0 ? [this.A, this.logZ0] : [this.A];
    this.optimizer = tf.train.adam(lr);
    const solver = options.solver ?? 'ipm';
    // epsAbs 1e-10 (dQP's default 1e-9): A is small (initScale) and its rows nearly parallel
    // at initialisation, so the absolute residual tolerance must be tighter for z to be
    // accurate well below the active-set threshold ε_J = 1e-5 (measured on 100 puzzles at
    // initialisation: max |z − z_exact| 1.4e-5 with 1 wrong active set at 1e-9, 4e-6 and none
    // at 1e-10, for about half an IPM iteration more).
    const dqp = { epsAbs: 1e-10, ...options.dqp };
    // batch size 1, each puzzle a different q: no warm start across examples (as OptNet)
    this.P = scaledIdentity(this.n, 2 * this.qPenalty);
    this.lb = new Float64Array(this.n);
    this.layer = new DqpLayer({ ...dqp, solver, warmStart: false, fixed: ['P', 'q', 'lb'] });
    // P is given to the tfjs layer as its n diagonal values over a fixed CSC pattern
    const { colPtr, rowIdx } = this.P;
    this.tfLayer = new TfQpLayer(tf, {
      sparse: { P: { format: 'csc', nrows: this.n, ncols: this.n, colPtr, rowIdx } },
      options: { ...dqp, solver, fixed: ['P', 'q', 'lb'] },
    });
    this.constants = {
      P: tf.tensor1d(Float32Array.from(this.P.values), 'float32'),
      lb: tf.zeros([this.n], 'float32'),
    };
  }

  /** Current A (row-major r×n), z₀ and b = A·z₀ in Float64 (from the float32 variables). */
  parameters(): { A: Float64Array; b: Float64Array; z0: Float64Array } {
    const A = Float64Array.from(this.A.dataSync());
    const z0 = Float64Array.from(this.logZ0.dataSync(), Math.exp);
    const b = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      let s = 0;
      for (let j = 0; j < this.n; j++) s += A[i * this.n + j]! * z0[j]!;
      b[i] = s;
    }
    return { A, b, z0 };
  }

  /**
   * Overwrite the parameters: A (row-major r×n) and/or z₀ (length n, every entry > 0; stored as
   * log z₀). Adam's moment estimates are kept. Neither array is modified.
   */
  assign(values: { A?: ArrayLike<number>; z0?: ArrayLike<number> }): void {
    const tf = this.tf;
    if (values.A) {
      if (values.A.length !== this.rows * this.n) throw new InputError('A', `length ${this.rows * this.n} (${this.rows}×${this.n})`, `length ${values.A.length}`);
      tf.tidy(() => this.A.assign(tf.tensor2d(Float32Array.from(values.A!), [this.rows, this.n], 'float32')));
    }
    if (values.z0) {
      if (values.z0.length !== this.n) throw new InputError('z0', `length ${this.n}`, `length ${values.z0.length}`);
      for (let i = 0; i < this.n; i++) if (!(values.z0[i]! > 0) || !Number.isFinite(values.z0[i]!)) throw new InputError(`z0[${i}]`, 'a positive number', String(values.z0[i]));
      tf.tidy(() => this.logZ0.assign(tf.tensor1d(Float32Array.from(values.z0!, Math.log), 'float32')));
    }
  }

  /** The QP of one puzzle with the current parameters: P = 2c·I, q = −x, A, b, lb = 0. */
  problem(puzzleOneHot: Float64Array, params = this.parameters()): QPProblem {
    if (puzzleOneHot.length !== this.n) throw new InputError('puzzleOneHot', `length ${this.n}`, `length ${puzzleOneHot.length}`);
    const q = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) q[i] = -puzzleOneHot[i]!;
    const A: DenseMatrix = { format: 'dense', nrows: this.rows, ncols: this.n, data: params.A };
    return { P: this.P, q, A, b: params.b, lb: this.lb };
  }

  /** Loss and correctness of a prediction z (length n) for an example. */
  score(z: Float64Array, example: SudokuExample): SudokuPrediction {
    const loss = meanSquaredError(z, example.solutionOneHot);
    const board = decode(z, this.boxSize);
    let cells = 0;
    for (let i = 0; i < board.length; i++) if (board[i] === example.solution[i]) cells++;
    return { z, loss, correct: cells === board.length, correctCells: cells };
  }

  /** Forward only: prediction, loss and correctness for one example. */
  predict(example: SudokuExample, params = this.parameters()): SudokuPrediction {
    const fwd = this.layer.forward(this.problem(example.puzzleOneHot, params));
    if (!fwd.context) {
      this.failures++;
      return { z: null, loss: Number.NaN, correct: false, correctCells: 0 };
    }
    return this.score(fwd.z, example);
  }

  /**
   * The loss of one example as a function of the tfjs variables: b = A·exp(log z₀), z = the QP
   * layer (TfQpLayer) at (P, q = −x, A, b, lb), loss = mean((z − y)²). The layer's forward
   * results are left in tfLayer.lastResults.
   */
  private lossFunction(target: tfjs.Tensor1D, q: tfjs.Tensor1D): () => tfjs.Scalar {
    const tf = this.tf;
    const { n, rows } = this;
    // (minimize / variableGrads run this inside their own tidy: intermediates are released)
    return () => {
      const b = tf.reshape(tf.matMul(this.A, tf.reshape(tf.exp(this.logZ0), [n, 1])), [rows]);
      const { z } = this.tfLayer.apply({ P: this.constants.P, q, A: this.A, b, lb: this.constants.lb });
      return tf.mean(tf.square(tf.sub(z, target))) as tfjs.Scalar;
    };
  }

  /** Run `body` with the target and q tensors of an example, disposing them afterwards. */
  private withExample<T>(example: SudokuExample, body: (target: tfjs.Tensor1D, q: tfjs.Tensor1D) => T): T {
    const tf = this.tf;
    const target = tf.tensor1d(Float32Array.from(example.solutionOneHot), 'float32');
    const q = tf.tensor1d(Float32Array.from(example.puzzleOneHot, (v) => -v), 'float32');
    try {
      return body(target, q);
    } finally {
      target.dispose();
      q.dispose();
    }
  }

  /** The forward result of the last tfjs evaluation, or null (and counted) when it failed. */
  private lastForward(): DqpForwardResult | null {
    const r = this.tfLayer.lastResults[0];
    if (!r || !r.context) {
      this.failures++;
      return null;
    }
    return r;
  }

  /**
   * Loss and its gradients with respect to A (row-major r×n) and log z₀ (n; zeros when z₀ is
   * fixed) at the current parameters, through tfjs (no update). null when the forward failed.
   */
  lossAndGradients(example: SudokuExample): { loss: number; A: Float64Array; logZ0: Float64Array } | null {
    return this.withExample(example, (target, q) => {
      const { value, grads } = this.tf.variableGrads(this.lossFunction(target, q), this.trainable);
      try {
        const fwd = this.lastForward();
        if (!fwd) return null;
        const gz = grads[this.logZ0.name];
        return {
          loss: meanSquaredError(fwd.z, example.solutionOneHot),
          A: Float64Array.from(grads[this.A.name]!.dataSync()),
          logZ0: gz ? Float64Array.from(gz.dataSync()) : new Float64Array(this.n),
        };
      } finally {
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
      }
    });
  }

  /**
   * One Adam step on one example (batch size 1). Returns the prediction BEFORE the update
   * (Float64, from the solve), or null when the forward solve failed (its gradient is then
   * zero: TfQpLayer, and the step is skipped).
   */
  trainStep(example: SudokuExample): SudokuPrediction | null {
    return this.withExample(example, (target, q) => {
      const loss = this.optimizer.minimize(this.lossFunction(target, q), true, this.trainable);
      loss?.dispose();
      const fwd = this.lastForward();
      if (fwd?.flags.nonDifferentiable) this.nonDifferentiable++;
      return fwd ? this.score(fwd.z, example) : null;
    });
  }

  /**
   * Mean loss, fraction of correct boards and of correct cells over a data set (forward only;
   * failed solves count as wrong boards and are left out of the loss).
   */
  evaluate(examples: readonly SudokuExample[]): { loss: number; accuracy: number; cellAccuracy: number; failed: number } {
    const params = this.parameters();
    let loss = 0, correct = 0, cells = 0, failed = 0;
    for (const e of examples) {
      const p = this.predict(e, params);
      if (p.z === null) failed++;
      else {
        loss += p.loss;
        cells += p.correctCells;
        if (p.correct) correct++;
      }
    }
    const ok = examples.length - failed;
    const k = examples.length;
    return {
      loss: ok > 0 ? loss / ok : Number.NaN,
      accuracy: k > 0 ? correct / k : Number.NaN,
      cellAccuracy: k > 0 ? cells / (k * e2(examples)) : Number.NaN,
      failed,
    };
  }

  /** Release the tfjs variables, constants and optimizer state. */
  dispose(): void {
    this.A.dispose();
    this.logZ0.dispose();
    this.optimizer.dispose();
    this.constants.P.dispose();
    this.constants.lb.dispose();
  }
}

/** Cells per board of a data set (N²). */
function e2(examples: readonly SudokuExample[]): number {
  return examples.length > 0 ? examples[0]!.solution.length : 1;
}
