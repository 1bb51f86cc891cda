import { describe, expect, it } from 'vitest';
import {
  candidates,
  countSolutions,
  decode,
  isDeducible,
  isSolved,
  makePuzzle,
  makeSudokuDataset,
  oneHot,
  randomSolvedBoard,
  sudokuConstraintMatrix,
} from '../bench/sudoku/board.ts';
import { InputError } from '../optimizer/errors.ts';
import { Rng } from '../optimizer/util/random.ts';

const B = (rows: string) => Int8Array.from(rows.replace(/\s/g, ''), (ch) => (ch === '.' ? 0 : Number(ch)));

describe('solved boards', () => {
  it('randomSolvedBoard gives valid boards (4×4 and 9×9), many distinct ones, deterministically', () => {
    const rng = new Rng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const b = randomSolvedBoard(rng, 2);
      expect(isSolved(b, 2)).toBe(true);
      seen.add(b.join(''));
    }
    // there are 288 valid 4×4 boards; 300 uniform-ish draws hit well over half of them
    expect(seen.size).toBeGreaterThan(150);
    expect(seen.size).toBeLessThanOrEqual(288);
    expect(isSolved(randomSolvedBoard(new Rng(2), 3), 3)).toBe(true);
    expect(randomSolvedBoard(new Rng(5)).join()).toBe(randomSolvedBoard(new Rng(5)).join());
  });
  it('isSolved rejects duplicates in a row, column or box and empty cells', () => {
    const good = B('1234 3412 2143 4321');
    expect(isSolved(good)).toBe(true);
    expect(isSolved(B('1234 3412 2143 432.'))).toBe(false);
    expect(isSolved(B('1234 2143 3412 4321'))).toBe(false); // rows and columns fine, boxes not
    expect(isSolved(B('1234 1234 3412 3412'))).toBe(false);
  });
  it('countSolutions: 288 completions of the empty 4×4 board', () => {
    expect(countSolutions(new Int8Array(16), 2, 1000)).toBe(288);
  });
});

describe('puzzles', () => {
  it('candidates and single deductions on a hand-checked board', () => {
    const b = B('1234 3412 2143 4321');
    expect(candidates(b, 2, 0, 0)).toBe(0b0001); // only 1 fits
    const p = B('.234 3412 2143 4321');
    expect(isDeducible(p, 2, 1)).toBe(true);
    expect(isDeducible(p, 2, 0)).toBe(false); // empty cell
  });
  it('makePuzzle keeps a unique solution, removes only what is deducible, respects keep', () => {
    const rng = new Rng(9);
    for (let t = 0; t < 100; t++) {
      const sol = randomSolvedBoard(rng);
      const keep = t % 4;
      const puz = makePuzzle(sol, rng, 2, keep);
      const filled = puz.filter((v) => v > 0).length;
      expect(filled).toBeGreaterThanOrEqual(keep);
      for (let i = 0; i < 16; i++) if (puz[i]) expect(puz[i]).toBe(sol[i]);
      expect(countSolutions(puz, 2, 2)).toBe(1);
    }
    // keep = 16 removes nothing
    const s = randomSolvedBoard(rng);
    expect(Array.from(makePuzzle(s, rng, 2, 16))).toEqual(Array.from(s));
  });
  it('the data set is reproducible and its one-hot encodings are consistent', () => {
    const a = makeSudokuDataset(50, 3);
    const b = makeSudokuDataset(50, 3);
    expect(a.map((e) => e.puzzle.join('')).join()).toBe(b.map((e) => e.puzzle.join('')).join());
    expect(a.map((e) => e.puzzle.join('')).join()).not.toBe(makeSudokuDataset(50, 4).map((e) => e.puzzle.join('')).join());
    for (const e of a) {
      expect(e.solutionOneHot.length).toBe(64);
      expect(e.solutionOneHot.reduce((s, v) => s + v, 0)).toBe(16);
      expect(e.puzzleOneHot.reduce((s, v) => s + v, 0)).toBe(e.puzzle.filter((v) => v > 0).length);
      expect(Array.from(decode(e.solutionOneHot))).toEqual(Array.from(e.solution));
      expect(countSolutions(e.puzzle, 2, 2)).toBe(1);
    }
  });
});

describe('encoding', () => {
  it('oneHot / decode round trip and argmax ties', () => {
    const sol = randomSolvedBoard(new Rng(4));
    const z = oneHot(sol);
    expect(Array.from(decode(z))).toEqual(Array.from(sol));
    const noisy = z.map((v, i) => v * 0.6 + 0.1 * Math.sin(i));
    expect(Array.from(decode(noisy))).toEqual(Array.from(sol));
    expect(decode(new Float64Array(64))[0]).toBe(1);
    expect(() => oneHot(new Int8Array(5))).toThrow(InputError);
  });
  it('the true constraint matrix has rank 40 for 4×4, and every solution satisfies A z = 1', () => {
    const A = sudokuConstraintMatrix(2);
    expect([A.rows, A.cols]).toEqual([40, 64]);
    const rng = new Rng(6);
    for (let t = 0; t < 20; t++) {
      const z = oneHot(randomSolvedBoard(rng));
      for (let i = 0; i < A.rows; i++) {
        let s = 0;
        for (let j = 0; j < 64; j++) s += A.data[i * 64 + j]! * z[j]!;
        expect(s).toBe(1);
      }
    }
    // a non-solution violates some row
    const bad = oneHot(B('1234 3412 2143 4312'));
    let worst = 0;
    for (let i = 0; i < A.rows; i++) {
      let s = 0;
      for (let j = 0; j < 64; j++) s += A.data[i * 64 + j]! * bad[j]!;
      worst = Math.max(worst, Math.abs(s - 1));
    }
    expect(worst).toBeGreaterThan(0.5);
  });
});
