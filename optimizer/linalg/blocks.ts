/**
 * Block assembly of sparse (CSC) matrices: the building blocks of KKT matrices and of the
 * benchmark generators (chain: (G₀ ⊗ I_k)).
 *
 *   bmat(grid)          general block matrix, null = zero block (like scipy.sparse.bmat)
 *   hstack(blocks)      [B₀ B₁ …]          all blocks with the same number of rows
 *   vstack(blocks)      [B₀; B₁; …]        all blocks with the same number of columns
 *   blockDiag(blocks)   diag(B₀, B₁, …)
 *   kron(A, B)          Kronecker product A ⊗ B
 *
 * Every result is a new CscMatrix with rows sorted and unique inside each column; stored
 * entries are carried over as they are (explicit zeros kept, nothing summed or dropped).
 * Dense inputs are accepted and converted with `toCsc` (exact zeros dropped).
 * Size mismatches throw DimensionError naming the offending block, e.g. `blocks[2]`.
 */
import { DimensionError, InputError } from '../errors.ts';
import { toCsc } from './matrix.ts';
import type { CscMatrix, Matrix } from './types.ts';

function sizeOk(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

/**
 * Block matrix from a grid of blocks: grid[I][J] is block (I, J) or null (zero). Block row I has
 * height rowSizes[I] and block column J width colSizes[J]; sizes are inferred from the non-null
 * blocks and may be given in `sizes` (needed for an all-null block row/column).
 * Throws DimensionError (`grid[I][J]`) when a block does not fit, InputError when a size
 * cannot be inferred or the grid is ragged.
 */
export function bmat(
  grid: readonly (readonly (Matrix | null | undefined)[])[],
  sizes: { rows?: readonly number[]; cols?: readonly number[] } = {},
): CscMatrix {
  const nbr = grid.length;
  const nbc = nbr === 0 ? (sizes.cols?.length ?? 0) : grid[0]!.length;
  for (let I = 0; I < nbr; I++)
    if (grid[I]!.length !== nbc) throw new DimensionError(`grid[${I}]`, `${nbc} blocks (= length of grid[0])`, `${grid[I]!.length} blocks`);
  const rowSizes = new Int32Array(nbr).fill(-1);
  const colSizes = new Int32Array(nbc).fill(-1);
  if (sizes.rows) {
    if (sizes.rows.length !== nbr) throw new DimensionError('sizes.rows', `length ${nbr} (block rows)`, `length ${sizes.rows.length}`);
    sizes.rows.forEach((v, I) => {
      if (!sizeOk(v)) throw new InputError(`sizes.rows[${I}]`, 'a non-negative integer', String(v));
      rowSizes[I] = v;
    });
  }
  if (sizes.cols) {
    if (sizes.cols.length !== nbc) throw new DimensionError('sizes.cols', `length ${nbc} (block columns)`, `length ${sizes.cols.length}`);
    sizes.cols.forEach((v, J) => {
      if (!sizeOk(v)) throw new InputError(`sizes.cols[${J}]`, 'a non-negative integer', String(v));
      colSizes[J] = v;
    });
  }
  const blocks: (CscMatrix | null)[] = new Array(nbr * nbc).fill(null);
  for (let I = 0; I < nbr; I++)
    for (let J = 0; J < nbc; J++) {
      const B = grid[I]![J];
      if (B == null) continue;
      const S = toCsc(B);
      blocks[I * nbc + J] = S;
      if (rowSizes[I]! < 0) rowSizes[I] = S.nrows;
      else if (rowSizes[I] !== S.nrows)
        throw new DimensionError(`grid[${I}][${J}]`, `${rowSizes[I]} rows (height of block row ${I})`, `${S.nrows} rows`);
      if (colSizes[J]! < 0) colSizes[J] = S.ncols;
      else if (colSizes[J] !== S.ncols)
        throw new DimensionError(`grid[${I}][${J}]`, `${colSizes[J]} columns (width of block column ${J})`, `${S.ncols} columns`);
    }
  for (let I = 0; I < nbr; I++)
    if (rowSizes[I]! < 0) throw new InputError(`grid[${I}]`, 'a block row with a non-null block (or sizes.rows)', 'only null blocks');
  for (let J = 0; J < nbc; J++)
    if (colSizes[J]! < 0) throw new InputError(`grid[*][${J}]`, 'a block column with a non-null block (or sizes.cols)', 'only null blocks');

  const rowOff = new Int32Array(nbr + 1);
  for (let I = 0; I < nbr; I++) rowOff[I + 1] = rowOff[I]! + rowSizes[I]!;
  let ncols = 0;
  let total = 0;
  for (let J = 0; J < nbc; J++) ncols += colSizes[J]!;
  for (const B of blocks) if (B) total += B.colPtr[B.ncols]!;

  const colPtr = new Int32Array(ncols + 1);
  const rowIdx = new Int32Array(total);
  const values = new Float64Array(total);
  let col = 0;
  let p = 0;
  for (let J = 0; J < nbc; J++) {
    for (let j = 0; j < colSizes[J]!; j++) {
      // block rows in increasing offset, rows sorted inside each block → sorted column
      for (let I = 0; I < nbr; I++) {
        const B = blocks[I * nbc + J];
        if (!B) continue;
        const off = rowOff[I]!;
        for (let q = B.colPtr[j]!, e = B.colPtr[j + 1]!; q < e; q++) {
          rowIdx[p] = B.rowIdx[q]! + off;
          values[p++] = B.values[q]!;
        }
      }
      colPtr[++col] = p;
    }
  }
  return { format: 'csc', nrows: rowOff[nbr]!, ncols, colPtr, rowIdx, values };
}

/** [B₀ B₁ …]: every block has the same number of rows (DimensionError `blocks[k]`). Needs ≥ 1 block. */
export function hstack(blocks: readonly Matrix[]): CscMatrix {
  if (blocks.length === 0) throw new InputError('blocks', 'at least one block', 'none');
  const m = blocks[0]!.nrows;
  blocks.forEach((B, k) => {
    if (B.nrows !== m) throw new DimensionError(`blocks[${k}]`, `${m} rows (= rows of blocks[0])`, `${B.nrows} rows`);
  });
  return bmat([blocks]);
}

/** [B₀; B₁; …]: every block has the same number of columns (DimensionError `blocks[k]`). Needs ≥ 1 block. */
export function vstack(blocks: readonly Matrix[]): CscMatrix {
  if (blocks.length === 0) throw new InputError('blocks', 'at least one block', 'none');
  const n = blocks[0]!.ncols;
  blocks.forEach((B, k) => {
    if (B.ncols !== n) throw new DimensionError(`blocks[${k}]`, `${n} columns (= columns of blocks[0])`, `${B.ncols} columns`);
  });
  return bmat(blocks.map((B) => [B]));
}

/** diag(B₀, B₁, …) (any shapes; an empty list gives 0 × 0). O(total nnz + total columns). */
export function blockDiag(blocks: readonly Matrix[]): CscMatrix {
  const S = blocks.map((B) => toCsc(B));
  let nrows = 0;
  let ncols = 0;
  let total = 0;
  for (const B of S) {
    nrows += B.nrows;
    ncols += B.ncols;
    total += B.colPtr[B.ncols]!;
  }
  const colPtr = new Int32Array(ncols + 1);
  const rowIdx = new Int32Array(total);
  const values = new Float64Array(total);
  let r0 = 0;
  let c0 = 0;
  let p = 0;
  for (const B of S) {
    for (let j = 0; j < B.ncols; j++) {
      for (let q = B.colPtr[j]!, e = B.colPtr[j + 1]!; q < e; q++) {
        rowIdx[p] = B.rowIdx[q]! + r0;
        values[p++] = B.values[q]!;
      }
      colPtr[c0 + j + 1] = p;
    }
    r0 += B.nrows;
    c0 += B.ncols;
  }
  return { format: 'csc', nrows, ncols, colPtr, rowIdx, values };
}

/**
 * Kronecker product A ⊗ B ((mA·mB) × (nA·nB)): entry (iA·mB + iB, jA·nB + jB) = A[iA, jA]·B[iB, jB]
 * for every pair of stored entries (nnz = nnz(A)·nnz(B)).
 */
export function kron(A: Matrix, B: Matrix): CscMatrix {
  const a = toCsc(A);
  const b = toCsc(B);
  const nrows = a.nrows * b.nrows;
  const ncols = a.ncols * b.ncols;
  const total = a.colPtr[a.ncols]! * b.colPtr[b.ncols]!;
  if (!Number.isSafeInteger(nrows) || !Number.isSafeInteger(ncols) || total > 2 ** 31 - 1)
    throw new InputError('kron(A, B)', 'a result with fewer than 2³¹ entries', `${total} entries`);
  const colPtr = new Int32Array(ncols + 1);
  const rowIdx = new Int32Array(total);
  const values = new Float64Array(total);
  const mB = b.nrows;
  let p = 0;
  let col = 0;
  for (let ja = 0; ja < a.ncols; ja++)
    for (let jb = 0; jb < b.ncols; jb++) {
      for (let qa = a.colPtr[ja]!, ea = a.colPtr[ja + 1]!; qa < ea; qa++) {
        const off = a.rowIdx[qa]! * mB;
        const va = a.values[qa]!;
        for (let qb = b.colPtr[jb]!, eb = b.colPtr[jb + 1]!; qb < eb; qb++) {
          rowIdx[p] = off + b.rowIdx[qb]!;
          values[p++] = va * b.values[qb]!;
        }
      }
      colPtr[++col] = p;
    }
  return { format: 'csc', nrows, ncols, colPtr, rowIdx, values };
}
