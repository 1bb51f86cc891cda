/**
 * Backward pass: the vector–Jacobian product of the QP solution map (docs/dqp-layer.md, paper App. C).
 *
 * On the active set J the solution satisfies F(x; θ) = 0 with x = (z, λ, μ_J) and
 *
 *   F = [ Pz + q + Aᵀλ + C_Jᵀμ_J ;  Az − b ;  C_J z − d_J ],     ∂F/∂x = K_J (symmetric).
 *
 * By the implicit function theorem dx/dθ = −K_J⁻¹ ∂F/∂θ, so for cotangents g = (g_z, g_λ, g_μJ)
 *
 *   K_J w = g,   (d_z, d_λ, d_μ) = −w,   ∇_θ = (d_z, d_λ, d_μ)ᵀ ∂F/∂θ :
 *
 *   ∇q = d_z                       ∇P = ½ (d_z zᵀ + z d_zᵀ)   (P enters ½zᵀPz: symmetric part)
 *   ∇b = −d_λ                      ∇A = d_λ zᵀ + λ d_zᵀ
 *   ∇d_J = −d_μ, ∇d_j = 0 (j ∉ J)  ∇C_J = d_μ zᵀ + μ_J d_zᵀ,  rows j ∉ J: 0
 *   bound rows: −z_i ≤ −lb_i ⇒ ∇lb_i = d_μ(row);   z_i ≤ ub_i ⇒ ∇ub_i = −d_μ(row)
 *
 * μ_j for j ∉ J is identically 0 near the point, so its cotangent is ignored.
 *
 * For a CSC matrix the gradient is evaluated on the stored pattern only (length nnz, same order
 * as `values`, explicit zeros kept); never as a dense outer product. Dense matrix → dense
 * row-major gradient.
 *
 * `reducedKktVjp` is a pure function of (point, targets, cotangents) with the linear solver
 * injected; `dqpBackward` applies it to a forward result's context.
 */
import { DimensionError, DqpError, InexactSolutionError, InputError } from '../errors.ts';
import type { Matrix } from '../linalg/types.ts';
import { InequalityRows } from '../qp/inequality-rows.ts';
import { DqpContext, remoteResults } from './context.ts';
import type { KktSolveResult } from './reduced-kkt.ts';
import type { DqpBackwardOptions, DqpCotangents, DqpForwardResult, DqpGradients } from './types.ts';
import { dqpWarn } from './warnings.ts';

/** The point the derivative is taken at. */
export interface VjpPoint {
  readonly n: number;
  readonly p: number;
  readonly m: number;
  /** active rows, ascending (InequalityRows numbering: rows of C, then m + i for lb_i, m + n + i for ub_i) */
  readonly J: Int32Array;
  readonly z: Float64Array;
  readonly lambda: Float64Array;
  /** length |J| */
  readonly muJ: Float64Array;
}

/** Which gradients to form: a matrix (its format/pattern), or null to skip. */
export interface VjpTargets {
  readonly P: Matrix | null;
  readonly A: Matrix | null;
  readonly C: Matrix | null;
  readonly q: boolean;
  readonly b: boolean;
  readonly d: boolean;
  readonly lb: boolean;
  readonly ub: boolean;
}

function checkLen(name: string, v: Float64Array | null | undefined, len: number): void {
  if (v == null) return;
  if (!(v instanceof Float64Array)) throw new InputError(`cotangents.${name}`, 'a Float64Array', typeof v);
  if (v.length !== len) throw new DimensionError(`cotangents.${name}`, `length ${len}`, `length ${v.length}`);
}

/** Symmetric outer-product gradient ½(a bᵀ + b aᵀ) on the pattern of P. */
function symOuterOnPattern(P: Matrix, a: Float64Array, b: Float64Array): Float64Array {
  if (P.format === 'dense') {
    const n = P.ncols;
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ai = a[i]!;
      const bi = b[i]!;
      const o = i * n;
      for (let j = 0; j < n; j++) g[o + j] = 0.5 * (ai * b[j]! + bi * a[j]!);
    }
    return g;
  }
  const { colPtr, rowIdx } = P;
  const g = new Float64Array(colPtr[P.ncols]!);
  for (let j = 0; j < P.ncols; j++) {
    const aj = a[j]!;
    const bj = b[j]!;
    for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
      const i = rowIdx[e]!;
      g[e] = 0.5 * (a[i]! * bj + b[i]! * aj);
    }
  }
  return g;
}

/**
 * Gradient u_r v_cᵀ + w_r y_cᵀ on the pattern of M (r×c), restricted to rows with rowPos[i] ≥ 0
 * (u, w indexed by rowPos[i]); rowPos null = identity.
 */
function rankTwoOnPattern(
  M: Matrix,
  rowPos: Int32Array | null,
  u: Float64Array,
  v: Float64Array,
  w: Float64Array,
  y: Float64Array,
): Float64Array {
  const r = M.nrows;
  const c = M.ncols;
  if (M.format === 'dense') {
    const g = new Float64Array(r * c);
    for (let i = 0; i < r; i++) {
      const t = rowPos ? rowPos[i]! : i;
      if (t < 0) continue;
      const ui = u[t]!;
      const wi = w[t]!;
      const o = i * c;
      for (let j = 0; j < c; j++) g[o + j] = ui * v[j]! + wi * y[j]!;
    }
    return g;
  }
  const { colPtr, rowIdx } = M;
  const g = new Float64Array(colPtr[c]!);
  for (let j = 0; j < c; j++) {
    const vj = v[j]!;
    const yj = y[j]!;
    for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
      const i = rowIdx[e]!;
      const t = rowPos ? rowPos[i]! : i;
      if (t >= 0) g[e] = u[t]! * vj + w[t]! * yj;
    }
  }
  return g;
}

/**
 * The VJP at `point` for cotangents `cot`, using `solve` for K_J w = g.
 *   point    the solution and active set (not modified)
 *   targets  which gradients to form
 *   cot      cotangents (lengths n, p, m, n, n; omitted = 0)
 *   solve    g (length N = n + p + |J|) ↦ K_J⁻¹ g (or its least-squares solution)
 */
export function reducedKktVjp(
  point: VjpPoint,
  targets: VjpTargets,
  cot: DqpCotangents,
  solve: (g: Float64Array) => KktSolveResult,
): DqpGradients {
  const { n, p, m, J, z, lambda, muJ } = point;
  const k = J.length;
  checkLen('z', cot.z, n);
  checkLen('lambda', cot.lambda, p);
  checkLen('mu', cot.mu, m);
  checkLen('muLb', cot.muLb, n);
  checkLen('muUb', cot.muUb, n);
  const rows = InequalityRows.numbering(n, m, true);
  const N = n + p + k;
  const g = new Float64Array(N);
  if (cot.z) g.set(cot.z, 0);
  if (cot.lambda) g.set(cot.lambda, n);
  rows.gather(J, cot.mu, cot.muLb, cot.muUb, g, n + p);
  for (let i = 0; i < N; i++) if (!Number.isFinite(g[i]!)) throw new InputError('cotangents', 'finite values', String(g[i]));

  let nonzero = false;
  for (let i = 0; i < N; i++) if (g[i] !== 0) nonzero = true;
  const { x: w, leastSquares } = nonzero ? solve(g) : { x: new Float64Array(N), leastSquares: false };
  if (leastSquares) dqpWarn('least-squares-solve', 'the reduced KKT system of the backward pass was solved in the least-squares sense (singular or ill-conditioned K_J)');
  const dz = new Float64Array(n);
  const dl = new Float64Array(p);
  const dm = new Float64Array(k);
  for (let i = 0; i < n; i++) dz[i] = -w[i]!;
  for (let i = 0; i < p; i++) dl[i] = -w[n + i]!;
  for (let t = 0; t < k; t++) dm[t] = -w[n + p + t]!;

  const out: { -readonly [K in keyof DqpGradients]: DqpGradients[K] } = { leastSquares };
  if (targets.q) out.q = dz;
  if (targets.P) out.P = symOuterOnPattern(targets.P, dz, z);
  if (targets.b) {
    const gb = new Float64Array(p);
    for (let i = 0; i < p; i++) gb[i] = -dl[i]!;
    out.b = gb;
  }
  if (targets.A) out.A = rankTwoOnPattern(targets.A, null, dl, z, lambda, dz);
  // per active row: ∇d_j = −d_μ, ∇lb_i = d_μ (row −z_i ≤ −lb_i), ∇ub_i = −d_μ (row z_i ≤ ub_i)
  const minusDm = new Float64Array(k);
  for (let t = 0; t < k; t++) minusDm[t] = -dm[t]!;
  const gd = targets.d ? new Float64Array(m) : null;
  const gl = targets.lb ? new Float64Array(n) : null;
  const gu = targets.ub ? new Float64Array(n) : null;
  rows.scatter(J, minusDm, gd, null, gu);
  rows.scatter(J, dm, null, gl, null);
  if (gd) out.d = gd;
  if (targets.C) {
    const pos = new Int32Array(m).fill(-1);
    for (let t = 0; t < k; t++) if (rows.isCRow(J[t]!)) pos[J[t]!] = t;
    out.C = rankTwoOnPattern(targets.C, pos, dm, z, muJ, dz);
  }
  if (gl) out.lb = gl;
  if (gu) out.ub = gu;
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    const v = out[key];
    if (v) for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new DqpError(`internal error: non-finite gradient of ${key}`);
  }
  return out;
}

/**
 * Gradients of a loss with respect to the problem inputs, given the cotangents of the outputs.
 *   source      a forward result (or its context)
 *   cotangents  ∂loss/∂z (length n), ∂loss/∂λ (p), ∂loss/∂μ (m), ∂loss/∂μ_lb, ∂loss/∂μ_ub (n); omitted = 0
 *   options     allowInexact: differentiate a forward whose status is not 'solved' (default false)
 * Returns the gradients of every input that is present and not fixed (see DqpGradients);
 * `inexact` is true when the forward status was not 'solved' (only with allowInexact).
 * Throws DqpError when the forward pass produced no differentiable point (solver failure), and
 * InexactSolutionError, naming the status, when it is not 'solved' (max_iter, time_limit,
 * solved_inaccurate...) and allowInexact is not set: never silent gradients of a non-solution.
 *
 * Example:
 *   const fwd = dqpForward(problem);
 *   const grads = dqpBackward(fwd, { z: Float64Array.from(fwd.z, () => 1) });  // loss = Σ z
 */
export function dqpBackward(source: DqpForwardResult | DqpContext, cotangents: DqpCotangents, options: DqpBackwardOptions = {}): DqpGradients {
  const ctx = source instanceof DqpContext ? source : source.context;
  if (!ctx) {
    if (remoteResults.has(source)) throw new DqpError('this forward result came from a DqpWorkerPool: its factorization lives in a worker; use pool.backward(results, cotangents)');
    const status = source instanceof DqpContext ? 'unknown' : source.status;
    throw new DqpError(`cannot differentiate: the forward solve ended with status "${status}" and no finite solution`);
  }
  if (typeof options !== 'object' || options === null) throw new InputError('options', 'an object', String(options));
  if (options.allowInexact !== undefined && typeof options.allowInexact !== 'boolean') throw new InputError('options.allowInexact', 'true or false', JSON.stringify(options.allowInexact));
  const inexact = ctx.status !== 'solved';
  if (inexact && options.allowInexact !== true) throw new InexactSolutionError(ctx.status);
  const { fixed } = ctx;
  const targets: VjpTargets = {
    P: fixed.has('P') ? null : ctx.P,
    A: fixed.has('A') ? null : ctx.A,
    C: fixed.has('C') ? null : ctx.C,
    q: !fixed.has('q'),
    b: ctx.present.b && !fixed.has('b'),
    d: ctx.present.d && !fixed.has('d'),
    lb: ctx.present.lb && !fixed.has('lb'),
    ub: ctx.present.ub && !fixed.has('ub'),
  };
  return { ...reducedKktVjp(ctx, targets, cotangents, (g) => ctx.kkt.solve(g)), inexact };
}
