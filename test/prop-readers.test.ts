/**
 * Property-based tests (fast-check) of the text readers: OBJ, JSON QP and Matrix Market.
 *
 *   round trip   random valid inputs written by our writers read back to exactly the same
 *                numbers (compared with Object.is, so −0 and the last bit count);
 *   corruption   random damage to a valid file (truncation, character flips, insertions of
 *                hostile tokens: NaN, inf, 1e400, 2000-digit numbers, 0/negative/huge indices,
 *                2e9 sizes, separators) either still reads (the damage happened to leave a
 *                valid file; the result is then checked for consistency) or throws a typed
 *                DqpError with a message of bounded length, never any other exception.
 *
 * Seeds are fixed (SEED below); on a failure fast-check prints the seed and the shrunk
 * counterexample path, so `fc.assert(..., { seed, path })` replays it exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CORRUPTIONS, corruptionProperty, finite, outcome, sameNumbers } from './prop-helpers.ts';
import { cscFromTriplets } from '../optimizer/linalg/csc.ts';
import { readMatrixMarket, writeMatrixMarket } from '../optimizer/linalg/mtx.ts';
import type { CscMatrix, Matrix } from '../optimizer/linalg/types.ts';
import { readProblemJson, writeProblemJson } from '../optimizer/qp/json-format.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { readObj } from '../geometry/obj-read.ts';
import { writeObj } from '../geometry/obj-write.ts';

const SEED = 20251207;
const ROUND_TRIPS = 150;

// ---------------------------------------------------------------------------------------------
// OBJ
// ---------------------------------------------------------------------------------------------

interface MeshCase {
  nv: number;
  dim: 2 | 3;
  V: Float64Array;
  F: Int32Array;
  VT: Float64Array | null;
}

const meshArb: fc.Arbitrary<MeshCase> = fc
  .record({ nv: fc.integer({ min: 1, max: 12 }), dim: fc.constantFrom(2 as const, 3 as const), withVt: fc.boolean(), nf: fc.integer({ min: 1, max: 16 }) })
  .chain(({ nv, dim, withVt, nf }) =>
    fc.record({
      nv: fc.constant(nv),
      dim: fc.constant(dim),
      V: fc.array(finite, { minLength: dim * nv, maxLength: dim * nv }).map((a) => Float64Array.from(a)),
      F: fc.array(fc.integer({ min: 0, max: nv - 1 }), { minLength: 3 * nf, maxLength: 3 * nf }).map((a) => Int32Array.from(a)),
      VT: withVt ? fc.array(finite, { minLength: 2 * nv, maxLength: 2 * nv }).map((a) => Float64Array.from(a)) : fc.constant(null),
    }),
  );

const writeMesh = (m: MeshCase) => writeObj(m.V, m.dim, m.F, { VT: m.VT, comment: 'property test' });

describe('OBJ reader (property-based)', () => {
  it('reads back exactly what writeObj wrote (positions, faces, per-vertex texture coordinates)', () => {
    fc.assert(
      fc.property(meshArb, (m) => {
        const r = readObj(writeMesh(m), 'p.obj');
        expect([r.nv, r.nf]).toEqual([m.nv, m.F.length / 3]);
        const V3 = new Float64Array(3 * m.nv);
        for (let i = 0; i < m.nv; i++) for (let c = 0; c < m.dim; c++) V3[3 * i + c] = m.V[m.dim * i + c]!;
        sameNumbers(r.V, V3, 'V');
        sameNumbers(r.F, m.F, 'F');
        if (m.VT) {
          sameNumbers(r.VT!, m.VT, 'VT');
          sameNumbers(r.FT!, m.F, 'FT');
        } else {
          expect(r.VT).toBeNull();
          expect(r.FT).toBeNull();
        }
      }),
      { numRuns: ROUND_TRIPS, seed: SEED },
    );
  });

  it('turns random corruptions into typed errors (or a consistent mesh), never another exception', () => {
    corruptionProperty(
      meshArb.map(writeMesh),
      (text) => readObj(text, 'bad.obj'),
      (r) => {
        // whatever still reads must be a consistent mesh
        expect(r.V.length).toBe(3 * r.nv);
        expect(r.F.length).toBe(3 * r.nf);
        for (const x of r.V) expect(Number.isFinite(x)).toBe(true);
        for (const i of r.F) expect(i >= 0 && i < r.nv).toBe(true);
        if (r.FT) for (const t of r.FT) expect(t >= -1 && t < r.nvt).toBe(true);
      },
      SEED + 1,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// JSON QP
// ---------------------------------------------------------------------------------------------

/** A matrix with the given shape: dense, or CSC without explicit zeros; some entries zero. */
const matrixArb = (rows: number, cols: number, symmetric: boolean): fc.Arbitrary<Matrix> =>
  fc
    .record({
      dense: fc.boolean(),
      vals: fc.array(fc.oneof(fc.constant(0), finite), { minLength: rows * cols, maxLength: rows * cols }),
    })
    .map(({ dense, vals }) => {
      const data = Float64Array.from(vals);
      if (symmetric) for (let i = 0; i < rows; i++) for (let j = 0; j < i; j++) data[i * cols + j] = data[j * cols + i]!;
      if (dense) return { format: 'dense', nrows: rows, ncols: cols, data } as Matrix;
      const r: number[] = [];
      const c: number[] = [];
      const v: number[] = [];
      for (let j = 0; j < cols; j++)
        for (let i = 0; i < rows; i++)
          if (data[i * cols + j] !== 0) {
            r.push(i);
            c.push(j);
            v.push(data[i * cols + j]!);
          }
      return cscFromTriplets(rows, cols, r, c, v);
    });

const boundsArb = (n: number) =>
  fc.array(fc.tuple(fc.oneof(finite, fc.constant(-Infinity)), fc.oneof(finite, fc.constant(Infinity))), { minLength: n, maxLength: n }).map((pairs) => {
    const lb = new Float64Array(n);
    const ub = new Float64Array(n);
    pairs.forEach(([a, b], i) => {
      lb[i] = Math.min(a, b === Infinity ? a : b);
      ub[i] = Math.max(b, a === -Infinity ? b : a);
    });
    return { lb, ub };
  });

const vec = (n: number) => fc.array(finite, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a));

const problemArb: fc.Arbitrary<QPProblem> = fc
  .record({ n: fc.integer({ min: 1, max: 5 }), p: fc.integer({ min: 0, max: 3 }), m: fc.integer({ min: 0, max: 3 }), withA: fc.boolean(), withC: fc.boolean(), withBounds: fc.boolean() })
  .chain(({ n, p, m, withA, withC, withBounds }) =>
    fc.record({
      P: matrixArb(n, n, true),
      q: vec(n),
      A: withA ? matrixArb(p, n, false) : fc.constant(null),
      b: withA ? vec(p) : fc.constant(null),
      C: withC ? matrixArb(m, n, false) : fc.constant(null),
      d: withC ? vec(m) : fc.constant(null),
      bounds: withBounds ? boundsArb(n) : fc.constant(null),
    }),
  )
  .map(({ bounds, ...rest }) => ({ ...rest, lb: bounds?.lb ?? null, ub: bounds?.ub ?? null }));

/** Same matrices and vectors; JSON cannot write −0 (JSON.stringify(-0) is "0"), so values compare with ===. */
function sameProblem(a: QPProblem, b: QPProblem): void {
  const eq = (x: ArrayLike<number> | null | undefined, y: ArrayLike<number> | null | undefined, what: string) => {
    if (x == null || y == null) return expect(x ?? null, what).toBe(y ?? null);
    expect(x.length, what).toBe(y.length);
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) expect.fail(`${what}[${k}]: ${x[k]} read back as ${y[k]}`);
  };
  const mat = (x: Matrix | null | undefined, y: Matrix | null | undefined, what: string) => {
    if (!x || !y) return expect(x ?? null, what).toBe(y ?? null);
    expect([x.format, x.nrows, x.ncols], what).toEqual([y.format, y.nrows, y.ncols]);
    if (x.format === 'dense' && y.format === 'dense') return eq(x.data, y.data, `${what}.data`);
    const [cx, cy] = [x as CscMatrix, y as CscMatrix];
    eq(cx.colPtr, cy.colPtr, `${what}.colPtr`);
    eq(cx.rowIdx, cy.rowIdx, `${what}.rowIdx`);
    eq(cx.values, cy.values, `${what}.values`);
  };
  mat(a.P, b.P, 'P');
  eq(a.q, b.q, 'q');
  mat(a.A, b.A, 'A');
  eq(a.b, b.b, 'b');
  mat(a.C, b.C, 'C');
  eq(a.d, b.d, 'd');
  eq(a.lb, b.lb, 'lb');
  eq(a.ub, b.ub, 'ub');
}

describe('JSON QP reader (property-based)', () => {
  it('reads back exactly what writeProblemJson wrote (dense and sparse, bounds with infinities)', () => {
    fc.assert(
      fc.property(problemArb, fc.constantFrom(undefined, 2), (problem, indent) => {
        sameProblem(readProblemJson(writeProblemJson(problem, indent), 'p.json').problem, problem);
      }),
      { numRuns: ROUND_TRIPS, seed: SEED + 2 },
    );
  });

  it('turns random text corruptions into typed errors (or a valid problem), never another exception', () => {
    corruptionProperty(
      problemArb.map((p) => writeProblemJson(p)),
      (text) => readProblemJson(text, 'bad.json'),
      (r) => expect(r.problem.q.length).toBe(r.problem.P.ncols),
      SEED + 3,
    );
  });

  it('turns random structural corruptions (a field replaced by any JSON value, or removed) into typed errors', () => {
    const keyPath = fc.constantFrom('P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub', 'P.shape', 'P.format', 'P.data', 'P.row', 'P.col', 'P.val', 'A.shape', 'C.shape');
    fc.assert(
      fc.property(problemArb, keyPath, fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), (problem, path, value) => {
        const doc = JSON.parse(writeProblemJson(problem)) as Record<string, Record<string, unknown> | unknown>;
        const [k1, k2] = path.split('.') as [string, string | undefined];
        const target = k2 === undefined ? doc : (doc[k1] as Record<string, unknown> | undefined);
        if (target === undefined || target === null) return;
        const key = k2 ?? k1;
        if (value === undefined) delete (target as Record<string, unknown>)[key];
        else (target as Record<string, unknown>)[key] = value;
        outcome(
          () => readProblemJson(JSON.stringify(doc), 'bad.json'),
          (r) => expect(r.problem.q.length).toBe(r.problem.P.ncols),
        );
      }),
      { numRuns: CORRUPTIONS, seed: SEED + 4 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Matrix Market
// ---------------------------------------------------------------------------------------------

interface MtxCase {
  M: CscMatrix;
  symmetric: boolean;
}

const mtxArb: fc.Arbitrary<MtxCase> = fc
  .record({ rows: fc.integer({ min: 0, max: 7 }), cols: fc.integer({ min: 0, max: 7 }), symmetric: fc.boolean() })
  .chain(({ rows, cols, symmetric }) => {
    const n = symmetric ? rows : 0;
    const [r, c] = symmetric ? [n, n] : [rows, cols];
    const value = fc.oneof(finite, fc.constantFrom(Infinity, -Infinity));
    return fc.record({
      symmetric: fc.constant(symmetric),
      cells: fc.array(fc.option(value, { nil: null, freq: 2 }), { minLength: r * c, maxLength: r * c }),
      r: fc.constant(r),
      c: fc.constant(c),
    });
  })
  .map(({ symmetric, cells, r, c }) => {
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let j = 0; j < c; j++)
      for (let i = 0; i < r; i++) {
        // symmetric: a stored entry (i, j) with i ≥ j is mirrored from the same cell
        const v = symmetric && i < j ? cells[j * c + i] : cells[i * c + j];
        if (v === null || v === undefined) continue;
        rows.push(i);
        cols.push(j);
        vals.push(v);
      }
    return { symmetric, M: cscFromTriplets(r, c, rows, cols, vals) };
  });

describe('Matrix Market reader (property-based)', () => {
  it('reads back exactly what writeMatrixMarket wrote (general and symmetric, ±inf, −0)', () => {
    fc.assert(
      fc.property(mtxArb, ({ M, symmetric }) => {
        const r = readMatrixMarket(writeMatrixMarket(M, { symmetric, comment: 'property test' }), 'p.mtx');
        expect(r.symmetry).toBe(symmetric ? 'symmetric' : 'general');
        expect([r.matrix.nrows, r.matrix.ncols]).toEqual([M.nrows, M.ncols]);
        sameNumbers(r.matrix.colPtr, M.colPtr, 'colPtr');
        sameNumbers(r.matrix.rowIdx, M.rowIdx, 'rowIdx');
        sameNumbers(r.matrix.values, M.values, 'values');
      }),
      { numRuns: ROUND_TRIPS, seed: SEED + 5 },
    );
  });

  it('turns random corruptions into typed errors (or a consistent matrix), never another exception', () => {
    corruptionProperty(
      mtxArb.map(({ M, symmetric }) => writeMatrixMarket(M, { symmetric })),
      (text) => readMatrixMarket(text, 'bad.mtx'),
      ({ matrix: M }) => {
        expect(M.colPtr.length).toBe(M.ncols + 1);
        expect(M.rowIdx.length).toBe(M.colPtr[M.ncols]);
        for (const i of M.rowIdx) expect(i >= 0 && i < M.nrows).toBe(true);
      },
      SEED + 6,
    );
  });
});
