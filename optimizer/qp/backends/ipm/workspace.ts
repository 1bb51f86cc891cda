import type { QPStatus } from '../../types.ts';

/**
 * Vectors of IpmSolver runs, reused by the next run with the same sizes (n, p, m, nl, nu): a
 * backend keeps one, so repeated solves of same-sized problems (dQP layers, benchmarks) do not
 * allocate and zero ~50 vectors each time. take() hands out zeroed vectors in call order; the
 * vectors of an IpmOutcome stay valid until the next run on the same workspace.
 */
export class IpmWorkspace {
  private key = '';
  private pool: Float64Array[] = [];
  private next = 0;

  /** start a run with these sizes (the pool is dropped when they differ from the last run's) */
  begin(sizes: string): void {
    if (sizes !== this.key) {
      this.key = sizes;
      this.pool = [];
    }
    this.next = 0;
  }

  /** a zeroed vector of length len */
  take(len: number): Float64Array {
    let v = this.pool[this.next];
    if (v === undefined || v.length !== len) {
      v = new Float64Array(len);
      this.pool[this.next] = v;
    } else v.fill(0);
    this.next++;
    return v;
  }
}

/** Final state of a run, in the scaled space of `data`. */
export interface IpmOutcome {
  readonly status: QPStatus;
  readonly iterations: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly zl: Float64Array;
  readonly zu: Float64Array;
  /** unscaled primal / dual residual and gap measured by the solver at the end */
  readonly primalRes: number;
  readonly dualRes: number;
  readonly gap: number;
  /** whether robust (statically regularized, refined) factorizations were needed; how often ρ, δ were raised */
  readonly robustFactorizations: boolean;
  readonly regularizationIncreases: number;
}
