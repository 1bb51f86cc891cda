/**
 * OptNet's Sudoku experiment (Amos & Kolter 2017, §5.2; dQP paper §4): learn the constraints
 * of Sudoku from examples through a QP layer.
 *
 * Model. For a puzzle with one-hot encoding x (length n = N³, N = s²), the prediction is
 *
 *   z*(A, z₀; x) = argmin_z  ½ zᵀ (κ I) z − xᵀ z     (κ = qPenalty = 0.1, OptNet's "Q = 0.1 I")
 *                  s.t.      A z = b,   z ≥ 0        (C = −I, d = 0)
 *   with          b = A z₀,  z₀ = exp(log z₀) > 0,
 *
 * so z₀ is a strictly positive point with A z₀ = b and the QP is feasible for every value of
 * the learnable parameters A (r×n, r = rank of the true constraints: 40×64 for 4×4 boards,
 * initialised U(0, 1)) and log z₀ (length n, initialised 0). Loss: mean squared error between
 * z* and the one-hot solution. A board counts as correct when the per-cell argmax of z* equals
 * the solution.
 *
 * Training runs in tfjs: A and log z₀ are tf.Variables, b = A·exp(log z₀) and the loss are tfjs
 * ops, and the QP is the project's tfjs adapter of the dQP layer (optimizer/tf, TfQpLayer: a
 * tf.customGrad op whose forward is dqpForward in Float64 and whose gradient is dqpBackward).
 * Optimiser: Adam (tf.train.adam). P, q, C, d are fixed (no gradient, no memory).
 * Evaluation (forward only) calls the dQP layer directly in Float64, without tensors.
 *
 * The tfjs module is passed in (from loadTf()), so the model works with tfjs or tfjs-node.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { InputError } from '../errors.ts';
import { DqpLayer } from '../dqp/layer.ts';
import type { DqpForwardResult } from '../dqp/types.ts';
import type { Tf } from '../tf/load.ts';
import { TfQpLayer } from '../tf/qp-layer.ts';
import type { DenseMatrix } from '../linalg/types.ts';
import type { QPProblem } from '../qp/types.ts';
import { Rng } from '../util/random.ts';
import { decode, sudokuConstraintMatrix, type SudokuExample } from './board.ts';

export interface SudokuModelOptions {
  /** box size s (2: 4×4 boards) */
  readonly boxSize?: number;
  /** κ in P = κ·I (default 0.1) */
  readonly qPenalty?: number;
  /** forward QP solver (registry name, default 'ipm') */
  readonly solver?: string;
  /** Adam learning rate (default 1e-3) */
  readonly learningRate?: number;
  /** seed of the U(0,1) initialisation of A (default 0) */
  readonly seed?: number;
  /** rows of A (default: the rank of the true Sudoku constraints, 40 for 4×4) */
  readonly rows?: number;
}

/** Outcome of one prediction. */
export interface SudokuPrediction {
  /** length n, z*; null when the solver failed */
  readonly z: Float64Array | null;
  /** MSE against the solution (NaN when the solver failed) */
  readonly loss: number;
  /** argmax board equals the solution */
  readonly correct: boolean;
}

/** suffix making tfjs variable names unique per model */
let nextId = 0;

/** Identity-scaled dense matrix (n×n). */
function scaledIdentity(n: number, s: number): DenseMatrix {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = s;
  return { format: 'dense', nrows: n, ncols: n, data };
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
  readonly qPenalty: number;
  /** r×n, float32 */
  readonly A: tfjs.Variable<tfjs.Rank.R2>;
  /** length n, float32 */
  readonly logZ0: tfjs.Variable<tfjs.Rank.R1>;
  readonly optimizer: tfjs.AdamOptimizer;
  /** forward-only solves (evaluation) */
  readonly layer: DqpLayer;
  /** the QP as a tfjs op (training) */
  readonly tfLayer: TfQpLayer;
  /** forward solves that failed (no differentiable point); such steps are skipped */
  failures = 0;
  private readonly P: DenseMatrix;
  private readonly C: DenseMatrix;
  private readonly d: Float64Array;
  /** constant tensors P (n×n), C (n×n), d (n) of every training QP */
  private readonly constants: { P: tfjs.Tensor2D; C: tfjs.Tensor2D; d: tfjs.Tensor1D };

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
    const rng = new Rng(options.seed ?? 0);
    const A0 = new Float32Array(this.rows * this.n);
    for (let i = 0; i < A0.length; i++) A0[i] = rng.uniform();
    this.A = tf.variable(tf.tensor2d(A0, [this.rows, this.n], 'float32'), true, `sudokuA${nextId}`);
    this.logZ0 = tf.variable(tf.zeros([this.n], 'float32'), true, `sudokuLogZ0${nextId++}`);
    this.optimizer = tf.train.adam(lr);
    const solver = options.solver ?? 'ipm';
    // batch size 1, each puzzle a different q: no warm start across examples (as OptNet)
    this.layer = new DqpLayer({ solver, warmStart: false, fixed: ['P', 'q', 'C', 'd'] });
    this.tfLayer = new TfQpLayer(tf, { options: { solver, fixed: ['P', 'q', 'C', 'd'] } });
    this.P = scaledIdentity(this.n, this.qPenalty);
    this.C = scaledIdentity(this.n, -1);
    this.d = new Float64Array(this.n);
    this.constants = {
      P: tf.tensor2d(Float32Array.from(this.P.data), [this.n, this.n], 'float32'),
      C: tf.tensor2d(Float32Array.from(this.C.data), [this.n, this.n], 'float32'),
      d: tf.zeros([this.n], 'float32'),
    };
  }

  /** Current A (row-major r×n) and b = A·exp(log z₀) in Float64 (from the float32 variables). */
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

  /** The QP of one puzzle with the current parameters. */
  problem(puzzleOneHot: Float64Array, params = this.parameters()): QPProblem {
    if (puzzleOneHot.length !== this.n) throw new InputError('puzzleOneHot', `length ${this.n}`, `length ${puzzleOneHot.length}`);
    const q = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) q[i] = -puzzleOneHot[i]!;
    const A: DenseMatrix = { format: 'dense', nrows: this.rows, ncols: this.n, data: params.A };
    return { P: this.P, q, A, b: params.b, C: this.C, d: this.d };
  }

  private solve(example: SudokuExample): DqpForwardResult | null {
    const fwd = this.layer.forward(this.problem(example.puzzleOneHot));
    if (!fwd.context) {
      this.failures++;
      return null;
    }
    return fwd;
  }

  /** Forward only: prediction, loss and correctness for one example. */
  predict(example: SudokuExample): SudokuPrediction {
    const fwd = this.solve(example);
    if (!fwd) return { z: null, loss: Number.NaN, correct: false };
    const loss = meanSquaredError(fwd.z, example.solutionOneHot);
    const board = decode(fwd.z, this.boxSize);
    let correct = true;
    for (let i = 0; i < board.length; i++) if (board[i] !== example.solution[i]) correct = false;
    return { z: fwd.z, loss, correct };
  }

  /**
   * The loss of one example as a function of the tfjs variables: b = A·exp(log z₀), z = the QP
   * layer (TfQpLayer) at (P, q = −x, A, b, C, d), loss = mean((z − y)²). The layer's forward
   * results are left in tfLayer.lastResults.
   */
  private lossFunction(target: tfjs.Tensor1D, q: tfjs.Tensor1D): () => tfjs.Scalar {
    const tf = this.tf;
    const { n, rows } = this;
    // (minimize / variableGrads run this inside their own tidy: intermediates are released)
    return () => {
      const b = tf.reshape(tf.matMul(this.A, tf.reshape(tf.exp(this.logZ0), [n, 1])), [rows]);
      const { z } = this.tfLayer.apply({ P: this.constants.P, q, A: this.A, b, C: this.constants.C, d: this.constants.d });
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
   * Loss and its gradients with respect to A (row-major r×n) and log z₀ (n) at the current
   * parameters, through tfjs (no update). null when the forward solve failed.
   */
  lossAndGradients(example: SudokuExample): { loss: number; A: Float64Array; logZ0: Float64Array } | null {
    return this.withExample(example, (target, q) => {
      const { value, grads } = this.tf.variableGrads(this.lossFunction(target, q), [this.A, this.logZ0]);
      try {
        const fwd = this.lastForward();
        if (!fwd) return null;
        return {
          loss: meanSquaredError(fwd.z, example.solutionOneHot),
          A: Float64Array.from(grads[this.A.name]!.dataSync()),
          logZ0: Float64Array.from(grads[this.logZ0.name]!.dataSync()),
        };
      } finally {
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
      }
    });
  }

  /**
   * One Adam step on one example (batch size 1). Returns the loss BEFORE the update (Float64, from
   * the solve), or NaN when the forward solve failed (its gradient is then zero: TfQpLayer).
   */
  trainStep(example: SudokuExample): number {
    return this.withExample(example, (target, q) => {
      const loss = this.optimizer.minimize(this.lossFunction(target, q), true, [this.A, this.logZ0]);
      loss?.dispose();
      const fwd = this.lastForward();
      return fwd ? meanSquaredError(fwd.z, example.solutionOneHot) : Number.NaN;
    });
  }

  /** Mean loss and fraction of correct boards over a data set (forward only). */
  evaluate(examples: readonly SudokuExample[]): { loss: number; accuracy: number; failed: number } {
    let loss = 0, correct = 0, failed = 0;
    for (const e of examples) {
      const p = this.predict(e);
      if (p.z === null) failed++;
      else {
        loss += p.loss;
        if (p.correct) correct++;
      }
    }
    const ok = examples.length - failed;
    return { loss: ok > 0 ? loss / ok : Number.NaN, accuracy: examples.length > 0 ? correct / examples.length : Number.NaN, failed };
  }

  /** Release the tfjs variables, constants and optimizer state. */
  dispose(): void {
    this.A.dispose();
    this.logZ0.dispose();
    this.optimizer.dispose();
    this.constants.P.dispose();
    this.constants.C.dispose();
    this.constants.d.dispose();
  }
}

