/**
 * TfQpLayer: the dQP layer as a TensorFlow.js op (tf.customGrad), so a QP can sit inside a tfjs
 * model and be trained with tf.train optimizers.
 *
 *   z*, λ*, μ* = argmin ½ zᵀPz + qᵀz  s.t.  Az = b,  Cz ≤ d,  lb ≤ z ≤ ub
 *
 * Inputs (tfjs tensors, float32):
 *   dense   P [n, n], q [n], A [p, n], b [p], C [m, n], d [m], lb [n], ub [n]
 *   sparse  P, A, C as VALUE vectors [nnz] over FIXED patterns given to the constructor
 *           (CSC or COO, see pattern.ts) — no tfjs gather/scatter is used
 * Each input may carry a leading batch dimension [B, ...]; inputs without it are shared by the
 * whole batch (their gradient is summed over the batch). Outputs get the batch dimension when
 * any input has it.
 *
 * Outputs: z [B?, n], lambda [B?, p], mu [B?, m] (and muLb, muUb [B?, n] with bounds).
 *
 * How: the op's forward converts the tensors to Float64Array and runs dqpForward per batch
 * element (all numerics in Float64; float32 only at the tensor boundary); its gradient calls
 * dqpBackward with the incoming cotangents of (z, λ, μ). tf.customGrad returns one tensor, so the
 * op returns the packed [z | λ | μ | μ_lb | μ_ub] and the outputs are slices of it (the
 * gradient of a slice is a pad: cheap).
 *
 * P is symmetrized (½(P + Pᵀ), on the pattern for sparse P — which must then be symmetric) before
 * solving, so a float32 round-off asymmetry is harmless; the objective only sees the symmetric
 * part, and the gradient is the symmetric ½(d_z zᵀ + z d_zᵀ) either way.
 *
 * A batch element whose forward solve fails (infeasible, …) gets its solver's output and ZERO
 * gradient (with a one-time warning, see optimizer/dqp/warnings.ts); inspect `lastResults`.
 *
 *   const tf = await loadTf();
 *   const layer = new TfQpLayer(tf, { options: { solver: 'ipm' } });
 *   const q = tf.variable(tf.zeros([n]));
 *   tf.train.adam(0.05).minimize(() => {
 *     const { z } = layer.apply({ P, q, C, d });
 *     return tf.sum(tf.square(tf.sub(z, target)));
 *   });
 */
import type * as tfjs from '@tensorflow/tfjs';
import { dqpBackward } from '../dqp/backward.ts';
import { dqpForward, resolveDqpOptions } from '../dqp/forward.ts';
import type { DqpCotangents, DqpForwardResult, DqpOptions } from '../dqp/types.ts';
import { DimensionError, InputError } from '../errors.ts';
import type { Matrix } from '../linalg/types.ts';
import { InequalityRows } from '../qp/inequality-rows.ts';
import type { QPProblem } from '../qp/types.ts';
import type { Tf } from './load.ts';
import { FixedPattern, type SparsePattern } from './pattern.ts';

type Tensor = tfjs.Tensor;

export interface TfQpLayerSpec {
  /** fixed sparsity patterns: P, A, C given as value vectors over these */
  readonly sparse?: { readonly P?: SparsePattern; readonly A?: SparsePattern; readonly C?: SparsePattern };
  /** dQP options (solver, ε_J, …); `fixed` inputs get a zero gradient */
  readonly options?: DqpOptions;
}

export interface TfQpInputs {
  readonly P: Tensor;
  readonly q: Tensor;
  readonly A?: Tensor | null;
  readonly b?: Tensor | null;
  readonly C?: Tensor | null;
  readonly d?: Tensor | null;
  readonly lb?: Tensor | null;
  readonly ub?: Tensor | null;
}

export interface TfQpOutputs {
  /** [B?, n] */
  readonly z: Tensor;
  /** [B?, p] */
  readonly lambda: Tensor;
  /** [B?, m] */
  readonly mu: Tensor;
  /** [B?, n], present when lb or ub was given */
  readonly muLb: Tensor | null;
  readonly muUb: Tensor | null;
}

const KEYS = ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const;
type Key = (typeof KEYS)[number];

interface InputInfo {
  readonly key: Key;
  readonly tensor: Tensor;
  readonly batched: boolean;
  /** elements per batch item */
  readonly size: number;
}

export class TfQpLayer {
  readonly options: DqpOptions;
  private readonly patterns: { P: FixedPattern | null; A: FixedPattern | null; C: FixedPattern | null };
  private last: readonly DqpForwardResult[] = [];

  constructor(
    private readonly tf: Tf,
    spec: TfQpLayerSpec = {},
  ) {
    this.options = spec.options ?? {};
    resolveDqpOptions(this.options);
    const sp = spec.sparse ?? {};
    this.patterns = {
      P: sp.P ? FixedPattern.from(sp.P, 'sparse.P') : null,
      A: sp.A ? FixedPattern.from(sp.A, 'sparse.A') : null,
      C: sp.C ? FixedPattern.from(sp.C, 'sparse.C') : null,
    };
  }

  /** Forward results (flags, active sets, statuses) of the last apply(), one per batch element. */
  get lastResults(): readonly DqpForwardResult[] {
    return this.last;
  }

  /** Apply the layer (see the file comment). */
  apply(inputs: TfQpInputs): TfQpOutputs {
    const tf = this.tf;
    const present: InputInfo[] = [];
    let batch = -1;
    // sizes from q, b, d
    const q = inputs.q;
    if (!q) throw new InputError('inputs.q', 'a tensor', 'nothing');
    const n = q.shape[q.shape.length - 1]!;
    const lastDim = (t: Tensor | null | undefined) => (t ? t.shape[t.shape.length - 1]! : 0);
    const p = lastDim(inputs.b);
    const m = lastDim(inputs.d);
    for (const key of KEYS) {
      const t = inputs[key];
      if (t === undefined || t === null) continue;
      const pattern = key === 'P' || key === 'A' || key === 'C' ? this.patterns[key] : null;
      let base: number[];
      if (pattern) base = [pattern.length];
      else if (key === 'P') base = [n, n];
      else if (key === 'A') base = [p, n];
      else if (key === 'C') base = [m, n];
      else if (key === 'b') base = [p];
      else if (key === 'd') base = [m];
      else base = [n];
      if (pattern && key === 'P' && (pattern.nrows !== n || pattern.ncols !== n)) throw new DimensionError('sparse.P', `${n}×${n}`, `${pattern.nrows}×${pattern.ncols}`);
      if (pattern && key === 'A' && (pattern.nrows !== p || pattern.ncols !== n)) throw new DimensionError('sparse.A', `${p}×${n}`, `${pattern.nrows}×${pattern.ncols}`);
      if (pattern && key === 'C' && (pattern.nrows !== m || pattern.ncols !== n)) throw new DimensionError('sparse.C', `${m}×${n}`, `${pattern.nrows}×${pattern.ncols}`);
      const shape = t.shape;
      const batched = shape.length === base.length + 1;
      const core = batched ? shape.slice(1) : shape;
      if (!(shape.length === base.length || batched) || core.some((s, i) => s !== base[i])) {
        throw new DimensionError(`inputs.${key}`, `shape [${base.join(', ')}] or [B, ${base.join(', ')}]`, `[${shape.join(', ')}]`);
      }
      if (batched) {
        if (batch >= 0 && shape[0] !== batch) throw new DimensionError(`inputs.${key}`, `batch size ${batch} (as the other batched inputs)`, `${shape[0]}`);
        batch = shape[0]!;
      }
      present.push({ key, tensor: t, batched, size: base.reduce((a, b) => a * b, 1) });
    }
    for (const [M, v] of [['A', 'b'], ['C', 'd']] as const) {
      if (!!inputs[M] !== !!inputs[v]) throw new InputError(`inputs.${inputs[M] ? v : M}`, `a tensor (${inputs[M] ? M : v} is given)`, 'nothing');
    }
    const hasBounds = !!(inputs.lb || inputs.ub);
    const batched = batch >= 0;
    const B = batched ? batch : 1;
    // packed output per batch element: z (n), λ (p), then the inequality duals (μ_C, μ_lb, μ_ub)
    const ineq = InequalityRows.numbering(n, m, hasBounds);
    const width = n + p + ineq.total;

    const op = tf.customGrad((...args: (Tensor | tfjs.GradSaveFunc)[]) => {
      const xs = args.slice(0, present.length) as Tensor[];
      const data = xs.map((x) => Float64Array.from(x.dataSync()));
      const results: DqpForwardResult[] = [];
      const packed = new Float32Array(B * width);
      for (let bi = 0; bi < B; bi++) {
        const problem = this.problemAt(present, data, bi, n, p, m);
        const r = dqpForward(problem, this.options);
        results.push(r);
        const o = bi * width;
        packed.set(r.z, o);
        packed.set(r.lambda, o + n);
        ineq.pack(r.mu, r.muLb, r.muUb, packed, o + n + p);
      }
      this.last = results;
      const value = tf.tensor(packed, batched ? [B, width] : [width], 'float32');
      const gradFunc = (dy: Tensor): Tensor[] => {
        const g = Float64Array.from(dy.dataSync());
        const acc = present.map((info) => new Float64Array(info.batched ? B * info.size : info.size));
        for (let bi = 0; bi < B; bi++) {
          const r = results[bi]!;
          if (!r.context) continue; // failed solve: zero gradient
          const o = bi * width;
          const duals = ineq.unpack(g, o + n + p);
          const cot: DqpCotangents = {
            z: g.subarray(o, o + n),
            lambda: g.subarray(o + n, o + n + p),
            mu: duals.muC,
            muLb: duals.muLb,
            muUb: duals.muUb,
          };
          const grads = dqpBackward(r, cot);
          present.forEach((info, idx) => {
            const gk = grads[info.key];
            if (!gk) return;
            const out = acc[idx]!;
            const off = info.batched ? bi * info.size : 0;
            const pattern = info.key === 'P' || info.key === 'A' || info.key === 'C' ? this.patterns[info.key] : null;
            if (pattern) {
              pattern.gradientToInput(gk, info.batched ? out.subarray(off, off + info.size) : out, !info.batched);
            } else if (info.batched) out.set(gk, off);
            else for (let i = 0; i < info.size; i++) out[i] += gk[i]!;
          });
        }
        return present.map((info, idx) => tf.tensor(Float32Array.from(acc[idx]!), info.tensor.shape, 'float32'));
      };
      return { value, gradFunc };
    });

    const out = op(...present.map((i) => i.tensor));
    const take = (start: number, len: number): Tensor =>
      batched ? tf.slice(out, [0, start], [B, len]) : tf.slice(out, [start], [len]);
    return {
      z: take(0, n),
      lambda: take(n, p),
      mu: take(n + p, m),
      muLb: hasBounds ? take(n + p + ineq.lbRow(0), n) : null,
      muUb: hasBounds ? take(n + p + ineq.ubRow(0), n) : null,
    };
  }

  /** The QP of batch element `bi` (Float64; P symmetrized). */
  private problemAt(present: readonly InputInfo[], data: readonly Float64Array[], bi: number, n: number, p: number, m: number): QPProblem {
    const get = (key: Key): Float64Array | null => {
      const idx = present.findIndex((i) => i.key === key);
      if (idx < 0) return null;
      const info = present[idx]!;
      const d = data[idx]!;
      return info.batched ? d.subarray(bi * info.size, (bi + 1) * info.size) : d;
    };
    const matrix = (key: 'P' | 'A' | 'C', rows: number): Matrix | null => {
      const v = get(key);
      if (!v) return null;
      const pattern = this.patterns[key];
      if (pattern) {
        const M = pattern.toMatrix(v);
        return key === 'P' ? pattern.symmetrize(M, 'sparse.P') : M;
      }
      if (key !== 'P') return { format: 'dense', nrows: rows, ncols: n, data: v.slice() };
      const s = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (v[i * n + j]! + v[j * n + i]!);
      return { format: 'dense', nrows: n, ncols: n, data: s };
    };
    const vec = (key: 'q' | 'b' | 'd' | 'lb' | 'ub') => {
      const v = get(key);
      return v ? v.slice() : null;
    };
    return { P: matrix('P', n)!, q: vec('q')!, A: matrix('A', p), b: vec('b'), C: matrix('C', m), d: vec('d'), lb: vec('lb'), ub: vec('ub') };
  }
}
