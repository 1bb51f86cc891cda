import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dqpForward } from '../optimizer/dqp/index.ts';
import { setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { InputError } from '../optimizer/errors.ts';
import { cscMatVec } from '../optimizer/linalg/csc.ts';
import { makeSudokuDataset, sudokuConstraintMatrix } from '../bench/sudoku/board.ts';
import { meanSquaredError, SudokuQpModel } from '../bench/sudoku/model.ts';
import { loadTf, type Tf } from '../optimizer/tf/load.ts';
import { Rng } from '../optimizer/util/random.ts';
import { DQP_BIN } from './helpers.ts';

let tf: Tf;
beforeAll(async () => {
  tf = await loadTf();
  tf.env().set('PROD', true); // silence the "install tfjs-node" banner
  await tf.ready();
});

describe('SudokuQpModel', () => {
  const data = makeSudokuDataset(12, 7);
  let model: SudokuQpModel;
  beforeAll(() => {
    model = new SudokuQpModel(tf, { seed: 3 });
  });
  afterAll(() => model.dispose());

  it('builds the QP: ½zᵀPz = 0.1 zᵀz, q = −puzzle, lb = 0, b = A z0 with z0 = 1/4 feasible', () => {
    expect([model.rows, model.n]).toEqual([40, 64]);
    const params = model.parameters();
    const pr = model.problem(data[0]!.puzzleOneHot, params);
    // OptNet's objective 0.1·zᵀz equals ½zᵀPz for a random z
    const rng = new Rng(5);
    const z = Float64Array.from({ length: 64 }, () => rng.normal());
    expect(pr.P.format).toBe('csc');
    const Pz = cscMatVec(pr.P as Parameters<typeof cscMatVec>[0], z);
    let half = 0, zz = 0;
    for (let i = 0; i < 64; i++) {
      half += 0.5 * z[i]! * Pz[i]!;
      zz += z[i]! * z[i]!;
    }
    expect(half).toBeCloseTo(0.1 * zz, 12);
    expect(Array.from(pr.q)).toEqual(Array.from(data[0]!.puzzleOneHot, (v) => -v));
    expect(Array.from(pr.lb!)).toEqual(new Array(64).fill(0));
    expect(pr.C).toBeUndefined();
    // z0 = 1/4 at initialisation, A ~ U(0, 0.1): b = A z0, so z0 > 0 is a feasible point
    for (const v of params.z0) expect(v).toBeCloseTo(0.25, 6);
    for (const v of params.A) expect(v >= 0 && v < 0.1).toBe(true);
    for (let i = 0; i < model.rows; i++) {
      let s = 0;
      for (let j = 0; j < model.n; j++) s += params.A[i * model.n + j]! * params.z0[j]!;
      expect(pr.b![i]).toBeCloseTo(s, 10);
    }
    const sol = dqpForward(pr);
    expect(sol.status).toBe('solved');
    for (const v of sol.z) expect(v).toBeGreaterThanOrEqual(-1e-9);
  });

  it('with the TRUE constraints (b = A·1/4 = 1) and a small penalty, every puzzle is solved exactly', () => {
    // puzzles are built by removing cells that single deductions recover, so fixing the givens
    // leaves exactly one point of the Sudoku polytope: the solution; as c → 0 the QP returns it
    const m = new SudokuQpModel(tf, { qPenalty: 0.005 });
    // the one-hot solution is a degenerate vertex (40 equalities + 48 active bounds > 64): the
    // forward flags it, which is expected here
    const previous = setDqpWarningHandler(() => {});
    try {
      const T = sudokuConstraintMatrix(2);
      m.assign({ A: T.data });
      const b = m.parameters().b;
      for (const v of b) expect(v).toBeCloseTo(1, 6);
      const ev = m.evaluate(data);
      expect(ev.failed).toBe(0);
      expect(ev.accuracy).toBe(1);
      expect(ev.loss).toBeLessThan(1e-8);
      // and the untrained model solves none of them
      const fresh = new SudokuQpModel(tf, { qPenalty: 0.005 });
      try {
        expect(fresh.evaluate(data).accuracy).toBe(0);
      } finally {
        fresh.dispose();
      }
    } finally {
      setDqpWarningHandler(previous);
      m.dispose();
    }
  });

  it('the tfjs gradient (dQP backward + chain rule through b = A exp(log z0)) matches central differences to float32 accuracy', () => {
    const ex = data[1]!;
    const got = model.lossAndGradients(ex)!;
    expect(got).not.toBeNull();
    const base = model.parameters();
    // loss as a Float64 function of (A, log z0), solved tightly
    const lossAt = (A: Float64Array, logZ0: Float64Array) => {
      const z0 = Float64Array.from(logZ0, Math.exp);
      const b = new Float64Array(model.rows);
      for (let i = 0; i < model.rows; i++) {
        let s = 0;
        for (let j = 0; j < model.n; j++) s += A[i * model.n + j]! * z0[j]!;
        b[i] = s;
      }
      const pr = model.problem(ex.puzzleOneHot, { A, b, z0 });
      return meanSquaredError(dqpForward(pr, { epsAbs: 1e-12 }).z, ex.solutionOneHot);
    };
    const logZ0 = Float64Array.from(base.z0, Math.log);
    expect(got.loss).toBeCloseTo(lossAt(base.A, logZ0), 6);
    const h = 1e-6;
    const scale = Math.max(...Array.from(got.A, Math.abs), ...Array.from(got.logZ0, Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (const idx of [0, 5, 64 + 3, 17 * 64 + 40, 39 * 64 + 63]) {
      const Ap = base.A.slice(), Am = base.A.slice();
      Ap[idx]! += h;
      Am[idx]! -= h;
      const fd = (lossAt(Ap, logZ0) - lossAt(Am, logZ0)) / (2 * h);
      expect(Math.abs(got.A[idx]! - fd)).toBeLessThan(2e-5 * scale);
    }
    for (const idx of [0, 10, 33, 63]) {
      const lp = logZ0.slice(), lm = logZ0.slice();
      lp[idx]! += h;
      lm[idx]! -= h;
      const fd = (lossAt(base.A, lp) - lossAt(base.A, lm)) / (2 * h);
      expect(Math.abs(got.logZ0[idx]! - fd)).toBeLessThan(2e-5 * scale);
    }
  });

  it('Adam steps lower the training loss and leak no tensors; a fixed z0 stays fixed', () => {
    for (const z0 of ['learned', 'fixed'] as const) {
      const m = new SudokuQpModel(tf, { seed: 1, z0 });
      try {
        const train = data.slice(0, 6);
        const before = m.evaluate(train).loss;
        const logZ0 = Float64Array.from(m.logZ0.dataSync());
        // the first step creates Adam's moment slots; after it the tensor count must stay constant
        expect(m.trainStep(train[0]!)).not.toBeNull();
        const tensors = tf.memory().numTensors;
        for (let epoch = 0; epoch < 3; epoch++) for (const e of train) expect(Number.isFinite(m.trainStep(e)!.loss)).toBe(true);
        expect(tf.memory().numTensors).toBe(tensors);
        expect(m.evaluate(train).loss).toBeLessThan(before);
        expect(m.failures).toBe(0);
        const moved = Float64Array.from(m.logZ0.dataSync()).some((v, i) => v !== logZ0[i]);
        expect(moved).toBe(z0 === 'learned');
      } finally {
        m.dispose();
      }
    }
  });

  it('one epoch on 200 boards (Adam lr 1e-3, batch 1) improves loss and cell accuracy on held-out boards', () => {
    const set = makeSudokuDataset(240, 11);
    const train = set.slice(0, 200);
    const test = set.slice(200);
    const m = new SudokuQpModel(tf, { seed: 5 });
    try {
      const before = m.evaluate(test);
      for (const e of train) m.trainStep(e);
      const after = m.evaluate(test);
      expect(after.failed).toBe(0);
      expect(after.loss).toBeLessThan(0.95 * before.loss);
      expect(after.cellAccuracy).toBeGreaterThan(before.cellAccuracy + 0.03);
    } finally {
      m.dispose();
    }
  });

  it('rejects bad options and parameters with InputError', () => {
    expect(() => new SudokuQpModel(tf, { initScale: 0 })).toThrow(InputError);
    expect(() => new SudokuQpModel(tf, { z0Init: -1 })).toThrow(/z0Init: expected a positive number/);
    expect(() => new SudokuQpModel(tf, { z0: 'random' as 'fixed' })).toThrow(InputError);
    expect(() => model.assign({ A: new Float64Array(3) })).toThrow(/A: expected length 2560/);
    expect(() => model.assign({ z0: new Float64Array(64) })).toThrow(/z0\[0\]: expected a positive number/);
  });
});

describe('dqp sudoku (CLI)', () => {
  it('prints the per-epoch curves as JSON, starting with the untrained model', () => {
    const r = spawnSync(process.execPath, [DQP_BIN, 'sudoku', '--train', '6', '--test', '4', '--epochs', '2', '--json', '--quiet'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!) as Record<string, number[] | number>;
    expect(out.epochs).toBe(2);
    expect(out.initScale).toBe(0.1);
    for (const key of ['trainLoss', 'testLoss', 'testAccuracy', 'trainAccuracy', 'testCellAccuracy']) {
      const v = out[key] as number[];
      expect(v).toHaveLength(3);
      for (const x of v) expect(Number.isFinite(x)).toBe(true);
    }
    for (const key of ['testAccuracy', 'trainAccuracy', 'testCellAccuracy']) for (const a of out[key] as number[]) expect(a >= 0 && a <= 1).toBe(true);
    const bad = spawnSync(process.execPath, [DQP_BIN, 'sudoku', '--train', '0'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--train: expected a positive integer/);
    const badScale = spawnSync(process.execPath, [DQP_BIN, 'sudoku', '--init-scale', '-1'], { encoding: 'utf8' });
    expect(badScale.status).not.toBe(0);
    expect(badScale.stderr).toMatch(/--init-scale: expected a positive number/);
  });
});
