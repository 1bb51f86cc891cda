/**
 * Typed errors of dqp. Bad input is an error (thrown); a solver outcome such as
 * infeasibility or an iteration limit is a status in the solution, never an error.
 *
 *   DqpError                 base class of everything dqp throws on purpose
 *   ├─ InputError            an argument has the wrong shape, type or value
 *   │   └─ DimensionError    a size does not match (says which argument, expected, found)
 *   ├─ FileFormatError       a file cannot be read as the format it claims (names the file)
 *   ├─ SolverNotFoundError   an unknown solver name (lists the registered ones)
 *   └─ LinearAlgebraError    a matrix cannot be factored
 *       ├─ StructurallySingularError   the pattern itself is singular (an empty row/column)
 *       └─ ZeroPivotError              a pivot is (numerically) zero and regularization cannot fix it
 */
export class DqpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument has the wrong type or value. `argument` names it as the caller wrote it. */
export class InputError extends DqpError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${argument}: expected ${expected}, found ${found}`);
  }
}

/** A dimension mismatch, e.g. `new DimensionError('q', 'length 5 (= columns of P)', 'length 4')`. */
export class DimensionError extends InputError {}

/** A file that cannot be parsed as its format. */
export class FileFormatError extends DqpError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** An unknown solver name; the message lists what is available. */
export class SolverNotFoundError extends DqpError {
  constructor(
    readonly solver: string,
    readonly available: readonly string[],
  ) {
    super(`unknown solver "${solver}"; available solvers: ${available.join(', ')}`);
  }
}

/** A factorization failure. */
export class LinearAlgebraError extends DqpError {}

/** The sparsity pattern is singular whatever the values (e.g. an empty row or column). */
export class StructurallySingularError extends LinearAlgebraError {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(`structurally singular matrix: ${detail}`);
  }
}

/** A zero (or wrong-signed) pivot that the configured regularization cannot repair. */
export class ZeroPivotError extends LinearAlgebraError {
  constructor(
    readonly column: number,
    readonly pivot: number,
  ) {
    super(`zero pivot ${pivot} at column ${column} (original numbering); the matrix is singular to working precision`);
  }
}

/** How many characters of an offending token or line an error message quotes (see quoteExcerpt). */
export const QUOTE_LIMIT = 100;

/**
 * An offending token or line as it should appear in an error message: in double quotes with
 * JSON escapes (so control characters and quotes stay visible), cut to the first `limit`
 * characters with an ellipsis and the total length when it is longer. A reader quoting a 5 MB
 * number therefore produces a message of about a hundred characters, not of 5 MB.
 *
 *   quoteExcerpt('1.5x')            → "1.5x"
 *   quoteExcerpt('9'.repeat(10**6)) → "999…999…" (1000000 characters)   (100 nines)
 */
export function quoteExcerpt(text: string, limit: number = QUOTE_LIMIT): string {
  if (text.length <= limit) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, limit)).slice(0, -1)}…" (${text.length} characters)`;
}

/**
 * A file or folder a command must read or write cannot be used: `file` as the user gave it,
 * `flag` the option or argument that named it (e.g. '--out', 'MESH'), `reason` in words.
 */
export class FileAccessError extends DqpError {
  constructor(
    readonly file: string,
    readonly flag: string,
    readonly reason: string,
  ) {
    super(`${flag} ${file}: ${reason}`);
  }
}

/** Two paths of one command (an output and an input, or two outputs) name the same file. */
export class OutputCollisionError extends DqpError {
  constructor(
    readonly flag: string,
    readonly file: string,
    readonly otherFlag: string,
    readonly otherFile: string,
    readonly detail: string,
  ) {
    super(`${flag} ${file} and ${otherFlag} ${otherFile} are the same file (${detail}); choose another path for ${flag}`);
  }
}

/**
 * dqpBackward on a forward pass whose solver status is not 'solved' (max_iter, time_limit,
 * solved_inaccurate, an infeasible or non-convex status...): the point is not a verified solution,
 * so its gradients would be those of a non-solution. Pass { allowInexact: true } to dqpBackward
 * to get them anyway, flagged (DqpGradients.inexact).
 */
export class InexactSolutionError extends DqpError {
  constructor(readonly status: string) {
    super(
      `cannot differentiate: the forward solve ended with status "${status}", not "solved"; its gradients would be those of a non-solution (pass { allowInexact: true } to dqpBackward to get them anyway, flagged as inexact)`,
    );
  }
}
