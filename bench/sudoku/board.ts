/**
 * Sudoku boards for OptNet's learning experiment (Amos & Kolter 2017; paper Section 4):
 * random solved boards, puzzles made by removing deducible cells, and the one-hot encoding a
 * QP layer works on.
 *
 * Shapes. Box size s (2 for the 4×4 experiment), side N = s², N² cells.
 *   Board     Int8Array of length N², cell (r, c) at r·N + c, digits 1..N, 0 = empty.
 *   One-hot   Float64Array of length N³, entry (r·N + c)·N + (v − 1) = 1 when cell (r, c) holds v.
 *             An empty cell is all zeros.
 */
import { InputError } from '../../optimizer/errors.ts';
import { Rng } from '../../optimizer/util/random.ts';

function side(boxSize: number): number {
  if (!Number.isInteger(boxSize) || boxSize < 1 || boxSize > 4) throw new InputError('boxSize', 'an integer in 1..4', String(boxSize));
  return boxSize * boxSize;
}

/**
 * Bit mask of the digits (bit v−1 for digit v) that cell (r, c) may hold given the filled
 * cells of `board`, ignoring the cell's own content.
 */
export function candidates(board: Int8Array, boxSize: number, r: number, c: number): number {
  const N = boxSize * boxSize;
  let used = 0;
  for (let k = 0; k < N; k++) {
    if (k !== c && board[r * N + k]! > 0) used |= 1 << (board[r * N + k]! - 1);
    if (k !== r && board[k * N + c]! > 0) used |= 1 << (board[k * N + c]! - 1);
  }
  const r0 = r - (r % boxSize), c0 = c - (c % boxSize);
  for (let i = r0; i < r0 + boxSize; i++) {
    for (let j = c0; j < c0 + boxSize; j++) {
      if ((i !== r || j !== c) && board[i * N + j]! > 0) used |= 1 << (board[i * N + j]! - 1);
    }
  }
  return ((1 << N) - 1) & ~used;
}

function popcount(x: number): number {
  let n = 0;
  while (x) {
    x &= x - 1;
    n++;
  }
  return n;
}

/**
 * A random valid solved board: depth-first filling in cell order with the digits tried in random
 * order (backtracking; a few microseconds for 4×4, milliseconds for 9×9). Every valid board can
 * come out, though not with exactly equal probability.
 */
export function randomSolvedBoard(rng: Rng, boxSize = 2): Int8Array {
  const N = side(boxSize);
  const board = new Int8Array(N * N);
  const fill = (cell: number): boolean => {
    if (cell === N * N) return true;
    const r = Math.floor(cell / N), c = cell % N;
    const cand = candidates(board, boxSize, r, c);
    const digits = rng.shuffle(Int8Array.from({ length: N }, (_, i) => i + 1));
    for (const v of digits) {
      if (cand & (1 << (v - 1))) {
        board[cell] = v;
        if (fill(cell + 1)) return true;
      }
    }
    board[cell] = 0;
    return false;
  };
  fill(0);
  return board;
}

/** Whether `board` is completely filled with every row, column and box a permutation of 1..N. */
export function isSolved(board: Int8Array, boxSize = 2): boolean {
  const N = side(boxSize);
  if (board.length !== N * N) return false;
  const full = (1 << N) - 1;
  for (let g = 0; g < N; g++) {
    let row = 0, col = 0, box = 0;
    const br = Math.floor(g / boxSize) * boxSize, bc = (g % boxSize) * boxSize;
    for (let k = 0; k < N; k++) {
      const a = board[g * N + k]!, b = board[k * N + g]!;
      const x = board[(br + Math.floor(k / boxSize)) * N + bc + (k % boxSize)]!;
      if (a < 1 || a > N || b < 1 || b > N || x < 1 || x > N) return false;
      row |= 1 << (a - 1);
      col |= 1 << (b - 1);
      box |= 1 << (x - 1);
    }
    if (row !== full || col !== full || box !== full) return false;
  }
  return true;
}

/**
 * Whether the digit v = board[cell] could be recovered by a single deduction if the cell were
 * emptied: it is the only candidate of the cell (naked single), or no other EMPTY cell of its
 * row, column or box can hold v (hidden single). `board` is not modified.
 */
export function isDeducible(board: Int8Array, boxSize: number, cell: number): boolean {
  const N = boxSize * boxSize;
  const v = board[cell]!;
  if (v === 0) return false;
  const r = Math.floor(cell / N), c = cell % N;
  const work = board.slice();
  work[cell] = 0;
  const bit = 1 << (v - 1);
  if (candidates(work, boxSize, r, c) === bit) return true;
  const others = (cells: number[]): boolean => cells.every((e) => e === cell || work[e]! !== 0 || !(candidates(work, boxSize, Math.floor(e / N), e % N) & bit));
  const row = Array.from({ length: N }, (_, k) => r * N + k);
  const col = Array.from({ length: N }, (_, k) => k * N + c);
  const r0 = r - (r % boxSize), c0 = c - (c % boxSize);
  const box = Array.from({ length: N }, (_, k) => (r0 + Math.floor(k / boxSize)) * N + c0 + (k % boxSize));
  return others(row) || others(col) || others(box);
}

/**
 * Make a puzzle from a solved board: visit the cells in random order and empty each one whose
 * digit is still deducible (isDeducible) from the cells left, until only `keep` cells remain or
 * no cell can be removed. Solving the puzzle by undoing the removals in reverse order needs a
 * single deduction per step, so the solution is unique. Returns a new board; `solution` is not
 * modified.
 */
export function makePuzzle(solution: Int8Array, rng: Rng, boxSize = 2, keep = 0): Int8Array {
  const N = side(boxSize);
  const puzzle = solution.slice();
  let filled = N * N;
  for (const cell of rng.permutation(N * N)) {
    if (filled <= keep) break;
    if (isDeducible(puzzle, boxSize, cell)) {
      puzzle[cell] = 0;
      filled--;
    }
  }
  return puzzle;
}

/**
 * Count the solutions of a puzzle, stopping at `limit` (backtracking on the most constrained
 * empty cell). For tests and checks.
 */
export function countSolutions(puzzle: Int8Array, boxSize = 2, limit = 2): number {
  const N = side(boxSize);
  const b = puzzle.slice();
  let count = 0;
  const go = (): void => {
    if (count >= limit) return;
    let best = -1, bestCand = 0, bestN = N + 1;
    for (let cell = 0; cell < N * N; cell++) {
      if (b[cell] !== 0) continue;
      const cand = candidates(b, boxSize, Math.floor(cell / N), cell % N);
      const k = popcount(cand);
      if (k < bestN) {
        best = cell;
        bestCand = cand;
        bestN = k;
        if (k === 0) return;
      }
    }
    if (best < 0) {
      if (isSolved(b, boxSize)) count++;
      return;
    }
    for (let v = 1; v <= N; v++) {
      if (bestCand & (1 << (v - 1))) {
        b[best] = v;
        go();
        b[best] = 0;
      }
    }
  };
  go();
  return count;
}

/** One-hot encoding (length N³) of a board; empty cells are all zero. */
export function oneHot(board: Int8Array, boxSize = 2, out?: Float64Array): Float64Array {
  const N = side(boxSize);
  if (board.length !== N * N) throw new InputError('board', `length ${N * N}`, `length ${board.length}`);
  const z = out ?? new Float64Array(N * N * N);
  z.fill(0);
  for (let cell = 0; cell < N * N; cell++) {
    const v = board[cell]!;
    if (v > 0) z[cell * N + v - 1] = 1;
  }
  return z;
}

/** Board of the per-cell argmax of a length-N³ vector (ties → the smaller digit). */
export function decode(z: ArrayLike<number>, boxSize = 2): Int8Array {
  const N = side(boxSize);
  if (z.length !== N * N * N) throw new InputError('z', `length ${N * N * N}`, `length ${z.length}`);
  const board = new Int8Array(N * N);
  for (let cell = 0; cell < N * N; cell++) {
    let best = 0;
    for (let v = 1; v < N; v++) if (z[cell * N + v]! > z[cell * N + best]!) best = v;
    board[cell] = best + 1;
  }
  return board;
}

/** One example of the data set: a puzzle and its (unique) solution, both as boards and one-hot. */
export interface SudokuExample {
  readonly puzzle: Int8Array;
  readonly solution: Int8Array;
  /** one-hot of the puzzle (length N³), the QP's input: q = −puzzleOneHot */
  readonly puzzleOneHot: Float64Array;
  /** one-hot of the solution (length N³), the target */
  readonly solutionOneHot: Float64Array;
}

/**
 * A reproducible data set of `count` examples: each a random solved board and a puzzle with
 * a random target of kept cells, keep ~ U{0, …, N−1} (OptNet's choice: removal stops earlier
 * when no further cell is deducible).
 */
export function makeSudokuDataset(count: number, seed: number, boxSize = 2): SudokuExample[] {
  if (!Number.isInteger(count) || count < 0) throw new InputError('count', 'a non-negative integer', String(count));
  const N = side(boxSize);
  const rng = new Rng(seed);
  const out: SudokuExample[] = [];
  for (let i = 0; i < count; i++) {
    const solution = randomSolvedBoard(rng, boxSize);
    const puzzle = makePuzzle(solution, rng, boxSize, rng.int(N));
    out.push({ puzzle, solution, puzzleOneHot: oneHot(puzzle, boxSize), solutionOneHot: oneHot(solution, boxSize) });
  }
  return out;
}

/**
 * The true Sudoku equality constraints on the one-hot vector z (length N³), as rows of a dense
 * row-major matrix with z ≥ 0 implied elsewhere:
 *   each cell holds one digit      Σ_v z[r,c,v] = 1
 *   each row holds each digit once Σ_c z[r,c,v] = 1
 *   each column ...                Σ_r z[r,c,v] = 1
 *   each box ...                   Σ_{(r,c) ∈ box} z[r,c,v] = 1
 * (4N² rows), then reduced to a linearly independent subset (greedy in that order, Gram–Schmidt
 * with tolerance 1e-9), so that A has full row rank. Right-hand side: all ones.
 * Returns { rows, cols, data } (rows = rank; 40 × 64 for the 4×4 board).
 */
export function sudokuConstraintMatrix(boxSize = 2): { rows: number; cols: number; data: Float64Array } {
  const N = side(boxSize);
  const n = N * N * N;
  const idx = (r: number, c: number, v: number) => (r * N + c) * N + v;
  const all: number[][] = [];
  for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) all.push(Array.from({ length: N }, (_, v) => idx(r, c, v)));
  for (let r = 0; r < N; r++) for (let v = 0; v < N; v++) all.push(Array.from({ length: N }, (_, c) => idx(r, c, v)));
  for (let c = 0; c < N; c++) for (let v = 0; v < N; v++) all.push(Array.from({ length: N }, (_, r) => idx(r, c, v)));
  for (let b = 0; b < N; b++) {
    const r0 = Math.floor(b / boxSize) * boxSize, c0 = (b % boxSize) * boxSize;
    for (let v = 0; v < N; v++) all.push(Array.from({ length: N }, (_, k) => idx(r0 + Math.floor(k / boxSize), c0 + (k % boxSize), v)));
  }
  const kept: Float64Array[] = [];
  const basis: Float64Array[] = []; // orthonormal basis of the kept rows
  for (const support of all) {
    const row = new Float64Array(n);
    for (const j of support) row[j] = 1;
    const w = row.slice();
    for (const e of basis) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += e[j]! * w[j]!;
      for (let j = 0; j < n; j++) w[j]! -= dot * e[j]!;
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += w[j]! * w[j]!;
    norm = Math.sqrt(norm);
    if (norm > 1e-9 * Math.sqrt(N)) {
      for (let j = 0; j < n; j++) w[j]! /= norm;
      basis.push(w);
      kept.push(row);
    }
  }
  const data = new Float64Array(kept.length * n);
  kept.forEach((r, i) => data.set(r, i * n));
  return { rows: kept.length, cols: n, data };
}
