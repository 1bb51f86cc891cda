import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dqpForward } from '../optimizer/dqp/index.ts';
import { makeSudokuDataset } from '../optimizer/sudoku/board.ts';
import { meanSquaredError, SudokuQpModel } from '../optimizer/sudoku/model.ts';
import { loadTf, type Tf } from '../optimizer/tf/load.ts';

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

  it('builds the QP: P = 0.1 I, q = −puzzle, C = −I, d = 0, b = A exp(log z0) with z0 feasible', () => {
    expect([model.rows, model.n]).toEqual([40, 64]);
    const params = model.parameters();
    const pr = model.problem(data[0]!.puzzleOneHot, params);
    expect(pr.P.format === 'dense' && pr.P.data[0] === 0.1 && pr.P.data[1] === 0).toBe(true);
    expect(Array.from(pr.q)).toEqual(Array.from(data[0]!.puzzleOneHot, (v) => -v));
    // z0 = exp(0) = 1 at initialisation: A·1 = b, z0 ≥ 0, so the QP is feasible
    for (let i = 0; i < model.rows; i++) {
      let s = 0;
      for (let j = 0; j < model.n; j++) s += params.A[i * model.n + j]!;
      expect(pr.b![i]).toBeCloseTo(s, 10);
    }
    for (const v of params.A) expect(v >= 0 && v < 1).toBe(true);
    const sol = dqpForward(pr);
    expect(sol.status).toBe('solved');
  });

  it('the tfjs gradient (dQP backward + chain rule through b = A exp(log z0)) matches central differences', () => {
    const ex = data[1]!;
    const got = model.lossAndGradients(ex)!;
    expect(got).not.toBeNull();
    const base = model.parameters();
    // loss as a Float64 function of (A, log z0), solved tightly
    const lossAt = (A: Float64Array, logZ0: Float64Array) => {
      const b = new Float64Array(model.rows);
      for (let i = 0; i < model.rows; i++) {
        let s = 0;
        for (let j = 0; j < model.n; j++) s += A[i * model.n + j]! * Math.exp(logZ0[j]!);
        b[i] = s;
      }
      const pr = model.problem(ex.puzzleOneHot, { A, b, z0: new Float64Array(0) });
      return meanSquaredError(dqpForward(pr, { epsAbs: 1e-11 }).z, ex.solutionOneHot);
    };
    const logZ0 = Float64Array.from(base.z0, Math.log);
    expect(got.loss).toBeCloseTo(lossAt(base.A, logZ0), 6);
    const h = 1e-5;
    const scale = Math.max(...Array.from(got.A, Math.abs), ...Array.from(got.logZ0, Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (const idx of [0, 5, 64 + 3, 17 * 64 + 40, 39 * 64 + 63]) {
      const Ap = base.A.slice(), Am = base.A.slice();
      Ap[idx]! += h;
      Am[idx]! -= h;
      const fd = (lossAt(Ap, logZ0) - lossAt(Am, logZ0)) / (2 * h);
      expect(Math.abs(got.A[idx]! - fd)).toBeLessThan(1e-3 * scale + 1e-6);
    }
    for (const idx of [0, 10, 33, 63]) {
      const lp = logZ0.slice(), lm = logZ0.slice();
      lp[idx]! += h;
      lm[idx]! -= h;
      const fd = (lossAt(base.A, lp) - lossAt(base.A, lm)) / (2 * h);
      expect(Math.abs(got.logZ0[idx]! - fd)).toBeLessThan(1e-3 * scale + 1e-6);
    }
  });

  it('Adam steps lower the training loss and leak no tensors', () => {
    const m = new SudokuQpModel(tf, { seed: 1, learningRate: 1e-2 });
    try {
      const train = data.slice(0, 6);
      const before = m.evaluate(train).loss;
      // the first step creates Adam's moment slots; after it the tensor count must stay constant
      expect(Number.isFinite(m.trainStep(train[0]!))).toBe(true);
      const tensors = tf.memory().numTensors;
      for (let epoch = 0; epoch < 3; epoch++) for (const e of train) expect(Number.isFinite(m.trainStep(e))).toBe(true);
      expect(tf.memory().numTensors).toBe(tensors);
      const after = m.evaluate(train).loss;
      expect(after).toBeLessThan(before);
      expect(m.failures).toBe(0);
    } finally {
      m.dispose();
    }
  });
});

describe('dqp sudoku (CLI)', () => {
  it('prints the per-epoch curves as JSON, starting with the untrained model', () => {
    const r = spawnSync(process.execPath, ['bin/dqp.js', 'sudoku', '--train', '6', '--test', '4', '--epochs', '2', '--json', '--quiet'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!) as { trainLoss: number[]; testLoss: number[]; testAccuracy: number[]; epochs: number };
    expect(out.epochs).toBe(2);
    for (const key of ['trainLoss', 'testLoss', 'testAccuracy'] as const) {
      expect(out[key]).toHaveLength(3);
      for (const v of out[key]) expect(Number.isFinite(v)).toBe(true);
    }
    for (const a of out.testAccuracy) expect(a >= 0 && a <= 1).toBe(true);
    const bad = spawnSync(process.execPath, ['bin/dqp.js', 'sudoku', '--train', '0'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--train: expected a positive integer/);
  });
});
