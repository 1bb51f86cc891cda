/**
 * The forward context: everything the backward pass needs, and nothing else.
 *
 * Held: the factored K_J (KktSolver), the point (z, λ, μ_J), the active set J, the sizes, the
 * solver status, the row numbering (no data), and
 * references (not copies) to the input matrices whose gradient pattern is needed — P, A, C —
 * only when that input is not fixed. Nothing is kept for a fixed input.
 */
import type { Matrix } from '../linalg/types.ts';
import type { InequalityRows } from '../qp/inequality-rows.ts';
import type { QPStatus } from '../qp/types.ts';
import type { KktSolver } from './reduced-kkt.ts';
import type { DqpParam } from './types.ts';

export class DqpContext {
  /** @internal */
  constructor(
    /** variables */
    readonly n: number,
    /** equality rows */
    readonly p: number,
    /** rows of C */
    readonly m: number,
    /** the inequality rows (their numbering decodes J) */
    readonly rows: InequalityRows,
    /** active rows, ascending (InequalityRows numbering) */
    readonly J: Int32Array,
    /** length n */
    readonly z: Float64Array,
    /** length p */
    readonly lambda: Float64Array,
    /** length |J|, duals of the active rows (original scaling) */
    readonly muJ: Float64Array,
    /** the factored K_J */
    readonly kkt: KktSolver,
    /** status of the forward solve (the backward refuses anything but 'solved' unless allowed) */
    readonly status: QPStatus,
    /** inputs without gradient */
    readonly fixed: ReadonlySet<DqpParam>,
    /** gradient patterns (null when fixed or absent) */
    readonly P: Matrix | null,
    readonly A: Matrix | null,
    readonly C: Matrix | null,
    /** which vector inputs exist in the problem */
    readonly present: { readonly b: boolean; readonly d: boolean; readonly lb: boolean; readonly ub: boolean },
  ) {}
}

/** Forward results whose context lives in a worker thread (DqpWorkerPool), for error messages. */
export const remoteResults = new WeakSet<object>();
