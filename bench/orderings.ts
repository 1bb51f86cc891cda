/**
 * Fill-reducing orderings compared on large sparse KKT matrices (docs/benchmarks.md#orderings):
 *
 *   npx tsx bench/orderings.ts [--grids 123,200,300] [--sparse N] [--orderings amd,nd,auto]
 *                              [--repeats R] [--no-factor] [--json]
 *
 * Matrices:
 *   mesh KKT  the reference mesh KKT (bench/mesh-kkt.ts) at each grid size (123 → 31 284 rows,
 *             300 → 182 442 rows), quasi-definite with its sign vector;
 *   sparse    with --sparse N (e.g. 10000): the random sparse family's QP (bench/generators.ts
 *             randomSparseQP(N, 0)) as the interior point factors it, the inequality rows
 *             eliminated into the (1,1) block: K = [P + CᵀC + I  Aᵀ; A  −1e-8·I] (pattern of
 *             P + CᵀC with the equality rows; values chosen quasi-definite).
 * For each matrix and ordering: the ordering (fillReducingOrdering, what SparseLdl.analyze calls;
 * for 'auto' both orderings and the two fill predictions), SparseLdl.analyze on it, factor, one solve with rhs = ones. Printed: the
 * ordering chosen, order ms, nnz(L), flops = Σ_j (cc_j − 1)² (multiply-adds of the
 * factorization), factor ms, order + symbolic + factor ms, residual ‖Kx − 1‖∞. One warm-up round
 * over all orderings first (JIT), then R rounds (default 3) alternating the orderings; times are
 * medians over the rounds. --no-factor: orderings and predicted nnz(L)/flops only (no numeric
 * work; for matrices whose factorization takes minutes).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { InputError } from '../optimizer/errors.ts';
import { cscFromTriplets, cscRowCompressed, cscSymUpperMatVec } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { fillReducingOrdering, predictFill, type OrderingInfo, type OrderingMethod } from '../optimizer/linalg/ordering.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { isCsc } from '../optimizer/linalg/types.ts';
import { buildMeshKkt } from './mesh-kkt.ts';
import { randomSparseQP } from './generators.ts';

interface Case {
  label: string;
  K: CscMatrix;
  signs: Int8Array;
}

interface Row {
  matrix: string;
  n: number;
  nnz: number;
  ordering: OrderingMethod;
  chosen: string;
  orderMs: number;
  nnzL: number;
  flops: number;
  factorMs: number;
  totalMs: number;
  residual: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
};

/** The ipm-like KKT of the random sparse family (see the module comment). */
function sparseFamilyKkt(n: number): Case {
  const qp = randomSparseQP(n, 0);
  if (!isCsc(qp.P) || !qp.A || !isCsc(qp.A) || !qp.C || !isCsc(qp.C)) throw new Error('randomSparseQP: expected CSC matrices');
  const P = qp.P;
  const A = qp.A;
  const C = qp.C;
  const p = A.nrows;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let j = 0; j < n; j++) {
    for (let q = P.colPtr[j]!; q < P.colPtr[j + 1]!; q++) {
      const i = P.rowIdx[q]!;
      if (i <= j) {
        rows.push(i);
        cols.push(j);
        vals.push(P.values[q]! + (i === j ? 1 : 0));
      }
    }
  }
  const Cr = cscRowCompressed(C);
  for (let r = 0; r < C.nrows; r++) {
    for (let a = Cr.rowPtr[r]!; a < Cr.rowPtr[r + 1]!; a++) {
      for (let b = Cr.rowPtr[r]!; b < Cr.rowPtr[r + 1]!; b++) {
        const i = Cr.colIdx[a]!;
        const j = Cr.colIdx[b]!;
        if (i <= j) {
          rows.push(i);
          cols.push(j);
          vals.push(Cr.values[a]! * Cr.values[b]!);
        }
      }
    }
  }
  for (let j = 0; j < n; j++) {
    for (let q = A.colPtr[j]!; q < A.colPtr[j + 1]!; q++) {
      rows.push(j);
      cols.push(n + A.rowIdx[q]!);
      vals.push(A.values[q]!);
    }
  }
  for (let r = 0; r < p; r++) {
    rows.push(n + r);
    cols.push(n + r);
    vals.push(-1e-8);
  }
  const K = cscFromTriplets(n + p, n + p, rows, cols, vals);
  const signs = new Int8Array(n + p).fill(1);
  signs.fill(-1, n);
  return { label: `sparse family n=${n}`, K, signs };
}

function runOnce(c: Case, ordering: OrderingMethod, factor: boolean): Row {
  const K = c.K;
  const n = K.ncols;
  // the ordering as SparseLdl.analyze computes it, timed here to learn what 'auto' chose
  const info = {} as OrderingInfo;
  const t0 = performance.now();
  const perm0 = fillReducingOrdering(K, ordering, info);
  const orderMs = performance.now() - t0;
  const row: Row = { matrix: c.label, n, nnz: K.colPtr[n]!, ordering, chosen: info.chosen, orderMs, nnzL: 0, flops: 0, factorMs: NaN, totalMs: NaN, residual: NaN };
  if (!factor) {
    const fill = predictFill(K, perm0);
    return { ...row, nnzL: fill.nnzL, flops: fill.flops };
  }
  const ldl = SparseLdl.analyze(K, { ordering: perm0, signs: c.signs, staticReg: 1e-8, dynamicReg: { eps: 1e-12, delta: 1e-7 } });
  ldl.factor();
  const rhs = new Float64Array(n).fill(1);
  const x = ldl.solve(rhs);
  const Kx = cscSymUpperMatVec(K, x);
  let res = 0;
  for (let i = 0; i < n; i++) res = Math.max(res, Math.abs(Kx[i]! - 1));
  const t = ldl.timings;
  return {
    ...row,
    nnzL: ldl.nnzL,
    flops: predictFill(K, ldl.perm).flops,
    factorMs: t.factorMs,
    totalMs: orderMs + t.orderMs + t.symbolicMs + t.factorMs,
    residual: res,
  };
}

function parseList(flag: string, s: string): number[] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.some((x) => !(Number.isInteger(x) && x >= 3 && x <= 2000))) throw new InputError(flag, 'comma-separated integers in [3, 2000]', s);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      grids: { type: 'string', default: '123,200,300' },
      sparse: { type: 'string' },
      orderings: { type: 'string', default: 'amd,nd,auto' },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      'no-factor': { type: 'boolean', default: false },
    },
  });
  const grids = values.grids === '' ? [] : parseList('--grids', values.grids!);
  const repeats = Number(values.repeats);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new InputError('--repeats', 'an integer ≥ 1', String(values.repeats));
  const orderings = values.orderings!.split(',').map((s) => s.trim()) as OrderingMethod[];
  for (const o of orderings) {
    if (!['amd', 'nd', 'auto', 'natural'].includes(o)) throw new InputError('--orderings', "a comma-separated list of amd, nd, auto, natural", o);
  }
  const cases: (() => Case)[] = grids.map((g) => () => {
    const m = buildMeshKkt({ gridSize: g });
    return { label: `mesh KKT grid ${g}`, K: m.K, signs: m.signs };
  });
  if (values.sparse !== undefined) {
    const ns = Number(values.sparse);
    if (!(Number.isInteger(ns) && ns >= 10 && ns <= 1e6)) throw new InputError('--sparse', 'an integer in [10, 1000000]', values.sparse);
    cases.push(() => sparseFamilyKkt(ns));
  }
  const head = ['matrix', 'n', 'ordering', 'chosen', 'order ms', 'nnz(L)', 'flops', 'factor ms', 'order+sym+factor ms', 'residual'];
  const w = [24, 7, 8, 6, 8, 7, 7, 9, 19, 8];
  const fmt = (l: string[]): string => l.map((s, i) => (i === 0 ? s.padEnd(w[i]!) : s.padStart(w[i]!))).join('  ');
  if (!values.json) {
    process.stdout.write(`medians over ${repeats} rounds after one warm-up round; load ${loadavg()[0]!.toFixed(2)} at the start\n`);
    process.stdout.write(fmt(head) + '\n');
  }
  for (const make of cases) {
    const c = make();
    process.stderr.write(`${c.label}: n = ${c.K.ncols}, nnz(upper K) = ${c.K.colPtr[c.K.ncols]}\n`);
    const factor = !values['no-factor'];
    for (const o of orderings) runOnce(c, o, factor); // warm-up
    const runs = new Map<OrderingMethod, Row[]>(orderings.map((o) => [o, []]));
    for (let r = 0; r < repeats; r++) for (const o of orderings) runs.get(o)!.push(runOnce(c, o, factor));
    // printed matrix by matrix (the large ones take minutes)
    for (const o of orderings) {
      const rs = runs.get(o)!;
      const row: Row = {
        ...rs[0]!,
        orderMs: median(rs.map((x) => x.orderMs)),
        factorMs: median(rs.map((x) => x.factorMs)),
        totalMs: median(rs.map((x) => x.totalMs)),
        residual: Math.max(...rs.map((x) => x.residual)),
      };
      if (values.json) {
        process.stdout.write(JSON.stringify(row) + '\n');
        continue;
      }
      const line = [
        row.matrix,
        String(row.n),
        row.ordering,
        row.chosen,
        row.orderMs.toFixed(0),
        (row.nnzL / 1e6).toFixed(2) + 'M',
        (row.flops / 1e9).toFixed(3) + 'G',
        Number.isNaN(row.factorMs) ? '—' : row.factorMs.toFixed(0),
        Number.isNaN(row.totalMs) ? '—' : row.totalMs.toFixed(0),
        Number.isNaN(row.residual) ? '—' : row.residual.toExponential(1),
      ];
      process.stdout.write(fmt(line) + '\n');
    }
  }
}

await main();
