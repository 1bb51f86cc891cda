/**
 * DenseLinearSystem: the LinearSystem interface (linsys.ts) over DenseLdl, for small or dense
 * KKT matrices. The "pattern" is the full n × n row-major array; factor(values) factors the
 * matrix with data = values (lower triangle read), keeping the regularization settings given at
 * creation.
 */
import { InputError } from '../errors.ts';
import { checkLength, checkSquare } from './check.ts';
import { DenseLdl } from './dense-ldl.ts';
import type { LinearSystem, LinearSystemOptions } from './linsys.ts';
import type { DenseMatrix } from './types.ts';

/** LinearSystemOptions plus DenseLdl's zero-pivot tolerance (see DenseLdlOptions.zeroPivotTol). */
export interface DenseLinearSystemOptions extends LinearSystemOptions {
  zeroPivotTol?: number;
}

export class DenseLinearSystem implements LinearSystem {
  readonly n: number;
  readonly nnzL: number;
  private readonly initial: Float64Array;
  private readonly options: DenseLinearSystemOptions;
  private ldl: DenseLdl | null = null;

  /** K: n × n (not modified; its data is the default of factor()). Nothing is factored yet. */
  constructor(K: DenseMatrix, options: DenseLinearSystemOptions = {}) {
    this.n = checkSquare('K', K);
    this.nnzL = (this.n * (this.n - 1)) / 2;
    this.initial = K.data;
    this.options = options;
  }

  factor(values?: Float64Array): this {
    const n = this.n;
    const data = values ?? this.initial;
    checkLength('values', data, n * n, 'n·n entries of K');
    this.ldl = null;
    this.ldl = DenseLdl.factor({ format: 'dense', nrows: n, ncols: n, data }, this.options);
    return this;
  }

  private current(): DenseLdl {
    if (this.ldl === null) throw new InputError('DenseLinearSystem', 'a successful factor() before use', 'no factorization');
    return this.ldl;
  }

  solve(rhs: Float64Array, out?: Float64Array): Float64Array {
    return this.current().solve(rhs, out);
  }

  get positivePivots(): number {
    return this.ldl?.positivePivots ?? 0;
  }

  get negativePivots(): number {
    return this.ldl?.negativePivots ?? 0;
  }

  get regularizedPivots(): number {
    return this.ldl?.regularizedPivots ?? 0;
  }

  diagonal(): Float64Array {
    return this.current().pivots();
  }
}
