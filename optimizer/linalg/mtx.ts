/**
 * Matrix Market exchange format (NIST; https://math.nist.gov/MatrixMarket/formats.html).
 *
 *   %%MatrixMarket matrix coordinate real general      ← banner (tokens case-insensitive)
 *   % comment lines start with %                        ← comments / blank lines: skipped
 *   3 3 4                                               ← rows cols entries
 *   1 1 2.5                                             ← i j value, 1-based
 *   …
 *
 * readMatrixMarket(text, fileName?) → { matrix, symmetry }
 *   format   coordinate (sparse) or array (dense, column-major values)
 *   field    real | double | integer | pattern (pattern entries get the value 1);
 *            complex → FileFormatError
 *   symmetry general | symmetric | skew-symmetric (hermitian → FileFormatError).
 *            A symmetric file stores one triangle (the lower one by the standard); the
 *            returned matrix is the FULL matrix: every off-diagonal entry (i, j) also
 *            appears as (j, i) (negated for skew-symmetric). Entries given above the
 *            diagonal are accepted and mirrored the same way.
 *   Duplicate (i, j) entries are summed; explicit zeros are kept as stored entries.
 *   Errors are FileFormatError(file, "line L: …") for a bad banner or size line, a bad
 *   number, an index out of range, too many or too few entries. Offending tokens and lines
 *   are quoted with quoteExcerpt (at most ~100 characters).
 *   Bounded work (see readMatrixMarket): the declared entry count is checked against the
 *   bytes left in the file, and rows/columns are capped, before anything is allocated.
 *
 * writeMatrixMarket(M, { symmetric?, comment? }) → text
 *   coordinate real; values printed with the shortest representation that reads back to the
 *   same double (JavaScript's Number→String), so write → read is exact; ±Infinity as ±inf.
 *   symmetric: M must be square and either exactly symmetric (pattern and values) or stored
 *   as one triangle; the LOWER triangle is written (an upper-only M is written transposed).
 */
import { FileFormatError, InputError, quoteExcerpt } from '../errors.ts';
import { cscFromTriplets, cscLowerTriangle, cscTranspose } from './csc.ts';
import { toCsc } from './matrix.ts';
import type { CscMatrix, Matrix } from './types.ts';

export type MatrixMarketSymmetry = 'general' | 'symmetric' | 'skew-symmetric';

export interface MatrixMarketResult {
  /** the full matrix (both triangles for symmetric files), rows sorted, duplicates summed */
  matrix: CscMatrix;
  /** the symmetry declared in the banner */
  symmetry: MatrixMarketSymmetry;
}

/** Parse one numeric token; null when it is not a number. Accepts inf / infinity (any case). */
function parseValue(tok: string): number | null {
  const v = Number(tok);
  if (!Number.isNaN(v) && tok.length > 0) return v;
  const t = tok.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return null;
}

/**
 * The largest row or column count accepted from a file of `chars` characters:
 * max(2²⁰, chars). Why: the size line is not backed by data — "2147483647 2147483647 0" is a
 * 25-byte file, yet the CSC matrix we return needs an (ncols + 1)-long column-pointer array
 * and assembly a (nrows + 1)-long row count, i.e. gigabytes. A real matrix with more rows or
 * columns than its file has characters is almost entirely empty rows/columns; we refuse it
 * rather than allocate memory the file does not back (row counts and column pointers then
 * take at most ~8 MB for a small file, 8 bytes per character for a large one).
 */
export function matrixMarketDimensionLimit(chars: number): number {
  return Math.max(2 ** 20, chars);
}

/**
 * Read a Matrix Market file (see the module comment). text: the file contents; fileName: used
 * in error messages (default '<matrix market>').
 *
 * Bounded work on hostile input, checked right after the size line, before any storage:
 *   - rows and columns ≤ matrixMarketDimensionLimit(text.length) (see there);
 *   - the declared number of entries (coordinate: the third size number; array: rows·cols, or
 *     the stored triangle when symmetric) must fit in the characters left after the size line,
 *     at the shortest possible spelling of an entry ("i j v" = 5 characters + a newline; "i j"
 *     for pattern; one digit + newline per array value). A header claiming 1e12 entries in a
 *     200-byte file therefore fails at once instead of reading to the end.
 * Entries are then stored as they are read, so memory stays proportional to the file.
 */
export function readMatrixMarket(text: string, fileName = '<matrix market>'): MatrixMarketResult {
  const fail = (line: number, detail: string): never => {
    throw new FileFormatError(fileName, line > 0 ? `line ${line}: ${detail}` : detail);
  };
  let pos = 0;
  let lineNo = 0;
  const len = text.length;
  /** next line (without the newline), or null at the end */
  const nextLine = (): string | null => {
    if (pos >= len) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    let line = text.slice(pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = end + 1;
    lineNo++;
    return line;
  };
  /** next non-blank, non-comment line split into tokens, or null at the end */
  const nextTokens = (): string[] | null => {
    for (;;) {
      const line = nextLine();
      if (line === null) return null;
      const t = line.trim();
      if (t === '' || t.startsWith('%')) continue;
      return t.split(/\s+/);
    }
  };

  // --- banner
  const banner = nextLine();
  if (banner === null) fail(0, 'empty file (expected a %%MatrixMarket banner)');
  const bt = banner!.trim().split(/\s+/);
  if (bt[0] !== '%%MatrixMarket') fail(1, `expected the banner "%%MatrixMarket matrix …", found ${quoteExcerpt(banner!)}`);
  if (bt.length !== 5) fail(1, `the banner needs 4 words after %%MatrixMarket (object format field symmetry), found ${bt.length - 1}`);
  const [object, format, field, symmetryTok] = bt.slice(1).map((s) => s.toLowerCase()) as [string, string, string, string];
  if (object !== 'matrix') fail(1, `unsupported object ${quoteExcerpt(object)} (only "matrix")`);
  if (format !== 'coordinate' && format !== 'array') fail(1, `unsupported format ${quoteExcerpt(format)} (coordinate or array)`);
  if (field !== 'real' && field !== 'double' && field !== 'integer' && field !== 'pattern')
    fail(1, `unsupported field ${quoteExcerpt(field)} (real, double, integer or pattern; complex is not supported)`);
  if (symmetryTok !== 'general' && symmetryTok !== 'symmetric' && symmetryTok !== 'skew-symmetric')
    fail(1, `unsupported symmetry ${quoteExcerpt(symmetryTok)} (general, symmetric or skew-symmetric)`);
  if (format === 'array' && field === 'pattern') fail(1, 'the array format cannot have the pattern field');
  const symmetry = symmetryTok as MatrixMarketSymmetry;
  const isInt = field === 'integer';
  const isPattern = field === 'pattern';

  // --- size line
  const size = nextTokens();
  if (size === null) fail(lineNo, 'missing size line');
  const sizeLine = lineNo;
  const wantSize = format === 'coordinate' ? 3 : 2;
  if (size!.length !== wantSize)
    fail(sizeLine, `size line needs ${wantSize} integers (${format === 'coordinate' ? 'rows cols entries' : 'rows cols'}), found ${quoteExcerpt(size!.join(' '))}`);
  const dims = size!.map((t) => {
    const v = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(v)) fail(sizeLine, `size ${quoteExcerpt(t)} is not a non-negative integer`);
    return v;
  });
  const nrows = dims[0]!;
  const ncols = dims[1]!;
  if (symmetry !== 'general' && nrows !== ncols) fail(sizeLine, `a ${symmetry} matrix must be square, found ${nrows} × ${ncols}`);
  if (nrows > 2 ** 31 - 1 || ncols > 2 ** 31 - 1) fail(sizeLine, 'dimensions beyond 2³¹ − 1 are not supported');
  const dimLimit = matrixMarketDimensionLimit(len);
  if (nrows > dimLimit || ncols > dimLimit) {
    fail(
      sizeLine,
      `${nrows} × ${ncols} declared in a file of ${len} characters; rows and columns are limited to ${dimLimit} ` +
        '(the larger of 2^20 and the file length: empty rows and columns would cost memory the file does not back)',
    );
  }
  // the declared entries must fit in what is left of the file (shortest spellings, see above)
  const left = len - pos;
  const declared =
    format === 'coordinate'
      ? dims[2]!
      : symmetry === 'general'
        ? nrows * ncols
        : symmetry === 'symmetric'
          ? (nrows * (nrows + 1)) / 2
          : (nrows * (nrows - 1)) / 2;
  const shortest = format === 'coordinate' ? (isPattern ? 4 : 6) : 2; // characters per entry incl. the newline
  const room = Math.floor((left + 1) / shortest);
  if (declared > room) {
    fail(
      sizeLine,
      `${format === 'coordinate' ? `${declared} entries declared` : `${nrows} × ${ncols} ${symmetry} array (${declared} values) declared`}, ` +
        `but the ${left} characters after the size line can hold at most ${room}`,
    );
  }

  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const push = (i: number, j: number, v: number): void => {
    rows.push(i);
    cols.push(j);
    vals.push(v);
    if (i !== j && symmetry !== 'general') {
      rows.push(j);
      cols.push(i);
      vals.push(symmetry === 'skew-symmetric' ? -v : v);
    }
  };
  const readValue = (tok: string, line: number): number => {
    const v = parseValue(tok);
    if (v === null) return fail(line, `${quoteExcerpt(tok)} is not a number`);
    if (isInt && !Number.isInteger(v)) fail(line, `${quoteExcerpt(tok)} is not an integer (field is integer)`);
    return v;
  };

  if (format === 'coordinate') {
    const count = dims[2]!;
    const perLine = isPattern ? 2 : 3;
    for (let k = 0; k < count; k++) {
      const tok = nextTokens();
      if (tok === null) fail(lineNo, `expected ${count} entries, found ${k}`);
      if (tok!.length !== perLine) fail(lineNo, `expected ${perLine} values per entry (${isPattern ? 'i j' : 'i j value'}), found ${quoteExcerpt(tok!.join(' '))}`);
      const i = Number(tok![0]);
      const j = Number(tok![1]);
      if (!Number.isInteger(i) || i < 1 || i > nrows) fail(lineNo, `row index ${quoteExcerpt(tok![0]!)} outside 1..${nrows}`);
      if (!Number.isInteger(j) || j < 1 || j > ncols) fail(lineNo, `column index ${quoteExcerpt(tok![1]!)} outside 1..${ncols}`);
      const v = isPattern ? 1 : readValue(tok![2]!, lineNo);
      if (symmetry === 'skew-symmetric' && i === j && v !== 0) fail(lineNo, 'a skew-symmetric matrix has a zero diagonal');
      push(i - 1, j - 1, v);
    }
  } else {
    // array: values column by column; symmetric stores the lower triangle incl. diagonal,
    // skew-symmetric the strict lower triangle
    for (let j = 0; j < ncols; j++) {
      const i0 = symmetry === 'general' ? 0 : symmetry === 'symmetric' ? j : j + 1;
      for (let i = i0; i < nrows; i++) {
        const tok = nextTokens();
        if (tok === null) fail(lineNo, `expected more values (column ${j + 1}, row ${i + 1})`);
        if (tok!.length !== 1) fail(lineNo, `expected one value per line in the array format, found ${quoteExcerpt(tok!.join(' '))}`);
        push(i, j, readValue(tok![0]!, lineNo));
      }
    }
  }
  const extra = nextTokens();
  if (extra !== null) fail(lineNo, `more entries than the ${format === 'coordinate' ? dims[2] : 'declared size'} declared on line ${sizeLine}`);

  return { matrix: cscFromTriplets(nrows, ncols, rows, cols, vals), symmetry };
}

/** Shortest round-trip decimal text of v (−0 kept, ±Infinity → ±inf). */
function formatValue(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0 && Object.is(v, -0)) return '-0';
  return String(v);
}

export interface WriteMatrixMarketOptions {
  /** write the symmetric form (lower triangle); see writeMatrixMarket */
  symmetric?: boolean;
  /** comment text; every line is written as a "% …" line after the banner */
  comment?: string;
}

/**
 * Matrix Market coordinate text of M (dense inputs are converted with exact zeros dropped).
 * Entries are written column by column, rows ascending, 1-based. NaN values → InputError.
 * symmetric: M must be square; if both strict triangles hold entries, M must be exactly
 * symmetric (same pattern and values) else InputError; the lower triangle (incl. diagonal) is
 * written, or the transposed upper triangle when M stores only its upper triangle.
 */
export function writeMatrixMarket(M: Matrix, opts: WriteMatrixMarketOptions = {}): string {
  let S = toCsc(M);
  const symmetric = opts.symmetric ?? false;
  if (symmetric) {
    if (S.nrows !== S.ncols) throw new InputError('M', 'a square matrix (symmetric: true)', `${S.nrows} × ${S.ncols}`);
    let upper = 0;
    let lower = 0;
    for (let j = 0; j < S.ncols; j++)
      for (let p = S.colPtr[j]!; p < S.colPtr[j + 1]!; p++) {
        if (S.rowIdx[p]! < j) upper++;
        else if (S.rowIdx[p]! > j) lower++;
      }
    if (upper > 0 && lower === 0) S = cscTranspose(S);
    else if (upper > 0) {
      const T = cscTranspose(S);
      const nz = S.colPtr[S.ncols]!;
      for (let j = 0; j < S.ncols; j++) {
        if (S.colPtr[j + 1] !== T.colPtr[j + 1]) throw new InputError('M', 'a symmetric matrix (symmetric: true)', `an asymmetric pattern in column ${j}`);
      }
      for (let p = 0; p < nz; p++) {
        if (S.rowIdx[p] !== T.rowIdx[p] || S.values[p] !== T.values[p]) {
          let j = 0;
          while (S.colPtr[j + 1]! <= p) j++;
          const i = S.rowIdx[p]!;
          throw new InputError('M', 'a symmetric matrix (symmetric: true)', `M[${i}, ${j}] = ${S.values[p]} ≠ M[${j}, ${i}]`);
        }
      }
    }
    S = cscLowerTriangle(S);
  }
  const nz = S.colPtr[S.ncols]!;
  const parts: string[] = [`%%MatrixMarket matrix coordinate real ${symmetric ? 'symmetric' : 'general'}`];
  if (opts.comment !== undefined) for (const line of opts.comment.split(/\r?\n/)) parts.push(`%${line === '' ? '' : ' '}${line}`);
  parts.push(`${S.nrows} ${S.ncols} ${nz}`);
  for (let j = 0; j < S.ncols; j++)
    for (let p = S.colPtr[j]!; p < S.colPtr[j + 1]!; p++) {
      const v = S.values[p]!;
      if (Number.isNaN(v)) throw new InputError(`M[${S.rowIdx[p]}, ${j}]`, 'a number (not NaN)', 'NaN');
      parts.push(`${S.rowIdx[p]! + 1} ${j + 1} ${formatValue(v)}`);
    }
  return parts.join('\n') + '\n';
}
