import { describe, expect, it } from 'vitest';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { cscFromDense, cscFromTriplets, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { denseFromRows, toCsc, toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, Matrix } from '../optimizer/linalg/types.ts';
import { quadprogBackend } from '../optimizer/qp/backends/quadprog.ts';
import { boundDualsFromRows, boundsToRows, dims, twoSidedToStandard, validateProblem } from '../optimizer/qp/problem.ts';
import { computeResiduals, objectiveValue } from '../optimizer/qp/residuals.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { maxAbsDiff, randomQP, vec } from './qp-fixtures.ts';

const P3 = () => denseFromRows([[4, 1, 0], [1, 3, 0], [0, 0, 2]]);
const base = (): QPProblem => ({ P: P3(), q: vec(1, 2, 3) });
const msg = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
};

describe('validateProblem', () => {
  it('returns the sizes of a valid problem', () => {
    const pr: QPProblem = { ...base(), A: denseFromRows([[1, 1, 1]]), b: vec(1), C: denseFromRows([[1, 0, 0], [0, 1, 0]]), d: vec(1, 1) };
    expect(validateProblem(pr)).toEqual({ n: 3, p: 1, m: 2 });
    expect(dims(pr)).toEqual({ n: 3, p: 1, m: 2 });
  });

  it('rejects a non-square P and a q of the wrong length with argument, expected and found', () => {
    expect(() => validateProblem({ P: denseFromRows([[1, 0, 0], [0, 1, 0]]), q: vec(1, 2, 3) })).toThrow(DimensionError);
    expect(msg(() => validateProblem({ P: denseFromRows([[1, 0, 0], [0, 1, 0]]), q: vec(1, 2, 3) }))).toBe('P: expected a square matrix, found 2×3');
    expect(msg(() => validateProblem({ P: P3(), q: vec(1, 2) }))).toBe('q: expected length 3 (= n, the size of P), found length 2');
    expect(msg(() => validateProblem({ P: P3(), q: [1, 2, 3] as unknown as Float64Array }))).toBe(
      'q: expected a Float64Array of length 3, found a plain Array of length 3',
    );
  });

  it('names the first non-finite entry of P, q, A, b, C, d', () => {
    const P = P3();
    P.data[1 * 3 + 0] = NaN;
    expect(msg(() => validateProblem({ P, q: vec(1, 2, 3) }))).toBe('P: expected finite entries, found NaN at (1, 0)');
    expect(msg(() => validateProblem({ P: P3(), q: vec(1, 2, Infinity) }))).toBe('q: expected finite values, found Infinity at index 2');
    const A = denseFromRows([[1, 1, 1], [0, -Infinity, 0]]);
    expect(msg(() => validateProblem({ ...base(), A, b: vec(1, 2) }))).toBe('A: expected finite entries, found -Infinity at (1, 1)');
    expect(msg(() => validateProblem({ ...base(), C: denseFromRows([[1, 0, 0]]), d: vec(NaN) }))).toBe('d: expected finite values, found NaN at index 0');
    const Ccsc = cscFromDense(denseFromRows([[1, 0, 0], [0, 0, 2]]));
    Ccsc.values[1] = Infinity;
    expect(msg(() => validateProblem({ ...base(), C: Ccsc, d: vec(1, 1) }))).toBe('C: expected finite entries, found Infinity at (1, 2)');
  });

  it('requires A with b and C with d, with matching sizes', () => {
    expect(msg(() => validateProblem({ ...base(), A: denseFromRows([[1, 1, 1]]) }))).toBe(
      'b: expected a Float64Array (A is given), found nothing (give both or neither)',
    );
    expect(msg(() => validateProblem({ ...base(), d: vec(1) }))).toBe('C: expected a matrix (d is given), found nothing (give both or neither)');
    expect(msg(() => validateProblem({ ...base(), A: denseFromRows([[1, 1]]), b: vec(1) }))).toBe(
      'A: expected 3 columns (= n, the size of P), found 2 columns',
    );
    expect(msg(() => validateProblem({ ...base(), C: denseFromRows([[1, 1, 1]]), d: vec(1, 2) }))).toBe(
      'd: expected length 1 (= rows of C), found length 2',
    );
  });

  it('allows ±Infinity in bounds but never NaN, lb = +∞ or lb > ub', () => {
    expect(validateProblem({ ...base(), lb: vec(-Infinity, 0, -1), ub: vec(Infinity, 1, -1) })).toEqual({ n: 3, p: 0, m: 0 });
    expect(msg(() => validateProblem({ ...base(), lb: vec(0, NaN, 0) }))).toBe('lb: expected numbers or -Infinity (no bound), found NaN at index 1');
    expect(msg(() => validateProblem({ ...base(), ub: vec(0, 0, -Infinity) }))).toBe('ub: expected numbers or Infinity (no bound), found -Infinity at index 2');
    expect(msg(() => validateProblem({ ...base(), lb: vec(0, 2, 0), ub: vec(1, 1, 1) }))).toBe('lb: expected lb ≤ ub, found lb[1] = 2 > ub[1] = 1');
    expect(msg(() => validateProblem({ ...base(), lb: vec(0, 0) }))).toBe('lb: expected length 3 (= n, the size of P), found length 2');
  });

  it('reports the worst asymmetry of a dense P and where it is', () => {
    const P = denseFromRows([[1, 2, 0.1], [2.5, 1, 0], [0, 0, 1]]);
    expect(msg(() => validateProblem({ P, q: vec(0, 0, 0) }))).toBe(
      'P: expected a symmetric matrix (|P_ij − P_ji| ≤ 2.50e-10 = 1e-10·max|P|), found |P_ij − P_ji| = 5.000e-1 at (i, j) = (0, 1)',
    );
    // within the relative tolerance: accepted
    const Q = P3();
    Q.data[1] += 4e-11 * 4;
    expect(() => validateProblem({ P: Q, q: vec(0, 0, 0) })).not.toThrow();
  });

  it('requires both triangles of a CSC P and symmetric values', () => {
    const full = cscFromDense(P3());
    expect(validateProblem({ P: full, q: vec(0, 0, 0) }).n).toBe(3);
    expect(msg(() => validateProblem({ P: cscUpperTriangle(full), q: vec(0, 0, 0) }))).toBe(
      'P: expected a symmetric CSC matrix with BOTH triangles stored, found only the upper triangle (1 off-diagonal entries without a mirror)',
    );
    const asym = cscFromTriplets(2, 2, [0, 1, 0, 1], [0, 0, 1, 1], [1, 0.5, 0.7, 1]);
    expect(msg(() => validateProblem({ P: asym, q: vec(0, 0) }))).toMatch(/^P: expected a symmetric matrix .* found \|P_ij − P_ji\| = 2\.000e-1 at \(i, j\) = \(0, 1\)$/);
  });

  it('checks the CSC structure', () => {
    const bad: CscMatrix = { format: 'csc', nrows: 2, ncols: 2, colPtr: Int32Array.of(0, 2, 3), rowIdx: Int32Array.of(1, 0, 1), values: vec(1, 1, 1) };
    expect(msg(() => validateProblem({ P: bad, q: vec(0, 0) }))).toBe(
      'P.rowIdx: expected strictly increasing row indices inside each column, found row 0 after row 1 in column 0',
    );
    const out: CscMatrix = { format: 'csc', nrows: 2, ncols: 2, colPtr: Int32Array.of(0, 1, 2), rowIdx: Int32Array.of(0, 2), values: vec(1, 1) };
    expect(msg(() => validateProblem({ P: out, q: vec(0, 0) }))).toBe('P.rowIdx[1]: expected a row index in [0, 2), found 2');
  });

  it('prefixes argument names with the problem name when given', () => {
    expect(msg(() => validateProblem({ P: P3(), q: vec(1) }, 'qp'))).toMatch(/^qp\.q: expected length 3/);
    expect(() => validateProblem({ P: P3(), q: vec(1) }, 'qp')).toThrow(InputError);
  });
});

describe('residuals and objective', () => {
  // min ½‖z‖² − z₁ − z₂  s.t. z₁ + z₂ ≤ 1, z₁ − z₂ = 0, z₂ ≥ −5:  z* = (½, ½), μ = ½, λ = 0
  const pr: QPProblem = {
    P: denseFromRows([[1, 0], [0, 1]]),
    q: vec(-1, -1),
    A: denseFromRows([[1, -1]]),
    b: vec(0),
    C: denseFromRows([[1, 1]]),
    d: vec(1),
    lb: vec(-Infinity, -5),
    ub: null,
  };
  it('are zero at the KKT point', () => {
    const r = computeResiduals(pr, vec(0.5, 0.5), vec(0), vec(0.5), vec(0, 0), vec(0, 0));
    expect(r.primal).toBe(0);
    expect(r.dual).toBe(0);
    expect(r.gap).toBeLessThan(1e-15);
    expect(objectiveValue(pr, vec(0.5, 0.5))).toBeCloseTo(0.25 - 1, 15);
  });
  it('measure violation, stationarity and gap exactly', () => {
    // z = (1, 0): Az − b = 1, Cz − d = 0; z₂ ≥ −5 fine. λ = 0.2, μ = 0.3, μ_lb = (0, 0.1)
    const r = computeResiduals(pr, vec(1, 0), vec(0.2), vec(0.3), vec(0, 0.1), null);
    // Pz + q + Aᵀλ + Cᵀμ − μ_lb = (1 − 1 + 0.2 + 0.3, 0 − 1 − 0.2 + 0.3 − 0.1) = (0.5, −1)
    expect(r.primal).toBeCloseTo(1, 15);
    expect(r.dual).toBeCloseTo(1, 15);
    // zᵀPz + qᵀz + bᵀλ + dᵀμ − lbᵀμ_lb = 1 − 1 + 0 + 0.3 − (−5)(0.1) = 0.8
    expect(r.gap).toBeCloseTo(0.8, 14);
    // bound violation counts in r_p
    expect(computeResiduals(pr, vec(0.5, -6), vec(0), vec(0)).primal).toBeCloseTo(6.5, 14);
  });
  it('gap is infinite for a nonzero dual on a missing bound, NaN propagates', () => {
    expect(computeResiduals(pr, vec(0.5, 0.5), vec(0), vec(0.5), vec(0.1, 0), null).gap).toBe(Infinity);
    expect(computeResiduals(pr, vec(0.5, 0.5), vec(0), vec(0.5), null, vec(0, 1e-9)).gap).toBe(Infinity);
    const r = computeResiduals(pr, vec(NaN, 0.5), vec(0), vec(0.5));
    expect(Number.isNaN(r.primal) && Number.isNaN(r.dual) && Number.isNaN(r.gap)).toBe(true);
  });
  it('rejects duals of the wrong length', () => {
    expect(() => computeResiduals(pr, vec(0, 0), vec(0, 0), vec(0))).toThrow('lambda: expected length 1 (= p, rows of A), found length 2');
  });
});

const solve = (pr: QPProblem) => {
  validateProblem(pr);
  const s = quadprogBackend.solve(pr, {});
  expect(s.status).toBe('solved');
  return s;
};

describe('boundsToRows', () => {
  it('builds C′ = [C; −E_L; E_U], d′ = [d; −lb_L; ub_U]', () => {
    const pr: QPProblem = { ...base(), C: denseFromRows([[1, 1, 1]]), d: vec(7), lb: vec(-1, -Infinity, -3), ub: vec(Infinity, 2, Infinity) };
    const { problem, map } = boundsToRows(pr);
    expect(problem.lb ?? null).toBe(null);
    expect(Array.from(map.lower)).toEqual([0, 2]);
    expect(Array.from(map.upper)).toEqual([1]);
    expect(Array.from(toDense(problem.C!).data)).toEqual([1, 1, 1, -1, 0, 0, 0, 0, -1, 0, 1, 0]);
    expect(Array.from(problem.d!)).toEqual([7, 1, 3, 2]);
    // CSC input gives CSC output with the same matrix
    const sp = boundsToRows({ ...pr, P: toCsc(pr.P), C: toCsc(pr.C!) });
    expect(sp.problem.C!.format).toBe('csc');
    expect(Array.from(toDense(sp.problem.C!).data)).toEqual(Array.from(toDense(problem.C!).data));
    expect(() => validateProblem(sp.problem)).not.toThrow();
  });

  it('preserves the solution and maps the duals back (dense and CSC)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const pr = randomQP(seed, { n: 8, p: 2, m: 4, boundProb: 0.6, format: seed % 2 ? 'dense' : 'csc' });
      const ref = solve(pr);
      const { problem, map } = boundsToRows(pr);
      const conv = solve(problem);
      expect(maxAbsDiff(conv.z, ref.z)).toBeLessThan(1e-9);
      const back = boundDualsFromRows(map, conv.mu);
      expect(maxAbsDiff(back.mu, ref.mu)).toBeLessThan(1e-8);
      expect(maxAbsDiff(back.muLb, ref.muLb!)).toBeLessThan(1e-8);
      expect(maxAbsDiff(back.muUb, ref.muUb!)).toBeLessThan(1e-8);
      expect(computeResiduals(pr, conv.z, conv.lambda, back.mu, back.muLb, back.muUb).dual).toBeLessThan(1e-8);
    }
  });
});

describe('twoSidedToStandard', () => {
  /**
   * From a standard random problem (A z = b, C z ≤ d) build l ≤ [A; C; C; Z] z ≤ u with
   * equalities l = u = b, one-sided rows (−1e20, d], two-sided rows [d − 50, d] (the lower side
   * is far from active) and rows with both sides infinite (dropped).
   */
  const twoSided = (pr: QPProblem, asCsc: boolean) => {
    const n = pr.P.ncols;
    const A = toDense(pr.A!);
    const C = toDense(pr.C!);
    const rows: number[][] = [];
    const l: number[] = [];
    const u: number[] = [];
    const row = (M: Matrix, i: number) => Array.from(toDense(M).data.subarray(i * n, (i + 1) * n));
    for (let i = 0; i < A.nrows; i++) {
      rows.push(row(A, i));
      l.push(pr.b![i]!);
      u.push(pr.b![i]!);
    }
    for (let i = 0; i < C.nrows; i++) {
      rows.push(row(C, i));
      l.push(i % 2 ? -1e20 : pr.d![i]! - 50);
      u.push(pr.d![i]!);
      rows.push(row(C, i).map((x) => x * 0.5)); // a never-binding duplicate with both sides infinite
      l.push(-Infinity);
      u.push(9e19);
    }
    const M = denseFromRows(rows);
    return twoSidedToStandard(pr.P, pr.q, asCsc ? toCsc(M) : M, Float64Array.from(l), Float64Array.from(u));
  };

  it('splits rows into equalities and one-sided inequalities and keeps the solution', () => {
    for (const asCsc of [false, true]) {
      const pr = randomQP(11, { n: 7, p: 2, m: 4 });
      const st = twoSided(pr, asCsc);
      expect(st.A!.format).toBe(asCsc ? 'csc' : 'dense');
      expect(st.A!.nrows).toBe(2);
      expect(st.C!.nrows).toBe(4 + 2); // 4 upper sides + 2 finite lower sides (rows 0 and 2)
      expect(Array.from(st.b!)).toEqual(Array.from(pr.b!));
      // the lower side of row 0 is −C₀ z ≤ −(d₀ − 50), right after its upper side
      expect(st.d![0]).toBe(pr.d![0]);
      expect(st.d![1]).toBe(-(pr.d![0]! - 50));
      expect(Array.from(toDense(st.C!).data.subarray(7, 14))).toEqual(Array.from(toDense(pr.C!).data.subarray(0, 7), (x) => -x));
      const ref = solve(pr);
      const conv = solve(st);
      expect(maxAbsDiff(conv.z, ref.z)).toBeLessThan(1e-9);
      expect(maxAbsDiff(conv.lambda, ref.lambda)).toBeLessThan(1e-7);
    }
  });

  it('treats |x| ≥ 9e19 as infinite in rows and bounds, and rejects l > u', () => {
    const P = denseFromRows([[1]]);
    const st = twoSidedToStandard(P, vec(0), denseFromRows([[1], [1]]), vec(-9e19, -8.9e19), vec(1e20, 8.9e19), vec(-1e20), vec(9.5e19));
    expect(st.C!.nrows).toBe(2); // row 1 has two finite sides, row 0 none
    expect(Array.from(st.d!)).toEqual([8.9e19, 8.9e19]);
    expect(st.lb ?? null).toBe(null);
    expect(st.ub ?? null).toBe(null);
    const st2 = twoSidedToStandard(P, vec(0), null, null, null, vec(-2), vec(1e30));
    expect(Array.from(st2.lb!)).toEqual([-2]);
    expect(st2.ub ?? null).toBe(null); // all infinite → dropped
    expect(msg(() => twoSidedToStandard(P, vec(0), denseFromRows([[1]]), vec(2), vec(1)))).toBe('l: expected l ≤ u, found l[0] = 2 > u[0] = 1');
    expect(msg(() => twoSidedToStandard(P, vec(0), denseFromRows([[1]]), vec(0), vec(1, 2)))).toBe('u: expected length 1 (= rows of A), found length 2');
  });
});
